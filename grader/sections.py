"""The hiring guide's sections and the weights that shape the overall score."""

from enum import StrEnum


class Section(StrEnum):
    CORE_PYTHON = "core_python"
    FASTAPI = "fastapi"
    DATA_PIPELINES = "data_pipelines"
    AWS_DB = "aws_db"
    AI_TOOLS = "ai_tools"
    CACHING = "caching"
    FRONTEND = "frontend"
    FINTECH = "fintech"

    @property
    def label(self) -> str:
        return SECTION_TITLES[self]


SECTION_TITLES: dict[Section, str] = {
    Section.CORE_PYTHON: "Core Python",
    Section.FASTAPI: "FastAPI",
    Section.DATA_PIPELINES: "Data pipelines & orchestration",
    Section.AWS_DB: "AWS & databases",
    Section.AI_TOOLS: "AI & productivity tools (nice to have)",
    Section.CACHING: "Caching / Redis (nice to have)",
    Section.FRONTEND: "Frontend / React (nice to have)",
    Section.FINTECH: "Fintech domain (nice to have)",
}

# The guide's must-have weights, in percent. Nice-to-have sections weigh nothing by default:
# they are reported with their own percentage but do not move the overall score.
DEFAULT_WEIGHTS: dict[Section, float] = {
    Section.CORE_PYTHON: 60.0,
    Section.FASTAPI: 20.0,
    Section.DATA_PIPELINES: 10.0,
    Section.AWS_DB: 10.0,
}
