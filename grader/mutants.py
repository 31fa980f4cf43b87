"""Known-wrong solutions, stored as the mistake itself: a unified diff against the reference.

``mutants/<name>.diff`` opens with what is wrong, in a sentence or a paragraph, then the diff
(``git diff`` output, or ``diff -u`` with ``a/`` and ``b/`` paths), touching only the files the
mistake changes, by the paths the manifest names. ``grader validate`` and the tests apply it to
the reference; a diff that no longer applies (the reference changed under it) is an error that
names the mutant. The mistake stays readable in a few lines, next to its explanation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import whatthepatch
from whatthepatch.exceptions import WhatThePatchException

from grader.errors import BadInputError

SUFFIX = ".diff"


class MutantError(BadInputError):
    """A mutant that cannot be made: unreadable, empty, or no longer applying to the reference."""


@dataclass(frozen=True)
class Mutant:
    name: str
    path: Path

    def _text(self) -> str:
        try:
            return self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise MutantError(f"mutant {self.name}: cannot read {self.path} ({error})") from error

    @property
    def explanation(self) -> str:
        """What is wrong: the text before the diff, on one line."""
        head = self._text().split("\ndiff --git ", 1)[0].split("\n--- ", 1)[0]
        return " ".join(head.split())

    def apply(self, reference: dict[str, bytes]) -> dict[str, bytes]:
        """The reference's files with the mistake made in them."""
        files = dict(reference)
        try:
            diffs = [diff for diff in whatthepatch.parse_patch(self._text()) if diff.header]
        except WhatThePatchException as error:
            raise MutantError(f"mutant {self.name}: {self.path} is not a diff ({error})") from error
        if not diffs:
            raise MutantError(f"mutant {self.name}: {self.path} holds no diff")
        for diff in diffs:
            name = _file_name(str(diff.header.old_path), files)
            if name not in files:
                raise MutantError(
                    f"mutant {self.name} changes {name!r}, which is not one of the exercise's files"
                )
            try:
                lines = whatthepatch.apply_diff(diff, files[name].decode("utf-8").splitlines())
            except WhatThePatchException as error:
                raise MutantError(
                    f"mutant {self.name} no longer applies to the reference's {name}: {error}"
                ) from error
            files[name] = ("\n".join(lines) + "\n").encode("utf-8")
        return files


def _file_name(path: str, files: dict[str, bytes]) -> str:
    """The manifest's name for a diff's path: git's headers keep their ``a/`` prefix."""
    if path not in files and path.startswith("a/") and path[2:] in files:
        return path[2:]
    return path


def mutants_in(folder: Path) -> dict[str, Mutant]:
    """The mutants of one exercise's ``mutants/`` folder, by name, sorted."""
    if not folder.is_dir():
        return {}
    return {
        path.stem: Mutant(path.stem, path)
        for path in sorted(folder.glob(f"*{SUFFIX}"))
        if not path.name.startswith((".", "_"))
    }
