"""Who is asking: interviewers and admins by password (argon2) and bearer JWT; candidates only by
their invite's token, so a candidate never needs an account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.errors import BadInputError
from grader.service.models import Role, User, now

ALGORITHM = "HS256"
_hasher = PasswordHasher()
# Checked when a name is unknown, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password anyone has")
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def authenticate(session: Session, name: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.name == name))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    return user


def add_user(session: Session, name: str, role: Role, password: str) -> User:
    """A new account; refuses a taken name, an empty name or a short password."""
    name = name.strip()
    if not name:
        raise BadInputError("a user needs a name")
    if len(password) < MIN_PASSWORD:
        raise BadInputError(f"a password needs at least {MIN_PASSWORD} characters")
    if session.scalar(select(User).where(User.name == name)):
        raise BadInputError(f"user {name!r} already exists")
    user = User(name=name, role=role, password_hash=hash_password(password))
    session.add(user)
    session.commit()
    return user


@dataclass(frozen=True)
class Tokens:
    """Signs and reads the bearer tokens."""

    key: str
    lifetime: timedelta

    def issue(self, user: User) -> str:
        issued = now()
        claims = {
            "sub": str(user.id),
            "role": user.role,
            "iat": issued,
            "exp": issued + self.lifetime,
        }
        return jwt.encode(claims, self.key, algorithm=ALGORITHM)

    def user_id(self, token: str) -> int | None:
        """The user a valid, unexpired token names; None for anything else."""
        try:
            claims = jwt.decode(
                token, self.key, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
            )
            return int(claims["sub"])
        except (jwt.PyJWTError, ValueError):
            return None
