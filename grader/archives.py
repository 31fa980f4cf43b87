"""Safe unpacking of submitted archives (.zip, .tar.gz, .tgz).

An archive is untrusted input. Every member is checked before a byte is written: no absolute
path, no ``..``, no link or device, and caps on member count, total size and compression ratio,
counted on the bytes actually read (headers can lie). Anything off refuses the whole archive.
"""

from __future__ import annotations

import gzip
import io
import shutil
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from grader.errors import BadInputError
from grader.text import safe_name

ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz")


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int = 1000
    max_total_bytes: int = 50 << 20
    max_ratio: float = 200.0  # unpacked bytes per archive byte


def is_archive(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(ARCHIVE_SUFFIXES)


def safe_relative(name: str) -> PurePosixPath:
    """The member's path (`.` for the archive's own folder), or BadInputError when it could
    land outside the target folder."""
    path = PurePosixPath(name.replace("\\", "/"))
    parts = path.parts
    if not name or path.is_absolute() or ".." in parts or any(":" in part for part in parts):
        raise BadInputError(
            f"archive member {name!r} would be written outside the archive's folder"
        )
    return path


class _Budget:
    def __init__(self, archive: Path, limits: ArchiveLimits) -> None:
        self.limits = limits
        self.members = 0
        self.written = 0
        self.allowed = min(
            limits.max_total_bytes, int(archive.stat().st_size * limits.max_ratio) + 4096
        )

    def count_member(self) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise BadInputError(f"archive has more than {self.limits.max_members} members")

    def too_large(self) -> str:
        return (
            f"archive unpacks to more than its limit ({self.limits.max_total_bytes >> 20} MiB, "
            f"or {self.limits.max_ratio:.0f}x its size): refused as a likely archive bomb"
        )

    def copy(self, source: IO[bytes], target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            raise BadInputError(f"archive holds {target.name!r} twice")
        with target.open("xb") as out:
            while chunk := source.read(65536):
                self.written += len(chunk)
                if self.written > self.allowed:
                    raise BadInputError(self.too_large())
                out.write(chunk)


def _zip_members(archive: zipfile.ZipFile) -> Iterator[tuple[zipfile.ZipInfo, PurePosixPath]]:
    for info in archive.infolist():
        path = safe_relative(info.filename)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise BadInputError(f"archive member {info.filename!r} is a link; links are refused")
        yield info, path


def _unpack_zip(source: Path, target: Path, budget: _Budget) -> None:
    with zipfile.ZipFile(source) as archive:
        for info, path in _zip_members(archive):
            budget.count_member()
            if info.is_dir():
                (target / path).mkdir(parents=True, exist_ok=True)
                continue
            with archive.open(info) as member:
                budget.copy(member, target / path)


def _unpack_tar(source: Path, target: Path, budget: _Budget) -> None:
    # Decompress first, whole and bounded: gzip checks its CRC and length only at the end, and
    # tarfile stops quietly at a corrupt header, so a damaged archive would unpack in part.
    with gzip.open(source) as compressed:
        data = compressed.read(budget.allowed + 1)
    if len(data) > budget.allowed:
        raise BadInputError(budget.too_large())
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
        for member in archive:
            budget.count_member()
            path = safe_relative(member.name)
            if member.isdir():
                (target / path).mkdir(parents=True, exist_ok=True)
            elif member.isfile():
                extracted = archive.extractfile(member)
                if extracted is None:
                    raise BadInputError(f"archive member {member.name!r} cannot be read")
                with extracted:
                    budget.copy(extracted, target / path)
            else:
                kind = "a link" if member.issym() or member.islnk() else "not a regular file"
                raise BadInputError(f"archive member {member.name!r} is {kind}; refused")
        if data[archive.offset :].strip(b"\0"):
            raise BadInputError("archive is corrupt: data follows an unreadable header")


def unpack(source: Path, target: Path, limits: ArchiveLimits | None = None) -> None:
    """Unpack `source` into the empty folder `target`; on any refusal, `target` is emptied."""
    budget = _Budget(source, limits or ArchiveLimits())
    try:
        if source.name.lower().endswith(".zip"):
            _unpack_zip(source, target, budget)
        else:
            _unpack_tar(source, target, budget)
    except (
        zipfile.BadZipFile,
        tarfile.TarError,
        EOFError,
        OSError,
        zlib.error,
        NotImplementedError,  # a zip compression method Python lacks
        RuntimeError,  # an encrypted zip member
        UnicodeDecodeError,  # a zip member name that is not the UTF-8 its flag claims
    ) as exc:
        _empty(target)
        raise BadInputError(safe_name(f"{source}: not a readable archive ({exc})")) from None
    except BadInputError as exc:
        _empty(target)  # member names are the candidate's text: one line, no escapes, valid
        raise BadInputError(safe_name(f"{source}: {exc}")) from None


def _empty(folder: Path) -> None:
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
