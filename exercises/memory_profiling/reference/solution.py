"""Access-log statistics for the ops dashboard, in memory that does not grow.

tracemalloc on the original (snapshots before and after ``summarise``, compared by line) showed
five things holding memory, none of which the results need:

- ``file.readlines()`` held the whole file, and ``read_hits`` a list of every hit: now the file
  is read one line at a time and ``read_hits`` is a generator, so one hit exists at a time;
- the parse cache kept every distinct line ever seen: now it is an LRU of ``PARSE_CACHE_SIZE``
  entries (``functools.lru_cache``; ``Hit`` is frozen, so sharing a cached one is safe);
- the history kept every processed hit for ``recent``, which only returns the last
  ``RECENT_LIMIT``: now a ``deque`` with that ``maxlen`` drops the oldest;
- the listener list held every ``ErrorCounter``'s bound method, and through it the counter,
  forever: now a ``WeakSet`` of counters, so a counter nobody uses is freed and its entry goes
  with it.
"""

from __future__ import annotations

import os
import tracemalloc
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

RECENT_LIMIT = 100
PARSE_CACHE_SIZE = 1000
LogPath = str | os.PathLike[str]


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


_history: deque[Hit] = deque(maxlen=RECENT_LIMIT)
_counters: weakref.WeakSet[ErrorCounter] = weakref.WeakSet()


@lru_cache(maxsize=PARSE_CACHE_SIZE)
def parse_line(line: str) -> Hit:
    """Parse one line: client, method, path, status and size, separated by whitespace.

    Raises ValueError unless the line has exactly five fields and the last two are integers.
    """
    client, method, path, status, size = line.split()
    return Hit(client, method, path, int(status), int(size))


def read_hits(path: LogPath) -> Iterator[Hit]:
    """The hits of a log file (UTF-8, one hit per line), in file order; blank lines are skipped.

    A generator reading line by line: memory stays flat whatever the size of the file.
    """
    with open(path, encoding="utf-8") as file:
        for line in file:
            if line.strip():
                yield parse_line(line)


def summarise(path: LogPath) -> Summary:
    """Count the requests, bytes sent, server errors (5xx) and hits per status of a log file."""
    summary = Summary()
    for hit in read_hits(path):
        _history.append(hit)
        is_error = hit.status >= 500
        if is_error:
            for counter in list(_counters):
                counter.errors += 1
        summary.requests += 1
        summary.bytes_sent += hit.size
        summary.errors += is_error
        summary.statuses[hit.status] = summary.statuses.get(hit.status, 0) + 1
    return summary


def recent(n: int = 10) -> list[Hit]:
    """The last ``n`` hits that ``summarise`` processed (over all calls), oldest first.

    Raises ValueError unless 0 <= n <= RECENT_LIMIT.
    """
    if not 0 <= n <= RECENT_LIMIT:
        raise ValueError(f"n must be between 0 and {RECENT_LIMIT}, not {n}")
    return list(islice(_history, max(len(_history) - n, 0), None))


class ErrorCounter:
    """Counts the server errors (5xx) of every ``summarise`` call made while it exists.

    The module holds counters weakly: a counter lives exactly as long as its users keep it.
    """

    def __init__(self) -> None:
        self.errors = 0
        _counters.add(self)


def top_allocations(func: Callable[[], object], limit: int = 10) -> list[tuple[str, int]]:
    """The source lines holding the most memory allocated by ``func()`` when it returns.

    Returns at most ``limit`` pairs ("filename:lineno", size in bytes), largest first. The
    snapshot is taken while ``func``'s result is still referenced, so what it returns counts;
    tracing is stopped again even if ``func`` raises.
    """
    tracemalloc.start()
    try:
        result = func()
        snapshot = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    del result
    snapshot = snapshot.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
    stats = snapshot.statistics("lineno")[:limit]
    return [(str(stat.traceback), stat.size) for stat in stats]
