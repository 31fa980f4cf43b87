"""Quizzes: multiple-choice questions, graded on the host (answers are data, nothing runs).

The candidate's `answers.toml` maps question ids to a choice key (``"b"``) or, for questions with
several right answers, a list of keys (``["a", "c"]``). A question is right when the chosen set
equals the right set exactly. Explanations go to the interviewer's report, never to the kit.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping

from grader import scoring
from grader.catalog import Exercise
from grader.manifest import Question
from grader.report import ExerciseResult, Status, TestResult

ANSWERS_FILE = "answers.toml"
MAX_ANSWERS_BYTES = 64 << 10


def _chosen(value: object) -> set[str] | None:
    if isinstance(value, str):
        return {value.strip().lower()} if value.strip() else set()
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return {item.strip().lower() for item in value if item.strip()}
    return None


def _check(question: Question, value: object) -> TestResult:
    chosen = _chosen(value)
    right = set(question.answer)
    if chosen is None:
        outcome, verdict = "error", f"answer {value!r} is not a choice key or a list of keys"
    elif not chosen:
        outcome, verdict = "failed", "not answered"
    elif chosen == right:
        outcome, verdict = "passed", f"answered {', '.join(sorted(chosen))}: right"
    else:
        outcome, verdict = (
            "failed",
            (f"answered {', '.join(sorted(chosen))}; right: {', '.join(sorted(right))}"),
        )
    return TestResult(
        name=question.id,
        outcome=outcome,  # type: ignore[arg-type]
        message=f"{verdict}. {question.explanation}",
    )


def grade_quiz(exercise: Exercise, files: Mapping[str, bytes]) -> ExerciseResult:
    content = files.get(ANSWERS_FILE, b"")
    if len(content) > MAX_ANSWERS_BYTES:
        return scoring.result(exercise, Status.ERROR, f"{ANSWERS_FILE} is larger than 64 KiB")
    try:
        answers = tomllib.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return scoring.result(exercise, Status.ERROR, f"{ANSWERS_FILE} is not valid TOML: {exc}")
    tests = [_check(q, answers.get(q.id, "")) for q in exercise.manifest.questions]
    return scoring.tally(exercise, tests, noun="answers")


def blank_answers(exercise: Exercise) -> str:
    """The answers file of the kit: every question listed, none answered."""
    lines = [
        f"# {exercise.manifest.title}: put the key of your choice between the quotes;",
        '# for questions marked "several answers", a list such as ["a", "c"].',
        "",
    ]
    for question in exercise.manifest.questions:
        lines.append(f"{question.id} = {'[]' if question.multiple else chr(34) * 2}")
    return "\n".join(lines) + "\n"


def reference_answers(exercise: Exercise) -> str:
    return "".join(
        f"{q.id} = {q.answer!r}\n".replace("'", '"')
        if q.multiple
        else f'{q.id} = "{q.answer[0]}"\n'
        for q in exercise.manifest.questions
    )
