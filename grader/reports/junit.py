"""JUnit XML: the test-report format CI systems read (Jenkins, GitLab, GitHub Actions, Azure …).

One <testsuite> per exercise and one <testcase> per hidden test, in the shape of the common
JUnit schema (Jenkins' junit-10.xsd). An exercise that did not pass and has no failing test to
show it — missing, rejected, an error or a timeout without tests, tampered, or an error after
tests that passed — gets a testcase of its own with that verdict, so no CI ever shows it green.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping

from grader.report import ExerciseResult, GradeReport, Status
from grader.text import clean_model, clip

VERDICT_CASE = "exercise verdict"
MESSAGE_ATTRIBUTE_CHARS = 300
# Statuses a failing test case shows well enough, when there is one: no case for the exercise.
SHOWN_BY_FAILING_TESTS = {Status.PARTIAL, Status.FAILED, Status.TIMEOUT}
# A clear verdict on the candidate's work: a failure. Any other status (error, timeout without a
# failing test, tampered, and statuses added later) is reported as an error.
FAILURE_STATUSES = {Status.MISSING, Status.REJECTED, Status.PARTIAL, Status.FAILED}

# Characters XML 1.0 cannot hold at all, escaped or not (NUL, most C0 controls, lone surrogates).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    """Candidate output may hold any character; ElementTree would write invalid XML with it."""
    return _NOT_XML.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def _seconds(value: float) -> str:
    return f"{max(value, 0.0):.3f}"


def _short(message: str) -> str:
    first = message.strip().splitlines()[0] if message.strip() else ""
    return clip(first, MESSAGE_ATTRIBUTE_CHARS)


def _verdict(result: ExerciseResult) -> str | None:
    """The element ("failure"/"error") of the exercise's own testcase, or None: its tests carry it."""
    if result.status == Status.PASSED:
        return None
    red = any(test.outcome in {"failed", "error"} for test in result.tests)
    if result.status in SHOWN_BY_FAILING_TESTS and red:
        return None
    return "failure" if result.status in FAILURE_STATUSES else "error"


def _testcase(parent: ET.Element, classname: str, name: str, time: float) -> ET.Element:
    return ET.SubElement(
        parent, "testcase", name=_clean(name), classname=_clean(classname), time=_seconds(time)
    )


def _problem(case: ET.Element, element: str, kind: str, message: str) -> None:
    problem = ET.SubElement(case, element, message=_clean(_short(message)), type=kind)
    problem.text = _clean(message)


def _suite(parent: ET.Element, result: ExerciseResult, name: str, classname: str) -> ET.Element:
    suite = ET.SubElement(parent, "testsuite", name=_clean(name))
    properties = ET.SubElement(suite, "properties")
    for key, value in [
        ("title", result.title),
        ("section", result.section.value),
        ("status", result.status.value),
        ("score", f"{result.score:g}"),
        ("max_score", f"{result.max_score:g}"),
    ]:
        ET.SubElement(properties, "property", name=key, value=_clean(value))
    counts = {"failure": 0, "error": 0, "skipped": 0}
    for test in result.tests:
        case = _testcase(suite, classname, test.name, test.duration_s)
        if test.outcome == "failed":
            _problem(case, "failure", "failed", test.message)
            counts["failure"] += 1
        elif test.outcome == "error":
            _problem(case, "error", "error", test.message)
            counts["error"] += 1
        elif test.outcome == "skipped":
            ET.SubElement(case, "skipped", message=_clean(_short(test.message)))
            counts["skipped"] += 1
    element = _verdict(result)
    if element is not None:
        case = _testcase(suite, classname, VERDICT_CASE, 0.0)
        _problem(case, element, result.status.value, result.message or result.status.value)
        counts[element] += 1
    if result.output:
        ET.SubElement(suite, "system-out").text = _clean(result.output)
    durations = sum(test.duration_s for test in result.tests)
    suite.set("tests", str(len(suite.findall("testcase"))))
    suite.set("failures", str(counts["failure"]))
    suite.set("errors", str(counts["error"]))
    suite.set("skipped", str(counts["skipped"]))
    suite.set("time", _seconds(result.metrics.wall_s if result.metrics else durations))
    return suite


def _total(root: ET.Element) -> None:
    suites = root.findall("testsuite")
    for key in ("tests", "failures", "errors"):
        root.set(key, str(sum(int(suite.get(key, "0")) for suite in suites)))
    root.set("time", _seconds(sum(float(suite.get("time", "0")) for suite in suites)))


def _document(root: ET.Element) -> str:
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _add_report(root: ET.Element, report: GradeReport, candidate: str | None) -> None:
    for result in report.exercises:
        if candidate is None:
            _suite(root, result, result.id, result.id)
        else:  # CI tools merge suites of one name: each candidate's stay apart
            _suite(root, result, f"{candidate}/{result.id}", f"{candidate}.{result.id}")


def render(report: GradeReport) -> str:
    """One submission's report as a JUnit XML document."""
    report = clean_model(report)  # valid UTF-8 and no control characters, whatever its source
    root = ET.Element("testsuites", name=_clean(f"grader: {report.submission}"))
    _add_report(root, report, None)
    _total(root)
    return _document(root)


def render_many(reports: Mapping[str, GradeReport] | Iterable[tuple[str, GradeReport]]) -> str:
    """A batch as one document: suites named `<candidate>/<exercise>`, classnames `<candidate>.<exercise>`."""
    items = reports.items() if isinstance(reports, Mapping) else reports
    items = [(candidate, clean_model(report)) for candidate, report in items]
    root = ET.Element("testsuites", name="grader: batch")
    for candidate, report in items:
        _add_report(root, report, candidate)
    _total(root)
    return _document(root)
