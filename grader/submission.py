"""A candidate's submission: a folder or an archive, opened read-only and mapped to exercises."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from grader.archives import is_archive, unpack
from grader.catalog import Exercise
from grader.errors import BadInputError
from grader.text import safe_name

MAX_SOLUTION_BYTES = 1 << 20


@dataclass
class Submission:
    """The submission's files under `root`: `<exercise-id>/<file>` for each exercise it answers.

    `label` and the ignored files' names are the candidate's text: normalised here, where they
    enter, so that no report can fail on them or carry markup or escapes (grader/text.py).
    """

    label: str
    root: Path
    _used: set[Path] = field(default_factory=set)

    def files_for(self, exercise: Exercise) -> dict[str, bytes] | None:
        """The exercise's files as bytes, or None when the submission does not answer it.

        Links are never followed: a submission could otherwise make the grader read host files.
        """
        found: dict[str, bytes] = {}
        for name in exercise.manifest.files:
            path = self.root / exercise.id / name
            if self._through_link(path) or not path.is_file():
                continue
            if path.stat().st_size > MAX_SOLUTION_BYTES:
                raise BadInputError(f"{exercise.id}/{name} is larger than 1 MiB")
            found[name] = path.read_bytes()
            self._used.add(path)
        return found or None

    def _through_link(self, path: Path) -> bool:
        """Whether `path`, or any folder between the root and it, is a symbolic link."""
        current = path
        while current != self.root:
            if current.is_symlink():
                return True
            current = current.parent
        return False

    def ignored(self) -> list[str]:
        """Every file of the submission that was not used, relative to its root."""
        return sorted(
            safe_name(str(path.relative_to(self.root)))
            for path in _walk(self.root)
            if path not in self._used
        )


def _walk(root: Path) -> Iterator[Path]:
    for path in root.rglob("*"):
        if path.is_symlink() or path.is_file():
            yield path


def _unwrap(root: Path) -> Path:
    """A folder whose only content is one folder (as archives often are) stands for that folder."""
    entries = [entry for entry in root.iterdir() if entry.name not in {"__MACOSX", ".DS_Store"}]
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        return entries[0]
    return root


@contextmanager
def open_submission(path: Path, exercise_ids: Iterable[str]) -> Iterator[Submission]:
    """Open a folder or an archive (unpacked safely into a temporary folder, removed afterwards).

    `exercise_ids` tell an exercise's folder from a wrapping folder that should be unwrapped.
    """
    ids = set(exercise_ids)
    if path.is_dir():
        root = path if any(p.name in ids for p in path.iterdir()) else _unwrap(path)
        yield Submission(safe_name(str(path)), root)
    elif is_archive(path):
        with tempfile.TemporaryDirectory(prefix="grader-submission-") as tmp:
            unpack(path, Path(tmp))
            root = Path(tmp)
            if not any(p.name in ids for p in root.iterdir()):
                root = _unwrap(root)
            yield Submission(safe_name(str(path)), root)
    elif path.exists():
        raise BadInputError(f"{safe_name(str(path))}: not a folder or a .zip/.tar.gz/.tgz archive")
    else:
        raise BadInputError(f"{safe_name(str(path))}: no such file or folder")
