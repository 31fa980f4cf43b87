"""The pytest plugin that turns one test session into a stream of events for the runner.

It runs inside the test process, next to the candidate's code, so it reports facts and nothing
else: the runner, outside that process, decides what the facts mean (and that a stream which
stops before ``finish`` means the suite did not complete).
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

MESSAGE_LIMIT = 4000  # characters kept of one failure message


def _clip(text: str) -> str:
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
    return _clip(f"{summary}\n\n{full}" if summary and summary not in full[:200] else full)


class EventPlugin:
    """Writes one JSON line per event to a file descriptor the runner reads."""

    def __init__(self, fd: int) -> None:
        self._out = os.fdopen(fd, "w", encoding="utf-8", buffering=1, closefd=False)
        self._reports: dict[str, dict[str, Any]] = {}

    def _emit(self, event: str, **fields: Any) -> None:
        self._out.write(json.dumps({"event": event, **fields}) + "\n")
        self._out.flush()

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "weight(n): this test's share of the exercise's points")
        config.addinivalue_line("markers", "performance: a test of speed or memory, not behaviour")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._emit("collect_error", nodeid=report.nodeid, message=_message(report))

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        tests = []
        for item in session.items:
            weight = item.get_closest_marker("weight")
            tests.append(
                {
                    "nodeid": item.nodeid,
                    "weight": float(weight.args[0]) if weight and weight.args else 1.0,
                    "performance": item.get_closest_marker("performance") is not None,
                }
            )
        self._emit("collected", tests=tests)

    def pytest_runtest_logstart(self, nodeid: str) -> None:
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
            self._emit("test", nodeid=report.nodeid, **self._reports.pop(report.nodeid))

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._emit("finish", exitstatus=int(exitstatus))
