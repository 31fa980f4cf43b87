"""The exercise manifest (`exercise.toml`): one pydantic model, strict, with errors that name the field."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from grader.errors import BadInputError
from grader.sections import Section
from grader.tomlfile import load_model

MANIFEST_NAME = "exercise.toml"
_MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Limits(_Strict):
    """Resource limits for one exercise's hidden suite, enforced from outside the test process."""

    test_timeout_s: Annotated[float, Field(gt=0, le=600)] = 10.0
    wall_timeout_s: Annotated[float, Field(gt=0, le=3600)] = 60.0
    memory_mb: Annotated[int, Field(ge=64, le=16384)] = 1024


class Choice(_Strict):
    key: Annotated[str, Field(pattern=r"^[a-z]$")]
    text: str


class Question(_Strict):
    """One quiz question: the right keys stay on the grader's side and never reach the kit."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
    prompt: str
    choices: Annotated[list[Choice], Field(min_length=2)]
    answer: Annotated[list[str], Field(min_length=1)]
    explanation: str
    guide: list[str] = []

    @property
    def multiple(self) -> bool:
        return len(self.answer) > 1

    @model_validator(mode="after")
    def _answer_names_choices(self) -> Question:
        keys = [choice.key for choice in self.choices]
        if len(set(keys)) != len(keys):
            raise ValueError(f"question {self.id}: choice keys repeat")
        if len(set(self.answer)) != len(self.answer):
            raise ValueError(f"question {self.id}: answer repeats a choice")
        unknown = sorted(set(self.answer) - set(keys))
        if unknown:
            raise ValueError(f"question {self.id}: answer names unknown choices {unknown}")
        return self


class Manifest(_Strict):
    """What an exercise is, what a submission provides for it, and how it is run."""

    title: str
    section: Section
    points: Annotated[float, Field(gt=0, strict=True)] = 10.0
    kind: Literal["code", "quiz"] = "code"
    files: Annotated[list[str], Field(min_length=1)] = ["solution.py"]
    forbidden_imports: list[str] = []
    guide: list[str] = []
    limits: Limits = Limits()
    questions: list[Question] = []
    # What a good candidate needs, reading included, and why: assessments must fit their time
    # limits (`grader validate` adds them up). Optional here, required of the shipped catalog.
    minutes: Annotated[int, Field(gt=0, le=240)] | None = None
    minutes_reason: str = ""

    @model_validator(mode="before")
    @classmethod
    def _quiz_answers_file(cls, data: object) -> object:
        """A quiz is answered in `answers.toml` unless its manifest says otherwise."""
        if isinstance(data, dict) and data.get("kind") == "quiz" and "files" not in data:
            return {**data, "files": ["answers.toml"]}
        return data

    @field_validator("files")
    @classmethod
    def _relative_paths(cls, files: list[str]) -> list[str]:
        for name in files:
            path = PurePosixPath(name)
            if (
                not name
                or path.is_absolute()
                or ".." in path.parts
                or name != str(path)
                or str(path) == "."
            ):
                raise ValueError(f"{name!r} must be a plain relative path inside the exercise")
        if len(set(files)) != len(files):
            raise ValueError("files repeat")
        return files

    @field_validator("forbidden_imports")
    @classmethod
    def _module_names(cls, names: list[str]) -> list[str]:
        for name in names:
            if not _MODULE_NAME.match(name):
                raise ValueError(f"{name!r} is not a module name")
        return names

    @model_validator(mode="after")
    def _minutes_explained(self) -> Manifest:
        if self.minutes is not None and not self.minutes_reason.strip():
            raise ValueError("minutes needs a minutes_reason: say in one line what takes the time")
        return self

    @model_validator(mode="after")
    def _kind_matches_content(self) -> Manifest:
        if self.kind == "quiz":
            if not self.questions:
                raise ValueError("a quiz needs at least one [[questions]] entry")
            ids = [question.id for question in self.questions]
            if len(set(ids)) != len(ids):
                raise ValueError("question ids repeat")
        elif self.questions:
            raise ValueError("questions belong to kind = 'quiz'")
        return self


def load_manifest(path: Path) -> Manifest:
    """Read and validate a manifest; any problem becomes a BadInputError naming the file and field."""
    if not path.exists():
        raise BadInputError(f"{path}: missing manifest")
    return load_model(path, Manifest)
