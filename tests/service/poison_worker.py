"""`grader worker`, except that grading a submission whose archive is named `poison*` kills the
process grading it, every time it is tried: a grader bug that takes its process down (a crash
in a C extension, the kernel's OOM killer). A real SIGKILL of a real pool process; the test
that starts it (test_queue.py) checks that the submission ends `failed` and the queue flows.

Run as `python poison_worker.py worker ...`, with the same options as `grader worker`.
"""

from __future__ import annotations

import os
import signal

from sqlalchemy.orm import Session

from grader.cli import grader
from grader.service.worker import Handin, Worker

_handin = Worker._handin


def _poisoned(self: Worker, session: Session, submission_id: str) -> Handin:
    handin = _handin(self, session, submission_id)
    if handin.filename.startswith("poison"):
        os.kill(os.getpid(), signal.SIGKILL)
    return handin


Worker._handin = _poisoned  # type: ignore[method-assign]

if __name__ == "__main__":
    grader()
