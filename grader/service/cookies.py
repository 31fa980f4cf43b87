"""The pages' browser session and their forms' CSRF tokens.

An interviewer's session is a signed, HttpOnly, SameSite=Lax cookie holding their user id and a
random CSRF token that every form of theirs carries back. A candidate has no session: the invite's
token in the URL is their credential, and their forms carry HMAC(key, invite token), which only a
page the service rendered can know.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "grader_session"
MAX_AGE = 8 * 3600  # seconds: a working day, then the interviewer logs in again


def new_token() -> str:
    return secrets.token_urlsafe(32)


def same(expected: str, given: str) -> bool:
    """Compare tokens in constant time."""
    return hmac.compare_digest(expected.encode(), given.encode())


@dataclass(frozen=True)
class WebSession:
    csrf: str
    user_id: int | None = None  # None: not logged in yet (the login form's own CSRF token)


class Cookies:
    def __init__(self, key: str) -> None:
        self._key = key.encode()
        self._signer = URLSafeTimedSerializer(key, salt="grader.pages.session")

    def read(self, request: Request) -> WebSession | None:
        """The session a valid, unexpired cookie holds; None for anything else."""
        value = request.cookies.get(COOKIE)
        if not value:
            return None
        try:
            data = self._signer.loads(value, max_age=MAX_AGE)
        except BadSignature:  # tampered, or expired (SignatureExpired is a BadSignature)
            return None
        if not isinstance(data, dict) or not isinstance(data.get("csrf"), str):
            return None
        user_id = data.get("user")
        return WebSession(data["csrf"], user_id if isinstance(user_id, int) else None)

    def write(self, response: Response, request: Request, session: WebSession) -> None:
        value = self._signer.dumps({"csrf": session.csrf, "user": session.user_id})
        response.set_cookie(
            COOKIE,
            value,
            max_age=MAX_AGE,
            path="/",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )

    def clear(self, response: Response, request: Request) -> None:
        response.delete_cookie(
            COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
        )

    def invite_csrf(self, invite_token: str) -> str:
        """The CSRF token of an invite's forms: stable, so no cookie is needed for it."""
        message = b"grader.pages.invite-csrf:" + invite_token.encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
