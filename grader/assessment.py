"""Assessments: a named set of exercises with section weights and a time limit (an interview round).

Without one, every exercise of the catalog counts, with the guide's default weights.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from grader.catalog import Catalog, Exercise
from grader.errors import BadInputError
from grader.paths import ASSESSMENTS_DIR
from grader.sections import DEFAULT_WEIGHTS, Section

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


def assessment_names(root: Path = DEFAULT_ASSESSMENTS_DIR) -> list[str]:
    return sorted(path.stem for path in root.glob("*.toml"))


def load_assessment(name: str, root: Path = DEFAULT_ASSESSMENTS_DIR) -> Assessment:
    path = root / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(assessment_names(root)) or "none"
        raise BadInputError(f"unknown assessment {name!r} (known: {known})")
    try:
        return Assessment.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadInputError(f"{path}: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise BadInputError(f"{path}: {problems}") from None
