"""The pytest plugin that turns one test session into a stream of events for the runner.

It runs inside the test process, next to the candidate's code, so it reports facts and nothing
else: the runner, outside that process, decides what the facts mean (and that a stream which
stops before ``finish`` means the suite did not complete).
"""

from __future__ import annotations

import json
import linecache
import os
import sys
from typing import Any, Protocol

import pytest

MESSAGE_LIMIT = 4000  # characters kept of one failure message


def _clip(text: str) -> str:
    """The runner-side twin of ``grader.text.clip`` (the test process cannot import grader/):
    at most MESSAGE_LIMIT characters, the note of what was cut included."""
    if len(text) <= MESSAGE_LIMIT:
        return text
    return text[: MESSAGE_LIMIT - 40] + f"\n… [{len(text) - MESSAGE_LIMIT + 40} characters cut]"


def _message(report: pytest.TestReport | pytest.CollectReport) -> str:
    if report.passed:
        return ""
    if isinstance(report.longrepr, tuple):  # skips: (path, line, reason)
        return _clip(str(report.longrepr[2]))
    crash = getattr(report.longrepr, "reprcrash", None)
    summary = str(crash.message) if crash is not None else ""
    full = report.longreprtext
    text = f"{summary}\n\n{full}" if summary and summary not in full[:200] else full
    # What the test printed belongs with the test (there is no terminal report to show it).
    for name, captured in (("stdout", report.capstdout), ("stderr", report.capstderr)):
        if captured.strip():
            text += f"\n\n----- captured {name} -----\n{captured}"
    return _clip(text)


def _unhook_pytests_globals() -> None:
    """Drop the references to pytest's session that module globals hold once collection is done.

    pytest's config, session and items hold every test's data (a parametrized test's expected
    value is in ``item.callspec``); candidate code that reached one would read it without
    touching a frame. Nothing needs these references after collection: the rewriting import
    hook only rewrites test modules, all imported by now, and ``pytest.mark`` only checks
    marker names while test modules are imported, and the debugging plugin's class keeps them
    for ``--pdb`` and ``breakpoint()``, which grading never uses (the plugin itself must stay:
    unittest-style tests, Hypothesis's state machines among them, ask it whether to trace).
    tests/fixtures/seclusion checks that none is left within reach.
    """
    from _pytest.assertion.rewrite import AssertionRewritingHook
    from _pytest.debugging import pytestPDB

    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, AssertionRewritingHook)]
    pytest.mark._config = None
    pytestPDB._config = None
    pytestPDB._pluginmanager = None


def _unhook_the_assertion_helpers() -> None:
    """pytest's assertion plugin sets these for each test: the config, and a comparison helper
    closing over the item. Without them a failed ``assert`` still shows its operands' values,
    without the specialised diffs of ``==`` (the suites compare with ``same`` anyway)."""
    from _pytest.assertion import util

    util._config = None
    util._reprcompare = None


class Guard(Protocol):
    def watch(self, modules: list[Any]) -> None: ...

    def check(self) -> None: ...


class EventPlugin:
    """Writes one JSON line per event to a file descriptor the runner reads.

    With a `guard` (the real run, where candidate code runs), it also keeps the suite out of the
    candidate's reach: the test modules leave `sys.modules` once collected, their source leaves
    `linecache` before each test, and the guard checks after every test that nothing which judges
    the candidate was patched.
    """

    def __init__(self, fd: int, tests_dir: str = "", guard: Guard | None = None) -> None:
        self._out = os.fdopen(fd, "w", encoding="utf-8", buffering=1, closefd=False)
        self._reports: dict[str, dict[str, Any]] = {}
        self._suite = os.path.join(os.path.realpath(tests_dir), "") if tests_dir else None
        self._guard = guard

    def _in_suite(self, path: object) -> bool:
        return bool(self._suite) and isinstance(path, str) and path.startswith(self._suite or "")

    def _forget_the_suite(self) -> None:
        for filename in [f for f in linecache.cache if self._in_suite(f)]:
            del linecache.cache[filename]

    def _emit(self, event: str, **fields: Any) -> None:
        self._out.write(json.dumps({"event": event, **fields}) + "\n")
        self._out.flush()

    def pytest_configure(self, config: pytest.Config) -> None:
        config.option.tbstyle = "short"  # the terminal plugin, which owns --tb, is off
        config.addinivalue_line("markers", "weight(n): this test's share of the exercise's points")
        config.addinivalue_line(
            "markers",
            "performance(cpu_s=None): a test of speed or memory; cpu_s, a CPU budget the runner "
            "measures outside the test process",
        )
        config.addinivalue_line(
            "markers", "clause(*ids): the README clauses this test checks (grader.clauses)"
        )

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._emit("collect_error", nodeid=report.nodeid, message=_message(report))

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        tests = []
        for item in session.items:
            weight = item.get_closest_marker("weight")
            performance = item.get_closest_marker("performance")
            budget = performance.kwargs.get("cpu_s") if performance else None
            tests.append(
                {
                    "nodeid": item.nodeid,
                    "weight": float(weight.args[0]) if weight and weight.args else 1.0,
                    "performance": performance is not None,
                    "cpu_budget_s": float(budget) if budget is not None else None,
                    "clauses": sorted(
                        {
                            c
                            for m in item.iter_markers("clause")
                            for c in m.args
                            if isinstance(c, str)
                        }
                    ),
                }
            )
        if self._guard is not None:
            suite = [
                (name, module)
                for name, module in list(sys.modules.items())
                if self._in_suite(getattr(module, "__file__", None))
                and os.path.basename(str(module.__file__)).startswith("test_")
            ]
            self._guard.watch([module for _, module in suite])
            for name, _ in suite:
                del sys.modules[name]  # pytest keeps its own references to them
            self._forget_the_suite()
            _unhook_pytests_globals()
            self._guard.check()
        self._emit("collected", tests=tests)

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        if self._guard is not None:
            self._forget_the_suite()
            _unhook_the_assertion_helpers()
        self._emit("start", nodeid=nodeid)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        state = self._reports.setdefault(
            report.nodeid, {"outcome": "passed", "duration_s": 0.0, "message": ""}
        )
        state["duration_s"] += report.duration
        if report.when == "call" or (report.when == "setup" and not report.passed):
            if report.failed:
                state["outcome"] = "failed" if report.when == "call" else "error"
            elif report.skipped:
                state["outcome"] = "skipped"
            if not report.passed:
                state["message"] = _message(report)
        elif report.when == "teardown" and report.failed and state["outcome"] == "passed":
            state["outcome"] = "error"
            state["message"] = _message(report)
        if report.when == "teardown":
            if self._guard is not None:
                self._guard.check()
            self._emit("test", nodeid=report.nodeid, **self._reports.pop(report.nodeid))

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self._guard is not None:
            self._guard.check()
        self._emit("finish", exitstatus=int(exitstatus))
