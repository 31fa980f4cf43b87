"""Password login that issues HS256 JWTs, and a route protected by them."""

import time
from collections.abc import Callable, Mapping

from fastapi import FastAPI


def create_app(
    secret: str,
    users: Mapping[str, str],
    ttl_seconds: int = 900,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """Build the app.

    ``POST /token`` takes the OAuth2 password form (``username``, ``password``) and
    returns ``{"access_token": <HS256 JWT>, "token_type": "bearer"}``, or 401.
    ``GET /me`` with ``Authorization: Bearer <token>`` returns ``{"username": <sub>}``,
    or 401. ``users`` maps usernames to passwords; ``clock`` is the only time source.
    """
    raise NotImplementedError
