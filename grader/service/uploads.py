"""Receiving a candidate's archive: the size cap enforced while the body arrives, the stored copy
checked with the same archive rules as `grade`, and nothing kept when it is refused."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from grader.archives import ARCHIVE_SUFFIXES
from grader.errors import BadInputError
from grader.submission import open_submission
from grader.text import safe_name

CHUNK = 1 << 16


class UploadTooLarge(Exception):
    pass


class UploadLimit:
    """ASGI middleware: a POST whose declared length is over the limit is answered 413 before a
    byte of its body is read; one that streams past the limit is cut off at the limit."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0
        over = started = refused = False

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    over = True
                    raise UploadTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started, refused
            if refused:
                return
            if over and not started:
                # The app caught the cut-off as a body it could not parse (FastAPI answers 400
                # to any error while reading a form): the answer is still 413.
                refused = True
                await self._refuse(send)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except UploadTooLarge:
            if not started and not refused:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = f'{{"detail":"the upload is over the limit of {self.limit} bytes"}}'.encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True)
class Stored:
    name: str  # under the uploads folder
    filename: str  # as the candidate named it
    sha256: str


def archive_suffix(filename: str) -> str:
    lowered = filename.lower()
    for suffix in ARCHIVE_SUFFIXES:
        if lowered.endswith(suffix):
            return suffix
    raise BadInputError(f"{safe_name(filename)!r} is not a .zip, .tar.gz or .tgz archive")


def store(
    source: BinaryIO, filename: str, uploads: Path, exercise_ids: list[str], known_ids: list[str]
) -> Stored:
    """Copy the upload under `uploads` and check it opens and holds one of `exercise_ids`;
    BadInputError (and nothing left behind) when it does not."""
    filename = safe_name(Path(filename or "upload").name)
    suffix = archive_suffix(filename)
    name = f"{uuid.uuid4().hex}{suffix}"
    path = uploads / name
    digest = hashlib.sha256()
    try:
        with path.open("xb") as target:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                target.write(chunk)
        try:
            with open_submission(path, known_ids) as submission:
                if not any(submission.root.joinpath(e).is_dir() for e in exercise_ids):
                    raise BadInputError(
                        "the archive holds none of the assignment's exercise folders "
                        f"({', '.join(exercise_ids)})"
                    )
        except BadInputError as exc:
            raise BadInputError(str(exc).replace(str(path), filename)) from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Stored(name, filename, digest.hexdigest())


def remove(uploads: Path, name: str) -> None:
    (uploads / name).unlink(missing_ok=True)
