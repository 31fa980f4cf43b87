"""JUnit XML: parses, has the common schema's shape, and never shows a zero-point exercise green."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from grader.report import ExerciseResult, GradeReport, Metrics, Status
from grader.report import TestResult as Case
from grader.reports import junit
from grader.sections import Section

HOSTILE = "bad \x00 \x1b[31m <script>alert(1)</script> ]]> &amp; \ud800 \U0001f600 end"


def exercise(
    id: str, status: Status, tests: list[Case] | None = None, message: str = ""
) -> ExerciseResult:
    return ExerciseResult(
        id=id,
        title=id.title(),
        section=Section.CORE_PYTHON,
        status=status,
        score=0.0,
        max_score=10.0,
        message=message or f"{id} is {status.value}",
        tests=tests or [],
        metrics=Metrics(wall_s=1.25, cpu_s=1.0, peak_rss_mb=50) if tests else None,
        output="",
    )


def case(name: str, outcome: str, message: str = "", duration: float = 0.5) -> Case:
    return Case(name=name, outcome=outcome, message=message, duration_s=duration)  # type: ignore[arg-type]


def report(*exercises: ExerciseResult) -> GradeReport:
    return GradeReport(
        submission="/subs/alice",
        sandbox="local",
        score=0.0,
        max_score=10.0 * len(exercises),
        percent=0.0,
        sections=[],
        exercises=list(exercises),
    )


SAMPLE = report(
    exercise(
        "adder",
        Status.PARTIAL,
        [
            case("test_adder.py::test_small", "passed", duration=0.25),
            case("test_adder.py::test_big", "failed", "assert 3 == 4\nlong traceback"),
            case("test_adder.py::test_crash", "error", "RuntimeError: boom"),
            case("test_adder.py::test_later", "skipped", "not today"),
        ],
    ),
    exercise("greeter", Status.MISSING),
    exercise("loops", Status.TIMEOUT, message="the suite exceeded 20 s"),
    exercise("imports", Status.REJECTED, message="solution.py, line 1: imports operator"),
    exercise("syntax", Status.ERROR, message="solution.py, line 3: syntax error"),
    exercise(
        "quitter",
        Status.ERROR,
        [case("test_q.py::test_one", "passed")],
        message="the test process ended before the suite completed (exit code 0)",
    ),
)

# The common JUnit schema (Jenkins' junit-10.xsd): attributes, required ones, children.
SCHEMA: dict[str, tuple[set[str], set[str], list[str]]] = {
    "testsuites": (
        {"name", "time", "tests", "failures", "disabled", "errors"},
        set(),
        ["testsuite"],
    ),
    "testsuite": (
        {
            "name",
            "tests",
            "failures",
            "errors",
            "skipped",
            "disabled",
            "time",
            "timestamp",
            "hostname",
            "id",
            "package",
            "file",
            "log",
            "url",
            "version",
            "group",
        },
        {"name", "tests"},
        ["properties", "testcase", "system-out", "system-err"],  # in this order
    ),
    "properties": (set(), set(), ["property"]),
    "property": ({"name", "value"}, {"name", "value"}, []),
    "testcase": (
        {
            "name",
            "classname",
            "assertions",
            "time",
            "status",
            "file",
            "line",
            "group",
            "log",
            "url",
        },
        {"name"},
        ["skipped", "error", "failure", "system-out", "system-err"],
    ),
    "failure": ({"message", "type"}, set(), []),
    "error": ({"message", "type"}, set(), []),
    "skipped": ({"message"}, set(), []),
    "system-out": (set(), set(), []),
    "system-err": (set(), set(), []),
}
COUNTS = {"tests", "failures", "errors", "skipped", "disabled"}


def check_shape(element: ET.Element) -> None:
    allowed, required, children = SCHEMA[element.tag]
    assert set(element.attrib) <= allowed, (element.tag, set(element.attrib) - allowed)
    assert required <= set(element.attrib), (element.tag, required - set(element.attrib))
    for key in set(element.attrib) & COUNTS:
        assert int(element.attrib[key]) >= 0
    if "time" in element.attrib:
        assert float(element.attrib["time"]) >= 0
    order = [children.index(child.tag) for child in element]  # raises for a child not allowed
    assert order == sorted(order), f"{element.tag}: children out of order"
    for child in element:
        check_shape(child)


def parse(text: str) -> ET.Element:
    assert text.startswith("<?xml")
    root = ET.fromstring(text.encode("utf-8"))
    check_shape(root)
    return root


def suites(root: ET.Element) -> dict[str, ET.Element]:
    return {suite.attrib["name"]: suite for suite in root.iter("testsuite")}


def test_one_suite_per_exercise_in_the_common_schema_shape_with_counts_that_add_up() -> None:
    root = parse(junit.render(SAMPLE))
    assert root.tag == "testsuites"
    assert list(suites(root)) == ["adder", "greeter", "loops", "imports", "syntax", "quitter"]
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.attrib["tests"]) == len(cases)
        for key, tag in [("failures", "failure"), ("errors", "error"), ("skipped", "skipped")]:
            assert int(suite.attrib[key]) == sum(case.find(tag) is not None for case in cases)
    for key in ("tests", "failures", "errors"):
        assert int(root.attrib[key]) == sum(int(s.attrib[key]) for s in root.iter("testsuite"))


def test_each_hidden_test_is_a_testcase_with_its_outcome_and_message() -> None:
    adder = suites(parse(junit.render(SAMPLE)))["adder"]
    assert adder.attrib["time"] == "1.250"
    cases = {case.attrib["name"]: case for case in adder.findall("testcase")}
    assert list(cases) == [t.name for t in SAMPLE.exercise("adder").tests]
    assert {case.attrib["classname"] for case in cases.values()} == {"adder"}
    assert cases["test_adder.py::test_small"].attrib["time"] == "0.250"
    assert len(cases["test_adder.py::test_small"]) == 0  # passed: no child at all
    failure = cases["test_adder.py::test_big"].find("failure")
    assert failure is not None
    assert failure.attrib["message"] == "assert 3 == 4"  # the first line; the body has it all
    assert failure.text == "assert 3 == 4\nlong traceback"
    error = cases["test_adder.py::test_crash"].find("error")
    assert error is not None and error.text == "RuntimeError: boom"
    skipped = cases["test_adder.py::test_later"].find("skipped")
    assert skipped is not None and skipped.attrib["message"] == "not today"
    props = {p.attrib["name"]: p.attrib["value"] for p in adder.iter("property")}
    assert props["status"] == "partial" and props["max_score"] == "10"


@pytest.mark.parametrize(
    ("exercise_id", "element"),
    [
        ("greeter", "failure"),  # missing
        ("imports", "failure"),  # rejected
        ("loops", "error"),  # timeout without tests
        ("syntax", "error"),  # error without tests
        ("quitter", "error"),  # an error after a passing test: never green
    ],
)
def test_a_verdict_its_tests_do_not_carry_gets_a_testcase_of_its_own(
    exercise_id: str, element: str
) -> None:
    suite = suites(parse(junit.render(SAMPLE)))[exercise_id]
    verdict = [c for c in suite.findall("testcase") if c.attrib["name"] == junit.VERDICT_CASE]
    assert len(verdict) == 1
    found = verdict[0].find(element)
    result = SAMPLE.exercise(exercise_id)
    assert found is not None and found.text == result.message
    assert found.attrib["type"] == result.status.value
    assert int(suite.attrib["failures"]) + int(suite.attrib["errors"]) >= 1


def test_every_status_but_passed_shows_red_even_without_tests() -> None:
    for status in Status:
        if status == Status.PASSED:
            continue
        suite = parse(junit.render(report(exercise("ex", status))))[0]
        assert int(suite.attrib["failures"]) + int(suite.attrib["errors"]) == 1, status


def test_a_passed_exercise_has_no_verdict_case() -> None:
    passed = exercise("adder", Status.PASSED, [case("t::a", "passed"), case("t::b", "passed")])
    root = parse(junit.render(report(passed)))
    assert (root.attrib["tests"], root.attrib["failures"], root.attrib["errors"]) == ("2", "0", "0")


def test_candidate_text_cannot_break_the_xml() -> None:
    hostile = exercise(
        "adder", Status.FAILED, [case(f"t::{HOSTILE}", "failed", HOSTILE)], message=HOSTILE
    )
    hostile = hostile.model_copy(update={"output": HOSTILE})
    root = parse(junit.render(report(hostile)))
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None and failure.text is not None
    assert "<script>alert(1)</script> ]]> &amp;" in failure.text  # kept, as text
    assert "\\x00" in failure.text and "\\x1b" in failure.text
    assert "\ud800" not in failure.text and "\ufffd" in failure.text  # a lone surrogate replaced
    assert "\U0001f600" in failure.text
    out = root.find("testsuite/system-out")
    assert out is not None and out.text is not None and "\\x1b[31m" in out.text


def test_a_batch_keeps_each_candidates_suites_apart() -> None:
    other = SAMPLE.model_copy(update={"submission": "/subs/bob.zip"})
    root = parse(junit.render_many({"alice": SAMPLE, "bob": other}))
    names = list(suites(root))
    assert len(names) == 2 * len(SAMPLE.exercises)
    assert names[0] == "alice/adder" and "bob/quitter" in names
    classnames = {c.attrib["classname"] for c in root.iter("testcase")}
    assert {"alice.adder", "bob.adder"} <= classnames
    single = parse(junit.render(SAMPLE))
    assert int(root.attrib["tests"]) == 2 * int(single.attrib["tests"])
