"""grader.mutants: a mutant is its explanation and a diff against the reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.catalog import Catalog
from grader.mutants import Mutant, MutantError

REFERENCE = {
    "shop/prices.py": b"RATE = 20\n\n\ndef taxed(net):\n    return net * (100 + RATE) // 100\n",
    "shop/names.py": b"def title(name):\n    return name.title()\n",
}
TWO_FILES = "\n".join(
    [
        "The tax rate moved, and taxed() rounds the other way.",
        "It spans two lines.",
        "",
        "diff --git a/shop/prices.py b/shop/prices.py",
        "--- a/shop/prices.py",
        "+++ b/shop/prices.py",
        "@@ -1,5 +1,5 @@",
        "-RATE = 20",
        "+RATE = 19",
        " ",  # context: the blank lines
        " ",
        " def taxed(net):",
        "-    return net * (100 + RATE) // 100",
        "+    return -(-net * (100 + RATE) // 100)",
        "",
    ]
)


def mutant(tmp_path: Path, text: str, name: str = "rounds_up") -> Mutant:
    path = tmp_path / f"{name}.diff"
    path.write_text(text, encoding="utf-8")
    return Mutant(name, path)


def test_a_diff_makes_the_mistake_in_the_files_it_names_only(tmp_path: Path) -> None:
    made = mutant(tmp_path, TWO_FILES).apply(REFERENCE)
    assert made["shop/prices.py"] == (
        b"RATE = 19\n\n\ndef taxed(net):\n    return -(-net * (100 + RATE) // 100)\n"
    )
    assert made["shop/names.py"] == REFERENCE["shop/names.py"]


def test_the_explanation_is_the_text_before_the_diff(tmp_path: Path) -> None:
    assert mutant(tmp_path, TWO_FILES).explanation == (
        "The tax rate moved, and taxed() rounds the other way. It spans two lines."
    )


def test_plain_diff_u_paths_apply_too(tmp_path: Path) -> None:
    text = TWO_FILES.split("diff --git a/shop/prices.py b/shop/prices.py\n")[1]
    plain = text.replace("--- a/shop/prices.py", "--- shop/prices.py").replace(
        "+++ b/shop/prices.py", "+++ shop/prices.py"
    )
    assert b"RATE = 19" in mutant(tmp_path, "Rate.\n\n" + plain).apply(REFERENCE)["shop/prices.py"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Only words, no diff.\n", "holds no diff"),
        (TWO_FILES.replace("shop/prices.py", "shop/gone.py"), "not one of the exercise's files"),
        (TWO_FILES.replace("-RATE = 20", "-RATE = 21"), "no longer applies to the reference's"),
    ],
)
def test_a_mutant_that_cannot_be_made_is_an_error_naming_it(
    tmp_path: Path, text: str, problem: str
) -> None:
    with pytest.raises(MutantError, match=f"mutant rounds_up.*{problem}"):
        mutant(tmp_path, text).apply(REFERENCE)


def test_every_mutant_of_the_catalog_applies_changes_something_and_says_why() -> None:
    catalog = Catalog.load()
    count = 0
    for exercise in catalog:
        if exercise.is_quiz:
            continue
        reference = {
            name: path.read_bytes()
            for name, path in exercise.solution_files(exercise.reference_dir).items()
        }
        for name, each in exercise.mutants.items():
            made = each.apply(reference)
            assert made != reference, f"{exercise.id}: mutant {name} changes nothing"
            assert len(each.explanation) > 20, f"{exercise.id}: mutant {name} explains nothing"
            for file, content in made.items():
                compile(content, f"{exercise.id}/mutants/{name}/{file}", "exec")
            count += 1
    assert count >= 3 * len([e for e in catalog if not e.is_quiz])
