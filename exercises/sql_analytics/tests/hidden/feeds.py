"""Record feeds handed to the candidate's upsert; kept apart from the test module's globals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class FeedBroken(Exception):
    """Raised by a feed part-way through, as a failing upstream reader would."""


def records_then_failure(records: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Yield the records, then raise FeedBroken."""
    yield from records
    raise FeedBroken("the upstream connection dropped")


def generated(records: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The records as a one-shot generator."""
    yield from records
