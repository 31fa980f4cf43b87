"""The `score` functions the hidden suite hands to the app, kept out of the test module.

They run in the candidate's worker processes, so they must pickle by reference, which needs their
module in `sys.modules`: the runner removes the test modules from there once they are collected.
Gates are files in a folder of the test's own (`functools.partial(gated, folder)`): a file is seen
by every process, whatever the start method, and needs no server process.
"""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

STUCK_S = 5.0  # how long a gated call waits for a test that a correct app lets run
POLL_S = 0.005
OPEN = "open"  # the file that opens a gate
_calls = itertools.count()


def total(amounts: list[int]) -> int:
    """The sum; refuses anything but a list of ints, the type the README promises."""
    if type(amounts) is not list or not all(type(amount) is int for amount in amounts):
        raise TypeError(f"score wants a list of int, got {amounts!r}")
    return sum(amounts)


def worker_pid(amounts: list[int]) -> int:
    return os.getpid()


def reject_negative(amounts: list[int]) -> int:
    for amount in amounts:
        if amount < 0:
            raise ValueError(f"negative amount: {amount}")
    return len(amounts)


def must_not_run(amounts: list[int]) -> int:
    raise AssertionError(f"score must not be called for an invalid body, got {amounts!r}")


def wait_for_file(path: Path, timeout: float = STUCK_S) -> bool:
    """Whether `path` appeared within `timeout` seconds (polled, so any process may create it)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL_S)
    return True


def gated(folder: str, amounts: list[int]) -> int:
    """Say it has started (a file), then wait until the gate opens.

    Returns this process's pid, or -1 when the gate never opened: the app did not serve the
    requests the test sends meanwhile.
    """
    (Path(folder) / f"started-{os.getpid()}-{next(_calls)}").touch()
    return os.getpid() if wait_for_file(Path(folder) / OPEN) else -1


def started(folder: str) -> int:
    """How many gated calls have started."""
    return sum(1 for path in Path(folder).iterdir() if path.name.startswith("started-"))
