"""What a command grades or hands out: the catalog, and the exercises and weights chosen from it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.assessment import Assessment, load_assessment
from grader.catalog import Catalog, Exercise
from grader.errors import BadInputError
from grader.sections import DEFAULT_WEIGHTS, Section


@dataclass(frozen=True)
class Scope:
    exercises: list[Exercise]
    weights: Mapping[Section, float]
    assessment: Assessment | None = None

    @property
    def assessment_title(self) -> str | None:
        """What reports carry to name the round (None: no assessment)."""
        return self.assessment.title if self.assessment else None


def load_catalog(exercises_dir: Path | None) -> Catalog:
    """The catalog at `exercises_dir` (None: the bundled one); an empty one is bad input."""
    catalog = Catalog.load(exercises_dir)
    if not len(catalog) and not catalog.problems:
        raise BadInputError(f"{catalog.root}: no exercises found")
    return catalog


def grading_scope(catalog: Catalog, exercise_ids: Sequence[str], assessment: str | None) -> Scope:
    """An assessment's exercises and weights, the named exercises, or the whole catalog."""
    if assessment is None:
        return Scope(catalog.select(exercise_ids), DEFAULT_WEIGHTS)
    if exercise_ids:
        raise BadInputError("--exercise and --assessment exclude each other")
    chosen = load_assessment(assessment)
    return Scope(chosen.select(catalog), chosen.weights, chosen)
