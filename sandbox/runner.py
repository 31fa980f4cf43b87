"""Run the hidden suites of one submission: one forked, limited test process per exercise.

Usage: ``python -I -B runner.py REQUEST.json`` prints its result on stdout as a stream of JSON
records, one a line, each sent as an exercise starts and ends and a closing one last (``wire.py``).

The runner is the same in every sandbox. It imports pytest, hypothesis and the heavy libraries
the suites share once, then forks a fresh child per exercise (the zygote pattern): each exercise
gets its own process tree and limits at the cost of a fork, not of a new interpreter.

Everything that judges the child lives here, outside it: the per-test and per-exercise deadlines
(enforced with SIGKILL of the child's whole session), the caps on what it may print, and the rule
that a child whose event stream ends without ``finish`` did not complete. It also decides what
its deadlines did to the tests (a hung test failed; a test a cut-short run never reached was not
run) and reports those outcomes; the grader turns everything into verdicts. The records' shapes
are defined once, in ``wire.py``. Only the standard library and pytest are needed here.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import importlib.abc
import importlib.util
import json
import os
import resource
import selectors
import signal
import sys
import time
import warnings
from pathlib import Path
from typing import Any

STREAM_LIMIT = 1 << 20  # bytes of stdout / stderr kept per exercise
EVENT_LIMIT = 16 << 20  # bytes of events accepted per exercise before the child is killed
EVENT_FD = 3  # where the child's plugin writes its events
FILE_SIZE_LIMIT = 64 << 20
OPEN_FILES_LIMIT = 256
POLL_S = 0.05
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MAX_RESUMES = 4  # runs again after a hung test, at most (a canary copy of it hangs too)
# The only configuration pytest reads: a candidate's pytest.ini, pyproject.toml or conftest.py never is.
TRUSTED_INI = Path(__file__).resolve().parent / "pytest.ini"

# Imported once before forking, so that every exercise's process starts with them loaded.
PRELOAD = (
    "pytest",
    "hypothesis",
    "hypothesis.stateful",
    "hypothesis.strategies",
    "pydantic",
    "fastapi",
    "fastapi.testclient",
    "fastapi.security",
    "httpx",
    "jwt",
    "multipart",
    "memory_profiler",
    "asyncio",
    "sqlite3",
    "concurrent.futures",
    "multiprocessing",
    "unittest.mock",
    "anyio._backends._asyncio",
    "tomllib",
    "xml.etree.ElementTree",
    "faulthandler",
    # Importing Celery imports six, which adds a finder to sys.meta_path: done here, before the
    # referee's snapshot of the import machinery, not by the first test that imports it.
    "celery.app.base",
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import plugin  # noqa: E402  (the runner's own folder is on sys.path only now)
import wire  # noqa: E402


def preload() -> None:
    with (
        warnings.catch_warnings()
    ):  # deprecation chatter of libraries is not the candidate's output
        warnings.simplefilter("ignore")
        for name in PRELOAD:
            with contextlib.suppress(ImportError):
                importlib.import_module(name)
        # pytest imports its built-in plugins when a session starts: once here instead.
        with contextlib.suppress(ImportError, AttributeError):
            from _pytest.config import default_plugins

            for name in default_plugins:
                with contextlib.suppress(ImportError):
                    importlib.import_module(f"_pytest.{name}")
        # Hypothesis builds a table of Unicode characters on the first text strategy (seconds);
        # built here once, every forked test process starts with it.
        with contextlib.suppress(Exception):
            from hypothesis.internal import charmap

            charmap.charmap()


def configure_hypothesis() -> None:
    """Same submission, same verdict: no randomness, no example database, no timing deadline."""
    from hypothesis import HealthCheck, Phase, settings

    settings.register_profile(
        "grading",
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        # No "explain" phase: on a failing example it re-runs the test many times over, which
        # can cost a slow suite (an app built per example) minutes and a gigabyte.
        phases=[Phase.explicit, Phase.generate, Phase.target, Phase.shrink],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    settings.register_profile(
        "grading-fail-fast",
        parent=settings.get_profile("grading"),
        phases=[Phase.explicit, Phase.generate, Phase.target],
    )
    settings.load_profile("grading")

    keep_the_suite_out_of_hypothesis()


class _KeptOnEachClass:
    """Hypothesis's cache of each state machine class's rules, kept on the class itself."""

    def __getitem__(self, cls: type) -> Any:
        try:
            return vars(cls)["_grading_setup_state"]
        except KeyError:
            raise KeyError(cls) from None

    def __setitem__(self, cls: type, state: Any) -> None:
        cls._grading_setup_state = state  # type: ignore[attr-defined]


def keep_the_suite_out_of_hypothesis() -> None:
    """Hypothesis holds three things of the suite where candidate code can reach them (through
    the build context a module global holds while a test runs, and a class attribute): the
    running test's function (stored, never read back), the running state machine or test class
    instance as the test case's "runner" (read only by ``st.runner()``, which no suite may use),
    and a cache of every state machine class run so far. Each leads to the test module's
    namespace, and a state machine to its model of the expected state. The first two are never
    stored; the cache is kept on each class, where only the suite reaches it.
    tests/fixtures/seclusion checks all three."""
    from hypothesis import control, stateful
    from hypothesis.internal.conjecture.data import ConjectureData
    from hypothesis.utils.conventions import not_set

    ConjectureData.hypothesis_runner = property(  # type: ignore[attr-defined]
        lambda data: not_set, lambda data, runner: None
    )

    make_context = control.BuildContext.__init__

    def __init__(self: Any, data: Any, *, is_final: bool = False, wrapped_test: Any) -> None:
        make_context(self, data, is_final=is_final, wrapped_test=None)

    control.BuildContext.__init__ = __init__  # type: ignore[method-assign]
    stateful.RuleBasedStateMachine._setup_state_per_class = _KeptOnEachClass()  # type: ignore[assignment]

    # A state machine's strategy shares its enabled rules under a key that held the machine
    # itself, in the test case's data: the machine's number serves as well.
    make_rules = stateful.RuleStrategy.__init__

    def __init__rules(self: Any, machine: Any) -> None:
        make_rules(self, machine)
        shared = self.enabled_rules_strategy
        self.enabled_rules_strategy = type(shared)(shared.base, key=("enabled rules", id(machine)))

    stateful.RuleStrategy.__init__ = __init__rules  # type: ignore[method-assign]


class Capture:
    """Keeps the first `limit` bytes of a stream and counts the rest."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.data = bytearray()
        self.dropped = 0

    def feed(self, chunk: bytes) -> None:
        room = self.limit - len(self.data)
        self.data += chunk[:room]
        self.dropped += max(0, len(chunk) - room)

    def text(self) -> str:
        note = f"\n… [{self.dropped} bytes of output cut]" if self.dropped else ""
        return self.data.decode("utf-8", "replace") + note


class Placeholders(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Stands in for the candidate's modules while the trusted collection imports the suite.

    Any attribute of a placeholder is a mock, so `from solution import Timer` works and the
    suite's test ids can be known before a line of the candidate's code has run.
    """

    def __init__(self, solution_dir: str) -> None:
        self.modules: set[str] = set()
        self.packages: set[str] = set()
        for path in Path(solution_dir).rglob("*.py"):
            parts = list(path.relative_to(solution_dir).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            for depth in range(1, len(parts)):
                self.packages.add(".".join(parts[:depth]))
            if parts:
                self.modules.add(".".join(parts))
        self.packages |= {
            name
            for name in self.modules
            if (Path(solution_dir, *name.split("."), "__init__.py")).exists()
        }
        self.modules |= self.packages
        self.requested: list[str] = []  # the candidate's modules the suite imports, in order

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in self.modules:
            return None
        if fullname not in self.requested:
            self.requested.append(fullname)
        return importlib.util.spec_from_loader(fullname, self, is_package=fullname in self.packages)

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: Any) -> None:
        from unittest import mock

        module.__getattr__ = lambda name: mock.MagicMock(name=f"{module.__name__}.{name}")
        if module.__name__ in self.packages:
            module.__path__ = []


def child_main(
    spec: wire.ExerciseSpec,
    event_w: int,
    out_w: int,
    err_w: int,
    *,
    collect_only: bool = False,
    deselect: tuple[str, ...] = (),
    imports: tuple[str, ...] = (),
) -> None:
    """In the forked child: isolate, limit, run pytest (or only collect it). Never returns."""
    code = 70
    try:
        os.setsid()
        _libc().prctl(PR_SET_DUMPABLE, 1)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.dup2(event_w, EVENT_FD)
        os.closerange(EVENT_FD + 1, 1 << 16)
        limit_resources(spec)
        scratch = spec["scratch_dir"]
        os.chdir(scratch)
        os.environ.update(HOME=scratch, TMPDIR=scratch)
        placeholders = Placeholders(spec["solution_dir"])
        guard = None
        if collect_only:  # the candidate's code stays out of reach: placeholders stand in
            sys.meta_path.insert(0, placeholders)
        else:
            if spec["fail_fast"]:  # before the referee takes its snapshot of hypothesis
                from hypothesis import settings

                settings.load_profile("grading-fail-fast")
            guard = install_referee(spec)
            sys.path.insert(0, spec["solution_dir"])
            import_candidate(imports)
        args = [
            spec["tests_dir"],
            "-c",
            str(TRUSTED_INI),
            "--rootdir",
            spec["tests_dir"],
            "--noconftest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:stepwise",
            "-p",
            "no:pastebin",
            # No terminal report: the events carry every outcome and message, and pytest's own
            # summary would show the canaries to whoever reads the output.
            "-p",
            "no:terminal",
        ]
        if collect_only:
            args.append("--collect-only")
        elif spec["fail_fast"]:
            args.append("--exitfirst")
        for nodeid in deselect:
            args += ["--deselect", nodeid]
        import pytest

        pytest.main(args, plugins=[plugin.EventPlugin(EVENT_FD, spec["tests_dir"], guard)])
        if collect_only:
            emit(EVENT_FD, "imports", modules=placeholders.requested)
        code = 0
    except BaseException:  # the child must never fall back into the runner's code
        code = 71
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def limit_resources(spec: wire.ExerciseSpec) -> None:
    memory = int(spec["memory_mb"]) << 20
    cpu = int(spec["wall_timeout_s"]) + 1
    limits = {
        resource.RLIMIT_AS: memory,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_CPU: cpu,
        resource.RLIMIT_FSIZE: FILE_SIZE_LIMIT,
        resource.RLIMIT_NOFILE: OPEN_FILES_LIMIT,
    }
    if spec.get("process_limit"):  # RLIMIT_NPROC counts every process of the user
        limits[resource.RLIMIT_NPROC] = int(spec["process_limit"])
    for which, value in limits.items():
        resource.setrlimit(which, (value, value))


def emit(fd: int, event: str, **fields: Any) -> None:
    os.write(fd, (json.dumps({"event": event, **fields}) + "\n").encode())


def install_referee(spec: wire.ExerciseSpec) -> Any:
    """The referee first, then a snapshot of what candidate code must leave alone.

    Trusted code is what sys.path holds now (the interpreter, the packages, the runner) and the
    hidden suite; the suite and the runner are walled. A violation goes straight to the event
    channel, bypassing the plugin (which candidate code may have tampered with by then).
    """
    import referee

    def report(what: str, _fd: int = EVENT_FD) -> None:
        emit(_fd, "violation", what=what)

    trusted = [path for path in sys.path if path and os.path.isdir(path)] + [spec["tests_dir"]]
    return referee.install(
        trusted_dirs=trusted,
        walled_dirs=[spec["tests_dir"], str(Path(__file__).resolve().parent)],
        report=report,
    )


def import_candidate(modules: tuple[str, ...]) -> None:
    """Import the candidate's modules before any test module exists, in the order the suite
    imports them: code that runs at import finds no suite to read or patch. A module that fails
    to import is left for the suite's own import, which reports the failure as usual."""
    for name in modules:
        try:
            importlib.import_module(name)
        except BaseException:  # SystemExit included: the suite's import will meet it again
            for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
                del sys.modules[loaded]
            return


def process_cpu_s(pid: int) -> float | None:
    """CPU seconds of a process, its threads and its waited-for children, read by the kernel."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ticks = sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / CLOCK_TICKS


def descendants(root: int) -> list[int]:
    """Every process below `root`, live or not yet reaped, from /proc's lists of children.

    The runner is a child subreaper, so nothing its test process starts can leave this tree: an
    orphan (a double fork, a daemon that called setsid) is reparented to the runner, not to init.
    """
    found: list[int] = []
    parents = [root]
    while parents:
        parent = parents.pop()
        with contextlib.suppress(OSError):
            for thread in os.listdir(f"/proc/{parent}/task"):
                with contextlib.suppress(OSError):
                    with open(f"/proc/{parent}/task/{thread}/children", "rb") as listing:
                        children = [int(pid) for pid in listing.read().split()]
                    found += children
                    parents += children
    return found


def tree_cpu_s() -> float:
    """CPU seconds of every process the exercise has started so far, whoever did or did not wait
    for it: each live or unreaped process counts its own time and that of the children it reaped."""
    return sum(process_cpu_s(pid) or 0.0 for pid in descendants(os.getpid()))


class Supervisor:
    """The runner's side of one exercise: reads the child's streams and enforces its deadlines."""

    def __init__(
        self,
        spec: wire.ExerciseSpec,
        *,
        collect_only: bool = False,
        deselect: tuple[str, ...] = (),
        imports: tuple[str, ...] = (),
    ) -> None:
        self.deselect = deselect
        self.imports = imports
        self.requested: list[str] = []
        self.pid = 0
        self.cpu_at_start = 0.0
        self.violation: str | None = None
        self.spec = spec
        self.collect_only = collect_only
        self.stdout = Capture(STREAM_LIMIT)
        self.stderr = Capture(STREAM_LIMIT)
        self.event_bytes = 0
        self.pending = b""
        self.collected: list[wire.CollectedTest] | None = None
        self.collect_errors: list[wire.CollectError] = []
        self.tests: list[wire.TestRun] = []
        self.finished: int | None = None
        self.current: tuple[str, float] | None = None
        self.malformed = 0
        self.outcome = "completed"
        self.timed_out_test: str | None = None

    def on_event_bytes(self, chunk: bytes) -> None:
        self.event_bytes += len(chunk)
        if self.event_bytes > EVENT_LIMIT:
            self.outcome = "flooded"
            return
        *lines, self.pending = (self.pending + chunk).split(b"\n")
        for line in lines:
            try:
                event = json.loads(line)
                self.on_event(event)
            except (ValueError, TypeError, KeyError, AttributeError):
                self.malformed += 1

    def on_event(self, event: dict[str, Any]) -> None:
        kind = event["event"]
        if kind == "collected":
            self.collected = [
                wire.CollectedTest(
                    nodeid=str(test["nodeid"]),
                    weight=float(test["weight"]),
                    performance=bool(test["performance"]),
                    cpu_budget_s=None
                    if test["cpu_budget_s"] is None
                    else float(test["cpu_budget_s"]),
                    clauses=[str(clause) for clause in test["clauses"]],
                )
                for test in event["tests"]
            ]
        elif kind == "collect_error":
            self.collect_errors.append(
                wire.CollectError(nodeid=str(event["nodeid"]), message=str(event["message"]))
            )
        elif kind == "start":
            self.current = (str(event["nodeid"]), time.monotonic())
            self.cpu_at_start = tree_cpu_s()
        elif kind == "test":
            self.current = None
            cpu = tree_cpu_s()
            self.tests.append(
                wire.TestRun(
                    nodeid=str(event["nodeid"]),
                    outcome=event["outcome"],  # checked by the grader's protocol models
                    duration_s=float(event["duration_s"]),
                    message=str(event["message"]),
                    cpu_s=round(max(0.0, cpu - self.cpu_at_start), 4),
                )
            )
        elif kind == "violation":
            self.violation = self.violation or str(event["what"])[:500]
        elif kind == "imports":
            self.requested = [str(name) for name in event["modules"]]
        elif kind == "finish":
            self.finished = int(event["exitstatus"])
        else:
            self.malformed += 1

    def overdue(self, started: float) -> bool:
        now = time.monotonic()
        if now - started > float(self.spec["wall_timeout_s"]):
            self.outcome = "timeout"
            self.timed_out_test = self.current[0] if self.current else None
            return True
        if self.current and now - self.current[1] > float(self.spec["test_timeout_s"]):
            self.outcome = "timeout"
            self.timed_out_test = self.current[0]
            return True
        return False

    def execute(self) -> wire.ExerciseRun:
        event_r, event_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        os.makedirs(self.spec["scratch_dir"], exist_ok=True)
        sys.stdout.flush()
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            for fd in (event_r, out_r, err_r):
                os.close(fd)
            child_main(
                self.spec,
                event_w,
                out_w,
                err_w,
                collect_only=self.collect_only,
                deselect=self.deselect,
                imports=self.imports,
            )
        self.pid = pid
        for fd in (event_w, out_w, err_w):
            os.close(fd)
        status, usage = self.supervise(
            pid, started, {event_r: self, out_r: self.stdout, err_r: self.stderr}
        )
        wall = time.monotonic() - started
        return self.result(status, usage, wall)

    def supervise(
        self, pid: int, started: float, sinks: dict[int, Any]
    ) -> tuple[int, resource.struct_rusage]:
        selector = selectors.DefaultSelector()
        for fd in sinks:
            os.set_blocking(fd, False)
            selector.register(fd, selectors.EVENT_READ)
        waited: tuple[int, int, resource.struct_rusage] | None = None
        try:
            while waited is None:
                for key, _ in selector.select(POLL_S):
                    self.drain(int(key.fd), sinks, selector)
                if self.outcome == "flooded" or self.overdue(started):
                    kill_session(pid)
                reaped = os.wait4(pid, os.WNOHANG)
                if reaped[0] == pid:
                    waited = reaped
            # The child is gone: end whatever it left behind, then read what is buffered.
            kill_session(pid)
            end_descendants()
            for key, _ in selector.select(0):
                self.drain(int(key.fd), sinks, selector)
        finally:
            for fd in list(selector.get_map()):
                selector.unregister(fd)
                os.close(fd)
            selector.close()
        return waited[1], waited[2]

    def drain(self, fd: int, sinks: dict[int, Any], selector: selectors.BaseSelector) -> None:
        for _ in range(64):  # bounded, so a flooding child cannot starve the deadline checks
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                return
            if not chunk:
                selector.unregister(fd)
                os.close(fd)
                return
            sink = sinks[fd]
            if sink is self:
                self.on_event_bytes(chunk)
            else:
                sink.feed(chunk)

    def result(self, status: int, usage: resource.struct_rusage, wall: float) -> wire.ExerciseRun:
        """This run alone; `run_exercise` fills in what only the runs together tell."""
        return wire.ExerciseRun(
            id=self.spec["id"],
            outcome=self.outcome,  # type: ignore[typeddict-item]
            timed_out_test=self.timed_out_test,
            exit_code=os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            signal=os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            finished=self.finished is not None,
            exitstatus=self.finished,
            collected=self.collected,
            collect_errors=self.collect_errors,
            tests=self.tests,
            malformed_events=self.malformed,
            violation=self.violation,
            stdout=self.stdout.text(),
            stderr=self.stderr.text(),
            metrics=wire.RunMetrics(
                wall_s=round(wall, 4),
                cpu_s=round(usage.ru_utime + usage.ru_stime, 4),
                peak_rss_mb=round(usage.ru_maxrss / 1024, 2),
            ),
            expected=None,
            expected_problem="",
            resumed_after=[],
            judged=[],
            cpu_budgets={},
        )


def kill_session(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            target()


def end_descendants() -> None:
    """Kill and reap every process still below the runner (see `descendants`), as root too."""
    for _ in range(1000):  # a fork bomb forks while it is killed; RLIMIT_NPROC bounds it
        left = descendants(os.getpid())
        if not left:
            return
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        time.sleep(0.001)


def run_exercise(spec: wire.ExerciseSpec) -> wire.ExerciseRun:
    """First the trusted collection (no candidate code), then the real run, compared by the grader;
    after a hung test, the suite again without it (see `judged_by_deadlines`)."""
    collection = Supervisor(spec, collect_only=True)
    trusted = collection.execute()
    imports = tuple(collection.requested)
    result = Supervisor(spec, imports=imports).execute()
    weights = {t["nodeid"]: t for t in result["collected"] or []}
    hung: list[str] = []
    while (
        result["outcome"] == "timeout"
        and not result["violation"]
        and result["timed_out_test"] in weights
        and result["timed_out_test"] not in hung
        and len(hung) < MAX_RESUMES
        and result["metrics"]["wall_s"] < float(spec["wall_timeout_s"])
        and not spec["fail_fast"]
    ):
        # A test hung and the kill ended the rest of the suite with it: run the suite again
        # without the tests that hung, so that the others still get a verdict from a complete
        # run. (More than once: a canary copy of the hung test hangs as well.)
        hung.append(result["timed_out_test"])
        resumed = Supervisor(spec, deselect=tuple(hung), imports=imports).execute()
        first = result["metrics"]
        resumed["metrics"] = wire.RunMetrics(
            wall_s=round(first["wall_s"] + resumed["metrics"]["wall_s"], 4),
            cpu_s=round(first["cpu_s"] + resumed["metrics"]["cpu_s"], 4),
            peak_rss_mb=max(first["peak_rss_mb"], resumed["metrics"]["peak_rss_mb"]),
        )
        result = resumed
    result["resumed_after"] = [weights[nodeid] for nodeid in hung]
    result["judged"] = judged_by_deadlines(result, hung, float(spec["test_timeout_s"]))
    complete = (
        trusted["finished"] and trusted["collected"] is not None and not trusted["collect_errors"]
    )
    result["expected"] = [t["nodeid"] for t in trusted["collected"]] if complete else None
    # Budgets come from the trusted collection: the real run's markers could have been patched.
    result["cpu_budgets"] = {
        t["nodeid"]: float(t["cpu_budget_s"])
        for t in (trusted["collected"] or [])
        if t["cpu_budget_s"] is not None
    }
    result["expected_problem"] = ""
    if not complete:
        errors = [e["message"] for e in trusted["collect_errors"]]
        result["expected_problem"] = (
            errors[0] if errors else trusted["stderr"] or trusted["stdout"]
        )[-2000:]
    return result


def judged_by_deadlines(run: wire.ExerciseRun, hung: list[str], limit: float) -> list[wire.TestRun]:
    """The outcomes the runner's deadlines decided, which no test process reported.

    Each test that hung failed. If the last run was cut short as well (a test hung once more, or
    the exercise's wall limit), the test it was in failed and every test it had collected but not
    reported was not run. The grader only reports these; whether the run earns points is its
    verdict (a run cut short earns nothing).
    """

    def timed_out(nodeid: str, note: str = "") -> wire.TestRun:
        message = f"timed out after {limit:g} s{note}"
        return wire.TestRun(
            nodeid=nodeid, outcome="failed", duration_s=limit, message=message, cpu_s=None
        )

    judged = [timed_out(nodeid, " (the suite ran again without it)") for nodeid in hung]
    if run["outcome"] != "timeout":
        return judged
    collected = [test["nodeid"] for test in run["collected"] or []]
    settled = {test["nodeid"] for test in run["tests"]} | set(hung)
    last = run["timed_out_test"]
    if last is not None and last in collected and last not in settled:
        judged.append(timed_out(last))
        settled.add(last)
    not_run = "not run: the suite timed out"
    judged += [
        wire.TestRun(nodeid=nodeid, outcome="error", duration_s=0.0, message=not_run, cpu_s=None)
        for nodeid in dict.fromkeys(collected)
        if nodeid not in settled
    ]
    return judged


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: runner.py REQUEST.json", file=sys.stderr)
        return 2
    request = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    if request.get("protocol") != wire.PROTOCOL:
        print(
            f"runner speaks protocol {wire.PROTOCOL}, not {request.get('protocol')}",
            file=sys.stderr,
        )
        return 2
    # Same-user processes may not read this one's memory or file descriptors (the result
    # channel) through /proc, nor trace it; the test processes are made dumpable again.
    _libc().prctl(PR_SET_DUMPABLE, 0)
    _libc().prctl(PR_SET_CHILD_SUBREAPER, 1)
    preload()
    configure_hypothesis()
    # What every test process inherits is never garbage: moved out of the collector's sight, so
    # that each gc.collect() in a suite or a solution walks only the objects made since the fork
    # (the zygote's heap made a full collection cost about 0.1 s), and stays shared with it.
    gc.collect()
    gc.freeze()
    for spec in request["exercises"]:
        send(wire.ExerciseStart(record="start", id=spec["id"]))
        send(wire.ExerciseDone(record="exercise", run=run_exercise(spec)))
    send(wire.RunEnd(record="end", protocol=wire.PROTOCOL, exercises=len(request["exercises"])))
    return 0


def send(record: Any) -> None:
    """One record as one line on the result channel (standard output), written out in full now, so
    that the grader can show progress; the test processes never hold this descriptor (`child_main`
    replaces it)."""
    data = memoryview((json.dumps(record) + "\n").encode())
    while data:
        data = data[os.write(1, data) :]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
