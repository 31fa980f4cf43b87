"""Password login that issues HS256 JWTs, and a route protected by them."""

import hmac
import time
from collections.abc import Callable, Mapping
from typing import Annotated, Any

import jwt
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm

ALGORITHM = "HS256"


def _unauthorized(detail: str) -> HTTPException:
    # RFC 6750: a 401 must tell the client which scheme to use.
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


def _same_secret(given: str, expected: str) -> bool:
    """Compare in constant time, so response timing reveals nothing about the password.

    ``hmac.compare_digest`` accepts ``str`` only when it is ASCII; comparing the UTF-8
    bytes works for every password.
    """
    return hmac.compare_digest(given.encode(), expected.encode())


def create_app(
    secret: str,
    users: Mapping[str, str],
    ttl_seconds: int = 900,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """Build the app: ``POST /token`` logs in, ``GET /me`` needs a valid bearer token.

    ``users`` maps usernames to passwords. ``clock`` gives the current Unix time; it is
    the only time source, both for issuing tokens and for checking their expiry.
    """
    app = FastAPI()
    bearer = OAuth2PasswordBearer(tokenUrl="token")  # missing/non-Bearer header -> 401

    @app.post("/token")
    def issue_token(form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> dict[str, str]:
        expected = users.get(form.username)
        # Compare even for an unknown user, so both failures take the same time.
        password_ok = _same_secret(form.password, expected if expected is not None else "")
        if expected is None or not password_ok:
            raise _unauthorized("Incorrect username or password")
        now = int(clock())
        claims = {"sub": form.username, "iat": now, "exp": now + ttl_seconds}
        return {
            "access_token": jwt.encode(claims, secret, algorithm=ALGORITHM),
            "token_type": "bearer",
        }

    def current_user(token: Annotated[str, Depends(bearer)]) -> str:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                secret,
                # Pin the algorithm: never trust the token's own header to choose it
                # (that is how "alg": "none" and algorithm-confusion forgeries get in).
                algorithms=[ALGORITHM],
                # PyJWT would check exp and iat against the real clock; expiry is
                # checked below against the injected one instead.
                options={"require": ["sub", "exp"], "verify_exp": False, "verify_iat": False},
            )
        except jwt.PyJWTError as error:
            raise _unauthorized("Invalid token") from error
        expires = claims["exp"]
        if not isinstance(expires, int | float) or expires <= clock():
            raise _unauthorized("Token expired")
        username = claims["sub"]
        if username not in users:  # e.g. a user deleted after the token was issued
            raise _unauthorized("Unknown user")
        return str(username)

    @app.get("/me")
    def me(username: Annotated[str, Depends(current_user)]) -> dict[str, str]:
        return {"username": username}

    return app
