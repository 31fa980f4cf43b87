"""grader/text.py: the rules that make candidate text safe for every report and the terminal."""

from __future__ import annotations

import io
import json

import pytest
from rich.console import Console

from grader.protocol import RunResult
from grader.report import GradeReport
from grader.text import (
    candidate_text,
    clean_model,
    clean_tree,
    clip,
    markup,
    safe_name,
    terminal_safe,
    valid_unicode,
)

ESCAPES = "\x1b[2J\x1b]0;pwned\x07\x9b31m\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\"


def test_lone_surrogates_become_replacement_characters_and_encode() -> None:
    text = valid_unicode("a\udcffb\ud800\udc00c")
    assert text == "a\ufffdb\ufffd\ufffdc"
    text.encode("utf-8")  # would raise with a surrogate left
    assert valid_unicode("é 😀 ok") == "é 😀 ok"  # valid text is untouched


def test_escape_sequences_are_shown_not_sent() -> None:
    safe = terminal_safe(ESCAPES)
    assert "\x1b" not in safe and "\x9b" not in safe and "\x07" not in safe
    assert safe.startswith("\\x1b[2J\\x1b]0;pwned\\x07\\x9b31m")


@pytest.mark.parametrize(
    "char",
    ["\x00", "\x08", "\x0b", "\x0c", "\r", "\x1b", "\x7f", "\x85", "\x9b", "\u202e", "\u2066"],
)
def test_every_control_character_is_escaped(char: str) -> None:
    assert char not in terminal_safe(f"a{char}b")


def test_newlines_and_tabs_stay_in_text_but_not_in_names() -> None:
    assert terminal_safe("line 1\n\tline 2\r\n") == "line 1\n\tline 2\n"
    assert terminal_safe("50%\rdone") == "50%\\rdone"  # a lone CR would overwrite the line
    assert safe_name("a\nb\tc") == "a\\nb\\tc"


def test_normalising_twice_changes_nothing() -> None:
    once = candidate_text(f"\udcff{ESCAPES}\n[/bold]")
    assert candidate_text(once) == once


def test_markup_is_escaped_so_rich_prints_it_literally() -> None:
    out = io.StringIO()
    Console(file=out, width=200).print(f"[bold]file:[/] {markup('[/x] [/bold] [red]' + ESCAPES)}")
    printed = out.getvalue()
    assert "[/x] [/bold] [red]" in printed
    assert "\x1b" not in printed and "\x9b" not in printed


def test_clean_tree_reaches_every_string_and_keeps_the_rest() -> None:
    tree = {"a\x1b": ["\udcff", ("x\x9b", 1)], "n": 2.5, "b": None, "t": True}
    assert clean_tree(tree) == {"a\\x1b": ["\ufffd", ["x\\x9b", 1]], "n": 2.5, "b": None, "t": True}


def test_the_runner_protocol_normalises_what_it_parses() -> None:
    hostile = f"\udcff{ESCAPES}"
    run = {
        "id": "adder",
        "outcome": "completed",
        "timed_out_test": None,
        "exit_code": 0,
        "signal": None,
        "finished": True,
        "exitstatus": 1,
        "collected": [{"nodeid": f"t.py::x[{hostile}]"}],
        "collect_errors": [],
        "tests": [
            {
                "nodeid": f"t.py::x[{hostile}]",
                "outcome": "failed",
                "duration_s": 0.1,
                "message": hostile,
            }
        ],
        "malformed_events": 0,
        "stdout": hostile,
        "stderr": hostile,
        "metrics": {"wall_s": 1, "cpu_s": 1, "peak_rss_mb": 1},
        "expected": [f"t.py::x[{hostile}]"],
        "expected_problem": "",
        "resumed_after": [],
    }
    # As the runner sends it: JSON whose escapes decode to a lone surrogate.
    parsed = RunResult.model_validate(json.loads(json.dumps({"protocol": 2, "exercises": [run]})))
    dumped = parsed.model_dump_json()  # would raise on a lone surrogate
    assert "\\u001b" not in dumped and "\x9b" not in dumped
    exercise = parsed.exercises[0]
    assert exercise.tests[0].message == exercise.stdout == candidate_text(hostile)
    assert exercise.tests[0].nodeid == exercise.collected[0].nodeid == exercise.expected[0]  # type: ignore[index]


def test_clean_model_makes_any_report_renderable() -> None:
    report = GradeReport(
        submission="subs/\udcff[/x]\x1b[2J",
        sandbox="local",
        score=0,
        max_score=0,
        percent=0,
        sections=[],
        exercises=[],
        ignored_files=["[/bold]\x9b"],
        warnings=["\x1b]0;title\x07"],
    )
    clean = clean_model(report)
    assert clean.submission == "subs/\ufffd[/x]\\x1b[2J"
    assert clean.ignored_files == ["[/bold]\\x9b"] and clean.warnings == ["\\x1b]0;title\\x07"]
    clean.model_dump_json()


# --- clip: the one rule by which reports shorten long text ------------------------------------


def test_clip_leaves_text_that_fits_whole() -> None:
    assert clip("abc", 3) == "abc"
    assert clip("a\nb", 2, unit="lines") == "a\nb"


def test_clip_keeps_the_start_or_the_end_and_says_how_much_was_cut() -> None:
    assert clip("abcdef", 4) == "abcd … (2 characters cut)"
    assert clip("abcdef", 5, keep="end") == "… (1 character cut) bcdef"
    assert clip("1\n2\n3\n4", 2, unit="lines") == "1\n2\n… (2 lines cut)"
    assert clip("1\n2\n3\n4", 3, unit="lines", keep="end") == "… (1 line cut)\n2\n3\n4"


def test_clip_puts_the_note_on_its_own_line_after_several_lines() -> None:
    assert clip("ab\ncdef", 5) == "ab\ncd\n… (2 characters cut)"
