"""Assessments: a named set of exercises with section weights and a time limit (an interview round).

Without one, every exercise of the catalog counts, with the guide's default weights.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from grader.catalog import Catalog, Exercise
from grader.errors import BadInputError
from grader.paths import ASSESSMENTS_DIR
from grader.sections import DEFAULT_WEIGHTS, Section
from grader.tomlfile import load_model

DEFAULT_ASSESSMENTS_DIR = ASSESSMENTS_DIR


class Assessment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str
    description: str = ""
    time_limit_minutes: Annotated[int, Field(gt=0)]
    exercises: Annotated[list[str], Field(min_length=1)]
    weights: dict[Section, Annotated[float, Field(ge=0)]] = dict(DEFAULT_WEIGHTS)

    def select(self, catalog: Catalog) -> list[Exercise]:
        """The assessment's exercises, refusing names the catalog does not have."""
        return catalog.select(self.exercises)

    def time_problem(self, catalog: Catalog) -> str | None:
        """Why a good candidate could not finish in the time limit; None when they can."""
        exercises = self.select(catalog)
        unknown = [e.id for e in exercises if e.manifest.minutes is None]
        if unknown:
            return f"no minutes estimate for {', '.join(unknown)}"
        needed = sum(e.manifest.minutes or 0 for e in exercises)
        if needed > self.time_limit_minutes:
            return f"its exercises need {needed} minutes; the limit is {self.time_limit_minutes}"
        return None


def load_assessments(root: Path = DEFAULT_ASSESSMENTS_DIR) -> dict[str, Assessment]:
    return {name: load_assessment(name, root) for name in assessment_names(root)}


def assessment_names(root: Path = DEFAULT_ASSESSMENTS_DIR) -> list[str]:
    return sorted(path.stem for path in root.glob("*.toml"))


def load_assessment(name: str, root: Path = DEFAULT_ASSESSMENTS_DIR) -> Assessment:
    path = root / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(assessment_names(root)) or "none"
        raise BadInputError(f"unknown assessment {name!r} (known: {known})")
    return load_model(path, Assessment)
