"""What every step of the sandbox image's build shares: its error, its log, its recipe's version,
and host commands (debootstrap, pip) run with their output passed to the log line by line."""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence

RECIPE_VERSION = "1"
"""Bump to invalidate every image and wheelhouse when the build's recipe changes."""
LABEL_BASE = "grader.sandbox.base"
"""On the sandbox image: the base it was built on; on the local base: what it was made from."""

ERROR_TAIL_LINES = 25
"""How many of a failed step's last output lines its error quotes."""

Log = Callable[[str], None]


class ImageBuildError(Exception):
    """The sandbox image could not be found or made; `message` says why, for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Killer:
    """Kills a process group once a deadline passes (its output loop then ends)."""

    def __init__(self, process: subprocess.Popen[str], deadline: float) -> None:
        self.fired = False
        self._process = process
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, 9)

    def cancel(self) -> None:
        self._timer.cancel()


def run_logged(
    command: Sequence[str],
    *,
    timeout: float,
    log: Log,
    prefix: str,
    env: dict[str, str] | None = None,
) -> tuple[int, list[str]]:
    """Runs `command`, passing its output to `log` line by line; returns (code, last lines)."""
    tail: deque[str] = deque(maxlen=ERROR_TAIL_LINES)
    deadline = time.monotonic() + timeout
    with subprocess.Popen(
        list(command),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
        env=env,
        start_new_session=True,
    ) as process:
        assert process.stdout is not None
        timer = _Killer(process, deadline)
        try:
            for line in process.stdout:
                line = line.rstrip()
                tail.append(line)
                log(f"{prefix}{line}")
        finally:
            timer.cancel()
        code = process.wait()
    if timer.fired:
        raise ImageBuildError(
            f"`{command[0]}` took more than {timeout:.0f} s and was stopped; last lines:\n"
            + "\n".join(tail)
        )
    return code, list(tail)
