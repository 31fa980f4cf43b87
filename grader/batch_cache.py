"""The batch's cache: a report is reused only while everything that decided it is unchanged.

The key hashes the submission's used files, each exercise's manifest and hidden suite, every
file the sandbox runs (the same set the Docker image copies in), the grader's version, the
sandbox and the section weights. Anything else changing cannot change a verdict.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import ValidationError

from grader import __version__
from grader.atomic_write import write_atomic
from grader.catalog import Exercise
from grader.manifest import MANIFEST_NAME
from grader.paths import SANDBOX_DIR
from grader.report import GradeReport
from grader.sandboxes.image import grader_files
from grader.sections import Section

CACHE_VERSION = 1  # bump when a cached report would no longer be what grading produces
_SKIPPED_PARTS = {"__pycache__", ".pytest_cache", ".hypothesis"}


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")) if root.is_dir() else []:
        parts = path.relative_to(root).parts
        if not path.is_file() or any(p in _SKIPPED_PARTS for p in parts):
            continue
        digest.update(f"{path.relative_to(root).as_posix()}\0".encode())
        content = path.read_bytes()
        digest.update(f"{len(content)}\0".encode() + content)
    return digest.hexdigest()


def exercise_version(exercise: Exercise) -> str:
    """A hash of what decides an exercise's verdicts: its manifest and its hidden suite."""
    digest = hashlib.sha256()
    digest.update((exercise.path / MANIFEST_NAME).read_bytes())
    digest.update(_tree_digest(exercise.hidden_tests).encode())
    return digest.hexdigest()


def runner_version(sandbox_dir: Path = SANDBOX_DIR) -> str:
    """A hash of every file the sandbox runs: the runner, its plugin, referee, pytest.ini, …"""
    digest = hashlib.sha256()
    for path in grader_files(sandbox_dir):
        content = path.read_bytes()
        digest.update(f"{path.name}\0{len(content)}\0".encode() + content)
    return digest.hexdigest()


def files_digest(files: Mapping[str, bytes] | None) -> str | None:
    """A hash of one exercise's answer (None: not submitted)."""
    if files is None:
        return None
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(f"{name}\0{len(files[name])}\0".encode() + files[name])
    return digest.hexdigest()


def cache_key(
    *,
    runner: str,
    sandbox: str,
    weights: Mapping[Section, float],
    versions: Mapping[str, str],
    answers: Mapping[str, Mapping[str, bytes] | None],
    ignored: Sequence[str],
) -> str:
    """The key of one submission's report: `versions` and `answers` are by exercise id."""
    material = {
        "cache": CACHE_VERSION,
        "grader": __version__,
        "runner": runner,
        "sandbox": sandbox,
        "weights": {str(k): v for k, v in sorted(weights.items())},
        "exercises": [[i, versions[i], files_digest(answers[i])] for i in answers],
        "ignored": list(ignored),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


class ReportCache:
    """Reports by key in a folder (None: no cache); `force` ignores what is stored."""

    def __init__(self, folder: Path | None, *, force: bool = False) -> None:
        self.folder = folder
        self.force = force

    def get(self, key: str) -> GradeReport | None:
        if self.folder is None or self.force:
            return None
        try:
            return GradeReport.model_validate_json((self.folder / f"{key}.json").read_bytes())
        except (OSError, ValueError, ValidationError):
            return None  # absent or damaged: grade again

    def put(self, key: str, report: GradeReport) -> None:
        if self.folder is not None:
            write_atomic(self.folder / f"{key}.json", report.model_dump_json())
