"""Where the grader's own files are: the catalog, the assessments and the sandbox's files.

A checkout keeps them at its top (exercises/, assessments/, sandbox/), next to grader/; a wheel
carries them inside the package, under grader/data/ (see pyproject.toml). Every other module asks
here, so both an editable install and `pip install grader-*.whl` find them from any folder.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SHIPPED_DIR = PACKAGE_DIR / "data"
"""Where a wheel puts the catalog, the assessments and the sandbox's files."""
CHECKOUT_DIR = PACKAGE_DIR.parent
"""The repository's top, when the package runs from a checkout (an editable install)."""


def _data(name: str) -> Path:
    shipped = SHIPPED_DIR / name
    return shipped if shipped.is_dir() else CHECKOUT_DIR / name


def running_from_checkout() -> bool:
    """True for an editable install (or the source tree on sys.path), False for a wheel."""
    return not SHIPPED_DIR.is_dir()


EXERCISES_DIR = _data("exercises")
"""The catalog graded by default (`--exercises-dir` / `$GRADER_EXERCISES` choose another)."""
ASSESSMENTS_DIR = _data("assessments")
SANDBOX_DIR = _data("sandbox")
"""The runner's files, the sandbox image's Dockerfile and its pinned requirements.txt."""
SANDBOX_REQUIREMENTS = SANDBOX_DIR / "requirements.txt"


def cache_dir() -> Path:
    """The grader's cache: .cache/ in a checkout (as ever), else the user's cache folder."""
    if running_from_checkout():
        return CHECKOUT_DIR / ".cache"
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "grader"
