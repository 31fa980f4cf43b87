"""grader.submission: folders and archives, unwrapping, the files of each exercise, what is
ignored, and that links are never followed."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from grader.catalog import Exercise
from grader.errors import BadInputError
from grader.manifest import Manifest
from grader.sections import Section
from grader.submission import MAX_SOLUTION_BYTES, open_submission

ADDER = Exercise(
    "adder", Path("/nonexistent/adder"), Manifest(title="Adder", section=Section.CORE_PYTHON)
)
GREETER = Exercise(
    "greeter", Path("/nonexistent/greeter"), Manifest(title="Greet", section=Section.FASTAPI)
)
MULTI = Exercise(
    "multi",
    Path("/nonexistent/multi"),
    Manifest(title="Multi", section=Section.FASTAPI, files=["app/main.py", "models.py"]),
)
IDS = ["adder", "greeter", "multi"]

ADD = b"def add(a, b):\n    return a + b\n"
GREET = b"def greet(n):\n    return f'Hello, {n}!'\n"


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def zip_of(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def tgz_of(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


BASIC = {"adder/solution.py": ADD, "greeter/solution.py": GREET}


# --- folders and archives ----------------------------------------------------------------------


def test_folder_submission(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "sub", BASIC)
    with open_submission(root, IDS) as submission:
        assert submission.root == root
        assert submission.label == str(root)
        assert submission.files_for(ADDER) == {"solution.py": ADD}
        assert submission.files_for(GREETER) == {"solution.py": GREET}
        assert submission.files_for(MULTI) is None


@pytest.mark.parametrize("name", ["sub.zip", "sub.tar.gz", "sub.tgz"])
def test_archive_submission(tmp_path: Path, name: str) -> None:
    builder = zip_of if name.endswith(".zip") else tgz_of
    archive = builder(tmp_path / name, BASIC)
    with open_submission(archive, IDS) as submission:
        assert submission.label == str(archive)
        assert submission.files_for(ADDER) == {"solution.py": ADD}
        assert submission.files_for(GREETER) == {"solution.py": GREET}
        unpacked = submission.root
        assert unpacked.is_dir()
        assert tmp_path not in unpacked.parents  # unpacked elsewhere, not beside the archive
    assert not unpacked.exists()  # the temporary folder is removed afterwards


@pytest.mark.parametrize("kind", ["folder", "zip", "tgz"])
def test_single_top_level_folder_is_unwrapped(tmp_path: Path, kind: str) -> None:
    files = {f"jane-doe/{name}": data for name, data in BASIC.items()}
    files["__MACOSX/._jane-doe"] = b"resource fork"
    if kind == "folder":
        source = write_tree(tmp_path / "sub", files)
        (source / ".DS_Store").write_bytes(b"finder")
    elif kind == "zip":
        source = zip_of(tmp_path / "sub.zip", files)
    else:
        source = tgz_of(tmp_path / "sub.tgz", files)
    with open_submission(source, IDS) as submission:
        assert submission.root.name == "jane-doe"
        assert submission.files_for(ADDER) == {"solution.py": ADD}


def test_single_exercise_folder_is_not_unwrapped(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "sub", {"adder/solution.py": ADD})
    with open_submission(root, IDS) as submission:
        assert submission.root == root
        assert submission.files_for(ADDER) == {"solution.py": ADD}
    archive = zip_of(tmp_path / "sub.zip", {"adder/solution.py": ADD})
    with open_submission(archive, IDS) as submission:
        assert submission.files_for(ADDER) == {"solution.py": ADD}


def test_wrapper_with_two_folders_is_not_unwrapped(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "sub", {"a/adder/solution.py": ADD, "b/x.py": b""})
    with open_submission(root, IDS) as submission:
        assert submission.root == root
        assert submission.files_for(ADDER) is None


def test_multi_file_exercise(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "sub", {"multi/app/main.py": b"main", "multi/models.py": b"m"})
    with open_submission(root, IDS) as submission:
        assert submission.files_for(MULTI) == {"app/main.py": b"main", "models.py": b"m"}


def test_multi_file_exercise_with_some_files_only(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "sub", {"multi/models.py": b"m"})
    with open_submission(root, IDS) as submission:
        assert submission.files_for(MULTI) == {"models.py": b"m"}


def test_absent_exercise_and_folder_instead_of_file(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "sub", {"greeter/solution.py/inner.py": b"x", "other/x": b""})
    with open_submission(root, IDS) as submission:
        assert submission.files_for(ADDER) is None
        assert submission.files_for(GREETER) is None


# --- links -------------------------------------------------------------------------------------


def test_symlinked_solution_file_is_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "host_secret.py"
    secret.write_bytes(b"SECRET = 'host data'\n")
    root = write_tree(tmp_path / "sub", {"greeter/solution.py": GREET})
    (root / "adder").mkdir()
    (root / "adder" / "solution.py").symlink_to(secret)
    with open_submission(root, IDS) as submission:
        assert submission.files_for(ADDER) is None
        assert submission.files_for(GREETER) == {"solution.py": GREET}
        # not read, so listed among the ignored files
        assert "adder/solution.py" in submission.ignored()


def test_dangling_symlink_is_not_an_answer(tmp_path: Path) -> None:
    root = tmp_path / "sub"
    (root / "adder").mkdir(parents=True)
    (root / "adder" / "solution.py").symlink_to(tmp_path / "nowhere.py")
    (root / "greeter").mkdir()
    with open_submission(root, IDS) as submission:
        assert submission.files_for(ADDER) is None
        assert submission.ignored() == ["adder/solution.py"]


def test_symlinked_exercise_folder_is_not_followed(tmp_path: Path) -> None:
    host = write_tree(tmp_path / "host", {"solution.py": b"SECRET = 'host data'\n"})
    root = write_tree(tmp_path / "sub", {"greeter/solution.py": GREET})
    (root / "adder").symlink_to(host, target_is_directory=True)
    with open_submission(root, IDS) as submission:
        assert submission.files_for(ADDER) is None


# --- ignored files -----------------------------------------------------------------------------


def test_ignored_files_are_listed(tmp_path: Path) -> None:
    extra = {
        "conftest.py": b"import os\n",
        "pytest.ini": b"[pytest]\n",
        "sitecustomize.py": b"import os\n",
        "adder/conftest.py": b"",
        "adder/evil.pth": b"import os\n",
        "adder/data/input.csv": b"a,b\n",
        "adder/tests/test_mine.py": b"",
        "notes.txt": b"",
    }
    root = write_tree(tmp_path / "sub", {**BASIC, **extra})
    with open_submission(root, IDS) as submission:
        assert submission.ignored() == sorted([*BASIC, *extra])  # nothing used yet
        assert submission.files_for(ADDER) == {"solution.py": ADD}
        assert submission.files_for(GREETER) == {"solution.py": GREET}
        assert submission.files_for(MULTI) is None
        assert submission.ignored() == sorted(extra)


def test_ignored_files_in_an_archive_are_relative_to_the_unwrapped_root(tmp_path: Path) -> None:
    files = {"me/adder/solution.py": ADD, "me/adder/conftest.py": b"", "me/x.pth": b""}
    with open_submission(zip_of(tmp_path / "s.zip", files), IDS) as submission:
        submission.files_for(ADDER)
        assert submission.ignored() == ["adder/conftest.py", "x.pth"]


# --- bad input ---------------------------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    with (
        pytest.raises(BadInputError, match="no such file or folder"),
        open_submission(tmp_path / "nowhere", IDS),
    ):
        pass


@pytest.mark.parametrize("name", ["submission.txt", "submission.tar", "submission.rar"])
def test_not_an_archive(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"hello")
    with pytest.raises(BadInputError) as info, open_submission(path, IDS):
        pass
    assert str(path) in str(info.value)
    assert "not a folder or a .zip/.tar.gz/.tgz archive" in str(info.value)


def test_unsafe_archive_is_bad_input(tmp_path: Path) -> None:
    archive = zip_of(tmp_path / "s.zip", {"adder/solution.py": ADD, "../evil.py": b""})
    with pytest.raises(BadInputError, match="outside"), open_submission(archive, IDS):
        pass
    assert not (tmp_path / "evil.py").exists()


def test_oversize_solution_file_is_refused(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "sub", {"greeter/solution.py": GREET})
    big = root / "adder" / "solution.py"
    big.parent.mkdir()
    with big.open("wb") as handle:
        handle.truncate(MAX_SOLUTION_BYTES + 1)
    with open_submission(root, IDS) as submission:
        with pytest.raises(BadInputError) as info:
            submission.files_for(ADDER)
        assert "adder/solution.py" in str(info.value)
        assert "1 MiB" in str(info.value)
        assert submission.files_for(GREETER) == {"solution.py": GREET}


def test_solution_of_exactly_the_limit_is_accepted(tmp_path: Path) -> None:
    root = tmp_path / "sub"
    path = root / "adder" / "solution.py"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"#" * MAX_SOLUTION_BYTES)
    with open_submission(root, IDS) as submission:
        files = submission.files_for(ADDER)
        assert files is not None and len(files["solution.py"]) == MAX_SOLUTION_BYTES


def test_fifo_is_not_read(tmp_path: Path) -> None:
    root = tmp_path / "sub"
    (root / "adder").mkdir(parents=True)
    os.mkfifo(root / "adder" / "solution.py")  # reading it would block forever
    (root / "greeter").mkdir()
    with open_submission(root, IDS) as submission:
        assert submission.files_for(ADDER) is None
