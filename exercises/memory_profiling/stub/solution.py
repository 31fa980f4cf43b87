"""Access-log statistics for the ops dashboard.

This code is correct but holds on to memory: the long-running dashboard process grows until it
is killed, and a big log file makes it jump by gigabytes. Find what holds the memory and fix it
without changing any result (see the README); write ``top_allocations`` too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

RECENT_LIMIT = 100


@dataclass(frozen=True)
class Hit:
    """One request of the access log."""

    client: str
    method: str
    path: str
    status: int
    size: int


@dataclass
class Summary:
    """What ``summarise`` reports for one log file."""

    requests: int = 0
    bytes_sent: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


_parsed: dict[str, Hit] = {}  # the same lines come back again and again: parse each once
_history: list[Hit] = []  # every processed hit, for recent()
_listeners: list[Callable[[Hit], None]] = []  # called with every processed hit


def parse_line(line: str) -> Hit:
    """Parse one line: client, method, path, status and size, separated by whitespace.

    Raises ValueError unless the line has exactly five fields and the last two are integers.
    """
    hit = _parsed.get(line)
    if hit is None:
        client, method, path, status, size = line.split()
        hit = Hit(client, method, path, int(status), int(size))
        _parsed[line] = hit
    return hit


def read_hits(path: str | os.PathLike[str]) -> Iterable[Hit]:
    """The hits of a log file (UTF-8, one hit per line), in file order; blank lines are skipped."""
    with open(path, encoding="utf-8") as file:
        lines = file.readlines()
    return [parse_line(line) for line in lines if line.strip()]


def summarise(path: str | os.PathLike[str]) -> Summary:
    """Count the requests, bytes sent, server errors (5xx) and hits per status of a log file."""
    summary = Summary()
    for hit in read_hits(path):
        _history.append(hit)
        for listener in _listeners:
            listener(hit)
        summary.requests += 1
        summary.bytes_sent += hit.size
        if hit.status >= 500:
            summary.errors += 1
        summary.statuses[hit.status] = summary.statuses.get(hit.status, 0) + 1
    return summary


def recent(n: int = 10) -> list[Hit]:
    """The last ``n`` hits that ``summarise`` processed (over all calls), oldest first.

    Raises ValueError unless 0 <= n <= RECENT_LIMIT.
    """
    if not 0 <= n <= RECENT_LIMIT:
        raise ValueError(f"n must be between 0 and {RECENT_LIMIT}, not {n}")
    return _history[-n:] if n else []


class ErrorCounter:
    """Counts the server errors (5xx) of every ``summarise`` call made while it exists."""

    def __init__(self) -> None:
        self.errors = 0
        _listeners.append(self._on_hit)

    def _on_hit(self, hit: Hit) -> None:
        if hit.status >= 500:
            self.errors += 1


def top_allocations(func: Callable[[], object], limit: int = 10) -> list[tuple[str, int]]:
    """The source lines holding the most memory allocated by ``func()`` when it returns.

    Returns at most ``limit`` pairs ("filename:lineno", size in bytes), largest first.
    """
    raise NotImplementedError
