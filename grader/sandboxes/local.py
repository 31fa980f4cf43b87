"""The local sandbox: the runner as a limited child process on this machine.

A fallback, not a security boundary: the Docker sandbox is that. Where bubblewrap (`bwrap`)
works (as root, or with unprivileged user namespaces) the runner gets namespaces of its own: a
private mount namespace in which only the workspace (read-only), the runner's files and the
Python runtime (read-only) and a size-capped scratch tmpfs exist, no network, its own pids. Run
as root, candidate code also gets a user of its own (so process limits hold and it cannot signal
the grader), a minimal environment, and a deadline enforced from here with SIGKILL. Every wall
that cannot be had here is named by :meth:`LocalSandbox.missing_walls`, and so in the report.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from grader.errors import InfrastructureError
from grader.paths import SHIPPED_DIR
from grader.protocol import RecordSink, RecordStream
from grader.sandboxes import Job, SandboxOutcome
from grader.sandboxes.workspace import (
    REQUEST_NAME,
    RUNNER_DIR,
    minimal_environment,
    outcome_of,
    run_deadline,
    write_workspace,
)

FIRST_UID = 62000  # the sandbox users: uids no account on the machine is expected to have
UID_SLOTS = 1000
RUNNER_FILE_LIMIT = 64 << 20
PROCESS_LIMIT = 256  # RLIMIT_NPROC of the test processes: counts every process of the sandbox user
STDERR_KEPT = 8192
POLL_S = 0.1  # how often the runner's output is read while it runs (progress)
# Inside bubblewrap, /tmp is the only writable place (every exercise's scratch folder is in it):
# a tmpfs of this many bytes, so that candidate code cannot fill the host's disk or memory. As
# large as the Docker sandbox's scratch; RLIMIT_FSIZE (64 MiB) still caps each file.
SCRATCH_LIMIT = 256 << 20
SHM_LIMIT = 64 << 20  # /dev/shm, writable because multiprocessing's locks live there
# Where the sandbox sees the workspace and the runner's files: fixed paths, so that the host's
# paths (a checkout under /root, a 0700 temp folder) never need to be reachable by its user.
INSIDE = PurePosixPath("/run/grader")
WORK_INSIDE = INSIDE / "work"
RUNNER_INSIDE = INSIDE / "runner"
SCRATCH_INSIDE = PurePosixPath("/tmp")
# Host folders a Python needs besides its own prefix: the shared libraries and the loader.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
SYSTEM_FILES = ("/etc/ld.so.cache", "/etc/localtime", "/etc/hosts")
BUBBLEWRAP_HINT = "install bubblewrap (`apt-get install bubblewrap`, or `make bubblewrap`)"

# The walls, by the names the warnings and `grader doctor` use.
MOUNTS = "mount namespace"
SCRATCH = "scratch cap"
NETWORK = "network"
OWN_USER = "own user"


@cache
def network_isolation_available() -> bool:
    """Whether this process may give a child a network namespace of its own (root, usually)."""
    probe = "import ctypes, sys; sys.exit(ctypes.CDLL(None).unshare(0x40000000) != 0)"
    done = subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True, timeout=30)
    return done.returncode == 0


# Printed by the grading interpreter itself: every folder it reads its modules from.
RUNTIME_PROBE = """
import json, sys, sysconfig
print(json.dumps([sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                  *sysconfig.get_paths().values(), *sys.path]))
"""


@cache
def runtime_dirs(python: str) -> tuple[str, ...]:
    """The folders `python` reads modules from (prefixes, sys.path), as real paths, sorted.

    Bound read-only at their own paths, so sys.path, .pth files and the venv's symlinks hold.
    Folders of the system (SYSTEM_DIRS) are left out: they are bound anyway.
    """
    try:
        done = subprocess.run(
            [python, "-I", "-c", RUNTIME_PROBE], capture_output=True, text=True, timeout=60
        )
        listed = json.loads(done.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise InfrastructureError(
            f"local sandbox: cannot ask {python} for its paths: {exc}"
        ) from exc
    listed.append(os.path.dirname(os.path.abspath(python)))
    found = {
        os.path.realpath(path)
        for path in listed
        if isinstance(path, str) and os.path.isabs(path) and os.path.isdir(path)
    }
    return tuple(
        sorted(path for path in found if not any(_within(path, top) for top in SYSTEM_DIRS))
    )


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


@cache
def bubblewrap_problem(python: str = sys.executable) -> str | None:
    """Why the walls of bubblewrap are not to be had here, or None: tried, not guessed."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return f"bubblewrap is not installed: {BUBBLEWRAP_HINT}"
    with tempfile.TemporaryDirectory(prefix="grader-probe-") as tmp:
        Path(tmp).chmod(0o755)
        try:
            command = bubblewrap_command(bwrap, python, Path(tmp), RUNNER_DIR)
            done = subprocess.run(
                [*command, python, "-I", "-c", "pass"],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=60,
            )
        except (OSError, subprocess.SubprocessError, InfrastructureError) as exc:
            return f"bubblewrap cannot start: {exc}"
    if done.returncode != 0:
        why = done.stderr.strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
        return f"bubblewrap fails here ({why[0]}; unprivileged user namespaces may be off)"
    return None


def bubblewrap_command(
    bwrap: str, python: str, work: Path, runner_dir: Path, hidden: Iterable[Path] = ()
) -> list[str]:
    """bwrap's arguments: a root of nothing but the runtime, the workspace and capped tmpfs.

    A folder on sys.path that holds the runner's folder or a hidden suite (`hidden`) is a
    checkout or a catalog, not the runtime (an old-style editable install puts the checkout
    there): it is never bound, whatever it holds besides.

    As root no user namespace is made: the launcher inside drops to the sandbox user itself, so
    the host sees the sandbox's processes under that uid and can kill them all.
    """
    command = [bwrap, "--die-with-parent", "--unshare-net", "--unshare-pid", "--unshare-ipc"]
    command += ["--unshare-uts", "--hostname", "sandbox"]
    if os.geteuid() != 0:
        command.append("--unshare-user")
    made: set[str] = {"/"}

    def parents(path: str) -> list[str]:
        """--dir for each missing parent: bwrap would make them 0700, closed to the user."""
        args: list[str] = []
        parts = PurePosixPath(path).parents
        for parent in reversed(list(parts)[:-1]):
            if str(parent) not in made:
                made.add(str(parent))
                args += ["--perms", "0755", "--dir", str(parent)]
        return args

    for top in SYSTEM_DIRS:
        if os.path.islink(top):
            command += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            command += ["--ro-bind", top, top]
        made.add(top)
    for file in SYSTEM_FILES:
        command += [*parents(file), "--ro-bind-try", file, file]
    command += ["--proc", "/proc", "--dev", "/dev"]
    command += ["--perms", "1777", "--size", str(SHM_LIMIT), "--tmpfs", "/dev/shm"]
    command += ["--perms", "1777", "--size", str(SCRATCH_LIMIT), "--tmpfs", str(SCRATCH_INSIDE)]
    made |= {"/proc", "/dev", str(SCRATCH_INSIDE)}
    # Installed from a wheel, the catalog and the runner sit inside site-packages (grader/data/):
    # the runtime is bound all the same and an empty tmpfs hides that folder.
    shipped = os.path.realpath(SHIPPED_DIR) if SHIPPED_DIR.is_dir() else None
    secret = [
        path
        for path in (os.path.realpath(p) for p in (runner_dir, *hidden))
        if shipped is None or not _within(path, shipped)
    ]
    bound: list[str] = []
    for folder in runtime_dirs(python):  # sorted: a folder comes before what it holds
        if any(_within(path, folder) for path in secret) or any(
            _within(folder, other) for other in bound
        ):
            continue
        if os.geteuid() == 0 and os.stat(folder).st_mode & 0o005 != 0o005:
            # Closed to others (a venv made in a `mktemp -d` folder): the sandbox user could not
            # enter it even bound, so bind what it holds (and a venv's pyvenv.cfg) instead.
            config = os.path.join(folder, "pyvenv.cfg")
            if os.path.isfile(config):
                command += [*parents(config), "--ro-bind", config, config]
            continue
        if folder == "/" or any(_within(folder, top) for top in ("/proc", "/dev", str(INSIDE))):
            raise InfrastructureError(f"local sandbox: cannot bind the Python runtime at {folder}")
        bound.append(folder)  # after /tmp's tmpfs: a runtime under /tmp stays visible
        command += [*parents(folder), "--ro-bind", folder, folder]
        made.add(folder)
    if shipped is not None and any(_within(shipped, folder) for folder in bound):
        command += ["--perms", "0555", "--size", "4096", "--tmpfs", shipped]
    command += [*parents(str(RUNNER_INSIDE)), "--ro-bind", str(runner_dir), str(RUNNER_INSIDE)]
    command += ["--ro-bind", str(work), str(WORK_INSIDE), "--remount-ro", "/"]
    command += ["--chdir", str(WORK_INSIDE), "--"]
    return command


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


# Run by a fresh `python -I -c` between the grader (or bubblewrap) and the runner: it drops to
# the sandbox user, unshares the network and sets limits, then execs the runner. A launcher
# process rather than Popen's preexec_fn, which is unsafe in a grader with threads (batches).
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
os.environ.pop("PWD", None)  # bubblewrap sets it: not part of the minimal environment
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

    def __init__(self, python: str = sys.executable, runner_dir: Path = RUNNER_DIR) -> None:
        self.python = python
        self.runner_dir = runner_dir

    @property
    def as_root(self) -> bool:
        return os.geteuid() == 0

    @property
    def bubblewrap(self) -> bool:
        return bubblewrap_problem(self.python) is None

    def missing_walls(self) -> dict[str, str]:
        """Each wall this machine cannot give, with what candidate code can do for its lack."""
        missing: dict[str, str] = {}
        why = bubblewrap_problem(self.python)
        if why is not None:
            missing[MOUNTS] = (
                f"{why}; so candidate code can read every file its user can, the catalog's"
                " reference solutions and mutants included"
            )
            missing[SCRATCH] = (
                "no size-capped scratch (it comes with the mount namespace), so candidate code"
                " can fill the host's /tmp: only a 64 MiB limit per file applies"
            )
            if not network_isolation_available():
                missing[NETWORK] = "no network namespace here, so candidate code has network"
        if not self.as_root:
            missing[OWN_USER] = "not run as root, so candidate code runs as your own user"
        return missing

    def warnings(self) -> list[str]:
        found = ["local sandbox: a fallback, not a security boundary (the Docker sandbox is)"]
        found += [f"local sandbox: no {wall}: {why}" for wall, why in self.missing_walls().items()]
        return found

    def run(self, jobs: list[Job], on_record: RecordSink | None = None) -> SandboxOutcome:
        user = _sandbox_uid() if self.as_root else contextlib.nullcontext(None)
        walled = self.bubblewrap
        with user as uid, tempfile.TemporaryDirectory(prefix="grader-local-") as tmp:
            root = Path(tmp)
            root.chmod(0o755)
            if walled:  # the paths as the runner sees them; scratch is the capped tmpfs
                inside, scratch = PurePosixPath(WORK_INSIDE), SCRATCH_INSIDE
            else:
                inside, scratch = PurePosixPath(root), PurePosixPath(root / "scratch")
                (root / "scratch").mkdir(mode=0o755)
                if uid is not None:
                    os.chown(root / "scratch", uid, uid)
            write_workspace(
                jobs,
                root,
                inside,
                scratch=scratch,
                process_limit=PROCESS_LIMIT if uid is not None else None,
            )
            return self._run_runner(root, jobs, uid, walled, on_record)

    def _command(self, root: Path, uid: int | None, walled: bool, hidden: list[Path]) -> list[str]:
        user = str(uid if uid is not None else -1)
        if walled:  # bubblewrap has unshared the network already
            bwrap = shutil.which("bwrap") or "bwrap"
            return [
                *bubblewrap_command(bwrap, self.python, root, self.runner_dir, hidden),
                *(self.python, "-I", "-c", LAUNCHER, user, "0", str(RUNNER_FILE_LIMIT)),
                *(self.python, "-I", "-B", str(RUNNER_INSIDE / "runner.py")),
                str(WORK_INSIDE / REQUEST_NAME),
            ]
        isolate = "1" if network_isolation_available() else "0"
        return [
            *(self.python, "-I", "-c", LAUNCHER, user, isolate, str(RUNNER_FILE_LIMIT)),
            *(self.python, "-I", "-B", str(self.runner_dir / "runner.py")),
            str(root / REQUEST_NAME),
        ]

    def _run_runner(
        self,
        root: Path,
        jobs: list[Job],
        uid: int | None,
        walled: bool,
        on_record: RecordSink | None,
    ) -> SandboxOutcome:
        out_path, err_path = root / "runner.out", root / "runner.err"
        stream = RecordStream(on_record, expected=[job.id for job in jobs])
        with (
            out_path.open("wb") as out,
            err_path.open("wb") as err,
            out_path.open("rb") as tail,
        ):
            for path in (out_path, err_path):
                path.chmod(0o600)
            try:
                process = subprocess.Popen(
                    self._command(root, uid, walled, [job.tests_dir for job in jobs]),
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=err,
                    cwd=root,
                    env=minimal_environment(str(SCRATCH_INSIDE) if walled else str(root)),
                    start_new_session=True,
                )
            except (OSError, subprocess.SubprocessError) as exc:
                raise InfrastructureError(f"local sandbox: cannot start the runner: {exc}") from exc
            try:
                timed_out = self._follow(process, tail, stream, run_deadline(jobs))
            finally:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
                if uid is not None:
                    kill_user_processes(uid)
                process.wait()
            stream.feed(tail.read(stream.room))
        stderr = err_path.read_bytes()[-STDERR_KEPT:].decode("utf-8", "replace")
        if timed_out:
            return SandboxOutcome(
                None, "the whole run exceeded its deadline", timed_out=True, stderr=stderr
            )
        if process.returncode != 0:
            problem = f"the runner exited with code {process.returncode}"
            if "Permission denied" in stderr and not walled:
                problem += f" (can the sandbox user read {self.python} and {self.runner_dir}?)"
            return SandboxOutcome(None, problem, stderr=stderr)
        return outcome_of(stream, stderr)

    @staticmethod
    def _follow(
        process: subprocess.Popen[bytes], tail: BinaryIO, stream: RecordStream, deadline: float
    ) -> bool:
        """Wait for the runner, feeding `stream` what it writes to `tail` meanwhile (its records
        reach `on_record` as they come); True when it outlived `deadline` (seconds from now)."""
        end = time.monotonic() + deadline
        while True:
            try:
                process.wait(timeout=max(0.0, min(POLL_S, end - time.monotonic())))
                return False
            except subprocess.TimeoutExpired:
                if time.monotonic() >= end:
                    return True
            stream.feed(tail.read(stream.room))
