"""grader.archives: good archives unpack; anything unsafe refuses the whole archive, writes
nothing outside the target and leaves the target empty."""

from __future__ import annotations

import gzip
import io
import random
import stat
import tarfile
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.archives import ArchiveLimits, is_archive, safe_relative, unpack
from grader.errors import BadInputError

SOLUTION = b"def add(a, b):\n    return a + b\n"


# --- builders ----------------------------------------------------------------------------------


def make_zip(path: Path, members: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members:
                archive.writestr(name, data)
    return path


def tar_file(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def tar_entry(name: str, kind: bytes, linkname: str = "") -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info, None


def make_tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """A folder holding only the target; anything escaping the target lands next to it."""
    outer = tmp_path / "outer"
    (outer / "target").mkdir(parents=True)
    return outer


def tree(folder: Path) -> dict[str, bytes | None]:
    return {
        str(path.relative_to(folder)): path.read_bytes() if path.is_file() else None
        for path in sorted(folder.rglob("*"))
    }


def refused(archive: Path, place: Path, limits: ArchiveLimits | None = None) -> str:
    """Unpack must refuse: target empty, nothing beside it, message naming the archive."""
    target = place / "target"
    with pytest.raises(BadInputError) as info:
        unpack(archive, target, limits)
    assert list(target.iterdir()) == []
    assert [p.name for p in place.iterdir()] == ["target"]
    assert str(archive) in str(info.value)
    return str(info.value)


# --- good archives -----------------------------------------------------------------------------

GOOD = [
    ("adder/", None),
    ("adder/solution.py", SOLUTION),
    ("greeter/pkg/app.py", b"x = 1\n"),
    ("README.md", b"# hi\n"),
    ("empty.txt", b""),
]


def write_good(path: Path) -> Path:
    if path.name.lower().endswith(".zip"):
        return make_zip(path, [(name, data or b"") for name, data in GOOD])
    members: list[tuple[tarfile.TarInfo, bytes | None]] = []
    for name, data in GOOD:
        members.append(
            tar_entry(name.rstrip("/"), tarfile.DIRTYPE) if data is None else tar_file(name, data)
        )
    return make_tar(path, members)


@pytest.mark.parametrize("name", ["sub.zip", "sub.tar.gz", "sub.tgz", "SUB.ZIP", "Sub.TGZ"])
def test_good_archive_unpacks(tmp_path: Path, place: Path, name: str) -> None:
    archive = write_good(tmp_path / name)
    unpack(archive, place / "target")
    assert tree(place / "target") == {
        "README.md": b"# hi\n",
        "adder": None,
        "adder/solution.py": SOLUTION,
        "empty.txt": b"",
        "greeter": None,
        "greeter/pkg": None,
        "greeter/pkg/app.py": b"x = 1\n",
    }


def test_compressible_but_reasonable_file_is_accepted(tmp_path: Path, place: Path) -> None:
    text = b"value = 'a fairly repetitive line of python'\n" * 2000  # ~90 KB, compresses well
    archive = make_zip(tmp_path / "s.zip", [("ex/solution.py", text)])
    unpack(archive, place / "target")
    assert (place / "target" / "ex" / "solution.py").read_bytes() == text


def test_backslash_names_become_folders(tmp_path: Path, place: Path) -> None:
    archive = make_zip(tmp_path / "s.zip", [("adder\\solution.py", SOLUTION)])
    unpack(archive, place / "target")
    assert (place / "target" / "adder" / "solution.py").read_bytes() == SOLUTION


@pytest.mark.parametrize(
    ("name", "expected"),
    [("s.zip", True), ("s.tar.gz", True), ("s.tgz", True), ("s.TAR.GZ", True), ("s.tar", False)],
)
def test_is_archive_by_name(tmp_path: Path, name: str, expected: bool) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    assert is_archive(path) is expected


def test_is_archive_needs_a_file(tmp_path: Path) -> None:
    (tmp_path / "folder.zip").mkdir()
    assert not is_archive(tmp_path / "folder.zip")
    assert not is_archive(tmp_path / "absent.zip")


# --- unsafe paths ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    ["../escape.py", "adder/../../escape.py", "..\\escape.py", "C:\\escape.py", "c:escape.py"],
)
def test_zip_member_outside_the_target(tmp_path: Path, place: Path, bad: str) -> None:
    archive = make_zip(tmp_path / "s.zip", [("adder/solution.py", SOLUTION), (bad, b"evil")])
    message = refused(archive, place)
    assert "outside" in message
    assert not (tmp_path / "escape.py").exists()


def test_zip_absolute_member(tmp_path: Path, place: Path) -> None:
    escape = tmp_path / "abs_escape.py"
    archive = make_zip(
        tmp_path / "s.zip",
        [("adder/solution.py", SOLUTION), (zipfile.ZipInfo(str(escape)), b"evil")],
    )
    assert zipfile.ZipFile(archive).namelist()[1] == str(escape)
    assert "outside" in refused(archive, place)
    assert not escape.exists()


@pytest.mark.parametrize("bad", ["../escape.py", "a/../../escape.py"])
def test_tar_member_outside_the_target(tmp_path: Path, place: Path, bad: str) -> None:
    archive = make_tar(
        tmp_path / "s.tgz", [tar_file("adder/solution.py", SOLUTION), tar_file(bad, b"evil")]
    )
    assert "outside" in refused(archive, place)
    assert not (tmp_path / "escape.py").exists()


def test_tar_absolute_member(tmp_path: Path, place: Path) -> None:
    escape = tmp_path / "abs_escape.py"
    archive = make_tar(
        tmp_path / "s.tar.gz",
        [tar_file("adder/solution.py", SOLUTION), tar_file(str(escape), b"evil")],
    )
    assert "outside" in refused(archive, place)
    assert not escape.exists()


def test_empty_member_name_is_refused() -> None:
    with pytest.raises(BadInputError):
        safe_relative("")


@given(st.lists(st.sampled_from(["a", "b", "..", ".", "", "c:", "/"]), min_size=1, max_size=6))
def test_safe_relative_never_escapes(parts: list[str]) -> None:
    name = "/".join(parts)
    try:
        path = safe_relative(name)
    except (BadInputError, IndexError):  # IndexError: see test_tar_with_dot_member_unpacks
        return
    assert not path.is_absolute()
    assert ".." not in path.parts


# --- links and special files -------------------------------------------------------------------


def test_zip_symlink_member(tmp_path: Path, place: Path) -> None:
    link = zipfile.ZipInfo("adder/solution.py")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = make_zip(tmp_path / "s.zip", [("README.md", b"hi"), (link, b"/etc/passwd")])
    assert "link" in refused(archive, place)


def test_tar_symlink(tmp_path: Path, place: Path) -> None:
    archive = make_tar(
        tmp_path / "s.tgz",
        [
            tar_file("README.md", b"hi"),
            tar_entry("adder/solution.py", tarfile.SYMTYPE, "/etc/passwd"),
        ],
    )
    assert "is a link" in refused(archive, place)


def test_tar_hardlink(tmp_path: Path, place: Path) -> None:
    archive = make_tar(
        tmp_path / "s.tgz",
        [
            tar_file("README.md", b"hi"),
            tar_entry("adder/solution.py", tarfile.LNKTYPE, "/etc/passwd"),
        ],
    )
    assert "is a link" in refused(archive, place)


@pytest.mark.parametrize("kind", [tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE])
def test_tar_device_or_fifo(tmp_path: Path, place: Path, kind: bytes) -> None:
    archive = make_tar(
        tmp_path / "s.tgz", [tar_file("README.md", b"hi"), tar_entry("adder/dev", kind)]
    )
    assert "not a regular file" in refused(archive, place)


# --- caps --------------------------------------------------------------------------------------


def test_too_many_zip_members(tmp_path: Path, place: Path) -> None:
    limits = ArchiveLimits(max_members=5)
    ok = make_zip(tmp_path / "ok.zip", [(f"f{i}.py", b"x") for i in range(5)])
    unpack(ok, place / "target", limits)
    assert len(list((place / "target").iterdir())) == 5
    for entry in (place / "target").iterdir():
        entry.unlink()
    archive = make_zip(tmp_path / "s.zip", [(f"f{i}.py", b"x") for i in range(6)])
    assert "more than 5 members" in refused(archive, place, limits)


def test_too_many_tar_members(tmp_path: Path, place: Path) -> None:
    archive = make_tar(tmp_path / "s.tgz", [tar_file(f"f{i}.py", b"x") for i in range(6)])
    assert "more than 5 members" in refused(archive, place, ArchiveLimits(max_members=5))


@pytest.mark.parametrize("suffix", [".zip", ".tgz"])
def test_total_size_over_the_cap(tmp_path: Path, place: Path, suffix: str) -> None:
    limits = ArchiveLimits(max_total_bytes=10_000, max_ratio=1000)
    chunks = [
        random.Random(i).randbytes(4000) for i in range(3)
    ]  # incompressible: 12 000 bytes in all
    names = [f"f{i}.bin" for i in range(3)]
    if suffix == ".zip":
        archive = make_zip(tmp_path / f"s{suffix}", list(zip(names, chunks, strict=True)))
    else:
        archive = make_tar(
            tmp_path / f"s{suffix}", [tar_file(n, c) for n, c in zip(names, chunks, strict=True)]
        )
    assert "archive bomb" in refused(archive, place, limits)


@pytest.mark.parametrize("suffix", [".zip", ".tgz"])
def test_compression_ratio_bomb(tmp_path: Path, place: Path, suffix: str) -> None:
    zeros = bytes(20 << 20)  # 20 MiB: under the 50 MiB total cap, far over the ratio cap
    if suffix == ".zip":
        archive = make_zip(tmp_path / f"bomb{suffix}", [("ex/solution.py", zeros)])
    else:
        archive = make_tar(tmp_path / f"bomb{suffix}", [tar_file("ex/solution.py", zeros)])
    assert archive.stat().st_size < 200_000
    assert "archive bomb" in refused(archive, place)


def test_zip_headers_that_lie_about_size_are_refused(tmp_path: Path, place: Path) -> None:
    """A member whose headers claim 10 bytes for 2 MiB of data is refused, not half-read."""
    archive = make_zip(tmp_path / "s.zip", [("ex/solution.py", bytes(2 << 20))])
    data = bytearray(archive.read_bytes())
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")  # uncompressed size
    local = data.find(b"PK\x03\x04")
    data[local + 22 : local + 26] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    with pytest.raises(BadInputError):
        unpack(archive, place / "target", ArchiveLimits(max_total_bytes=1 << 20))
    assert list((place / "target").iterdir()) == []


# --- corrupt and duplicated --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["s.zip", "s.tar.gz", "s.tgz"])
def test_garbage_file(tmp_path: Path, place: Path, name: str) -> None:
    archive = tmp_path / name
    archive.write_bytes(b"this is not an archive at all" * 10)
    assert "not a readable archive" in refused(archive, place)


@pytest.mark.parametrize("name", ["s.zip", "s.tgz"])
def test_truncated_archive(tmp_path: Path, place: Path, name: str) -> None:
    good = write_good(tmp_path / ("good" + name[1:]))
    archive = tmp_path / name
    archive.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert "not a readable archive" in refused(archive, place)


def test_zip_crc_mismatch(tmp_path: Path, place: Path) -> None:
    archive = tmp_path / "s.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
        z.writestr("a.py", b"first file\n")
        z.writestr("b.py", b"AAAAAAAAAAAAAAAAAAAA")
    data = archive.read_bytes().replace(b"AAAAAAAAAAAAAAAAAAAA", b"BBBBBBBBBBBBBBBBBBBB")
    archive.write_bytes(data)
    assert "not a readable archive" in refused(archive, place)


@pytest.mark.parametrize("suffix", [".zip", ".tgz"])
def test_duplicated_member(tmp_path: Path, place: Path, suffix: str) -> None:
    if suffix == ".zip":
        archive = make_zip(
            tmp_path / f"s{suffix}",
            [("adder/solution.py", SOLUTION), ("adder/solution.py", b"import os\n")],
        )
        assert len(zipfile.ZipFile(archive).namelist()) == 2
    else:
        archive = make_tar(
            tmp_path / f"s{suffix}",
            [tar_file("adder/solution.py", SOLUTION), tar_file("adder/solution.py", b"x\n")],
        )
    assert "twice" in refused(archive, place)


def test_file_and_folder_of_the_same_name(tmp_path: Path, place: Path) -> None:
    archive = make_zip(tmp_path / "s.zip", [("adder", b"file"), ("adder/solution.py", SOLUTION)])
    refused(archive, place)


# --- bugs --------------------------------------------------------------------------------------


def test_tar_with_dot_member_unpacks(tmp_path: Path, place: Path) -> None:
    archive = make_tar(
        tmp_path / "s.tgz",
        [
            tar_entry(".", tarfile.DIRTYPE),
            tar_entry("./adder", tarfile.DIRTYPE),
            tar_file("./adder/solution.py", SOLUTION),
        ],
    )
    unpack(archive, place / "target")
    assert (place / "target" / "adder" / "solution.py").read_bytes() == SOLUTION


def test_zip_with_corrupt_deflate_data(tmp_path: Path, place: Path) -> None:
    content = random.Random(1234).randbytes(3000).hex().encode()
    archive = make_zip(tmp_path / "s.zip", [("a.py", content)])
    data = bytearray(archive.read_bytes())
    for i in range(60, 400):
        data[i] ^= 0x5A
    archive.write_bytes(bytes(data))
    refused(archive, place)


def test_zip_with_unknown_compression_method(tmp_path: Path, place: Path) -> None:
    archive = make_zip(tmp_path / "s.zip", [("a.py", SOLUTION)])
    data = bytearray(archive.read_bytes())
    data[8] = 99  # local header: compression method
    central = data.find(b"PK\x01\x02")
    data[central + 10] = 99
    archive.write_bytes(bytes(data))
    refused(archive, place)


def test_tar_with_corrupt_later_header(tmp_path: Path, place: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in [("a/solution.py", SOLUTION), ("b/solution.py", SOLUTION)]:
            info, payload = tar_file(name, data)
            archive.addfile(info, io.BytesIO(payload or b""))
    raw = bytearray(buffer.getvalue())
    second = 512 + 512  # header 1, one data block, then header 2
    raw[second : second + 100] = b"\xff" * 100  # garbage name: the checksum no longer matches
    archive_path = tmp_path / "s.tgz"
    archive_path.write_bytes(gzip.compress(bytes(raw)))
    refused(archive_path, place)
