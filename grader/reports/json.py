"""The JSON report: the pydantic model, dumped as it is, plus its JSON Schema."""

from __future__ import annotations

import json as _json

from grader.report import GradeReport
from grader.text import clean_model


def render(report: GradeReport) -> str:
    """The report as JSON; its text made valid UTF-8 first, else dumping it would fail."""
    return clean_model(report).model_dump_json(indent=2) + "\n"


def schema() -> str:
    return _json.dumps(GradeReport.model_json_schema(), indent=2) + "\n"
