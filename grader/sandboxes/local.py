"""The local sandbox: the runner as a limited child process on this machine.

A fallback, not a security boundary: the Docker sandbox is that. Run as root, it still gives
candidate code a user of its own (so process limits hold and it cannot signal the grader), a
network namespace without interfaces where the kernel allows one, a minimal environment, and a
deadline enforced from here with SIGKILL. Run as an ordinary user, the code runs as that user.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path, PurePosixPath

from grader.errors import InfrastructureError
from grader.sandboxes import Job, SandboxOutcome
from grader.sandboxes.workspace import (
    REQUEST_NAME,
    RUNNER,
    minimal_environment,
    parse_result,
    run_deadline,
    write_workspace,
)

FIRST_UID = 62000  # the sandbox users: uids no account on the machine is expected to have
UID_SLOTS = 1000
RUNNER_FILE_LIMIT = 64 << 20
PROCESS_LIMIT = 256  # RLIMIT_NPROC of the test processes: counts every process of the sandbox user
STDERR_KEPT = 8192


@cache
def network_isolation_available() -> bool:
    """Whether this process may give a child a network namespace of its own (root, usually)."""
    probe = "import ctypes, sys; sys.exit(ctypes.CDLL(None).unshare(0x40000000) != 0)"
    done = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, timeout=30)
    return done.returncode == 0


@contextlib.contextmanager
def _sandbox_uid() -> Iterator[int]:
    """Reserve a uid no other grading uses at the same time (a lock per uid in a root-only folder)."""
    locks = Path(tempfile.gettempdir()) / "grader-sandbox-uids"
    locks.mkdir(mode=0o700, exist_ok=True)
    info = locks.lstat()
    if info.st_uid != 0 or not locks.is_dir() or locks.is_symlink() or info.st_mode & 0o077:
        raise InfrastructureError(f"{locks} must be a folder only root can use")
    for uid in range(FIRST_UID, FIRST_UID + UID_SLOTS):
        fd = os.open(locks / str(uid), os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        try:
            kill_user_processes(uid)  # whatever a crashed grading may have left
            yield uid
        finally:
            kill_user_processes(uid)
            os.close(fd)
        return
    raise InfrastructureError("no free sandbox user: too many gradings at once")


def _user_processes(uid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
    return pids


# Run by a fresh `python -I -c` between the grader and the runner: it drops to the sandbox user,
# unshares the network and sets limits, then execs the runner. A launcher process rather than
# Popen's preexec_fn, which is unsafe in a grader with threads (batch grading).
LAUNCHER = """
import ctypes, os, resource, sys
uid, isolate, file_limit = int(sys.argv[1]), sys.argv[2] == "1", int(sys.argv[3])
for which, value in ((resource.RLIMIT_CORE, 0), (resource.RLIMIT_FSIZE, file_limit)):
    resource.setrlimit(which, (value, value))
libc = ctypes.CDLL(None, use_errno=True)
if isolate and libc.unshare(0x40000000) != 0:
    sys.exit("launcher: unshare(CLONE_NEWNET) failed")
if uid >= 0:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
libc.prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL: the runner dies with the grader
os.execv(sys.argv[4], sys.argv[4:])
"""

# As the sandbox user, kill(-1) reaches every process of that user but the caller.
KILLER = """
import os, signal, sys
uid = int(sys.argv[1])
os.setresgid(uid, uid, uid)
os.setresuid(uid, uid, uid)
os.kill(-1, signal.SIGKILL)
"""


def kill_user_processes(uid: int) -> None:
    """SIGKILL every process of `uid`, daemons that left the runner's session included."""
    for _ in range(20):
        if not _user_processes(uid):
            return
        subprocess.run(
            [sys.executable, "-I", "-c", KILLER, str(uid)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
            check=False,
        )


class LocalSandbox:
    """Runs the runner as a child process of the grader, with the walls described above."""

    name = "local"

    def __init__(self, python: str = sys.executable) -> None:
        self.python = python

    @property
    def as_root(self) -> bool:
        return os.geteuid() == 0

    def warnings(self) -> list[str]:
        found = ["local sandbox: a fallback, not a security boundary (the Docker sandbox is)"]
        if not self.as_root:
            found.append("local sandbox: not run as root, so candidate code runs as your own user")
        if not network_isolation_available():
            found.append("local sandbox: no network namespace here, so candidate code has network")
        return found

    def run(self, jobs: list[Job]) -> SandboxOutcome:
        user = _sandbox_uid() if self.as_root else contextlib.nullcontext(None)
        with user as uid, tempfile.TemporaryDirectory(prefix="grader-local-") as tmp:
            root = Path(tmp)
            root.chmod(0o755)
            scratch = root / "scratch"
            scratch.mkdir(mode=0o755)
            write_workspace(
                jobs,
                root,
                PurePosixPath(root),
                scratch=PurePosixPath(scratch),
                dedicated_user=uid is not None,
                process_limit=PROCESS_LIMIT if uid is not None else None,
            )
            if uid is not None:
                os.chown(scratch, uid, uid)
            return self._run_runner(root, jobs, uid)

    def _run_runner(self, root: Path, jobs: list[Job], uid: int | None) -> SandboxOutcome:
        out_path, err_path = root / "runner.out", root / "runner.err"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            for path in (out_path, err_path):
                path.chmod(0o600)
            try:
                isolate = "1" if network_isolation_available() else "0"
                process = subprocess.Popen(
                    [
                        *(self.python, "-I", "-c", LAUNCHER),
                        *(str(uid if uid is not None else -1), isolate, str(RUNNER_FILE_LIMIT)),
                        *(self.python, "-I", "-B", str(RUNNER), str(root / REQUEST_NAME)),
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    cwd=root,
                    env=minimal_environment(str(root)),
                    start_new_session=True,
                )
            except (OSError, subprocess.SubprocessError) as exc:
                raise InfrastructureError(f"local sandbox: cannot start the runner: {exc}") from exc
            timed_out = False
            try:
                process.wait(timeout=run_deadline(jobs))
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
                if uid is not None:
                    kill_user_processes(uid)
                process.wait()
        stderr = err_path.read_bytes()[-STDERR_KEPT:].decode("utf-8", "replace")
        if timed_out:
            return SandboxOutcome(
                None, "the whole run exceeded its deadline", timed_out=True, stderr=stderr
            )
        if process.returncode != 0:
            problem = f"the runner exited with code {process.returncode}"
            if "Permission denied" in stderr:
                problem += f" (can the sandbox user read {self.python} and {RUNNER}?)"
            return SandboxOutcome(None, problem, stderr=stderr)
        with out_path.open("rb") as out:
            return parse_result(out.read(), stderr)
