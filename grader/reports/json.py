"""The JSON report: the pydantic model, dumped as it is, plus its JSON Schema."""

from __future__ import annotations

import json as _json

from grader.report import GradeReport


def render(report: GradeReport) -> str:
    return report.model_dump_json(indent=2) + "\n"


def schema() -> str:
    return _json.dumps(GradeReport.model_json_schema(), indent=2) + "\n"
