"""The runner's view of an exercise's processes (sandbox/runner.py): as a child subreaper it
keeps every process the test starts below it, counts their CPU and ends them all.

Each case runs in a fresh interpreter, since becoming a subreaper changes the process for good.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

RUNNER_DIR = Path(__file__).resolve().parents[2] / "sandbox"

SCRIPT = """
import os, sys, time
sys.path.insert(0, {runner!r})
import runner
runner._libc().prctl(runner.PR_SET_CHILD_SUBREAPER, 1)
{body}
"""


def run(body: str) -> str:
    script = SCRIPT.format(runner=str(RUNNER_DIR), body=textwrap.dedent(body))
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_an_orphaned_grandchilds_cpu_is_counted() -> None:
    out = run(
        """
        before = runner.tree_cpu_s()
        child = os.fork()
        if child == 0:
            if os.fork() == 0:  # the grandchild: burns CPU after its parent is gone
                end = time.process_time() + 0.5
                while time.process_time() < end:
                    pass
            os._exit(0)
        os.waitpid(child, 0)
        while any(open(f"/proc/{pid}/stat").read().split(") ")[1][0] != "Z"
                  for pid in runner.descendants(os.getpid())):
            time.sleep(0.01)  # until the grandchild has exited (a zombie below this process)
        print("CPU", runner.tree_cpu_s() - before)
        """
    )
    assert float(out.split("CPU")[1]) >= 0.45


def test_every_process_left_below_the_runner_is_ended() -> None:
    out = run(
        """
        child = os.fork()
        if child == 0:
            os.setsid()  # a daemon: out of the session the runner kills
            if os.fork() == 0:
                time.sleep(60)
            os._exit(0)
        os.waitpid(child, 0)
        print("BEFORE", len(runner.descendants(os.getpid())))
        runner.end_descendants()
        print("AFTER", len(runner.descendants(os.getpid())))
        """
    )
    assert "BEFORE 1" in out and "AFTER 0" in out
