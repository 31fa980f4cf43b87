"""The package installs like any other: the wheel `python -m build` makes, installed into a fresh
virtualenv, grades, writes a kit, validates and builds the sandbox image from any folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from docker import DockerClient

import grader
from grader.catalog import Catalog, catalog_table
from grader.sandboxes.choice import docker_image

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Installed:
    wheel: Path
    bin: Path
    elsewhere: Path
    """A working directory outside the checkout."""

    def run(self, command: str, *args: str | Path, timeout: float = 600) -> str:
        env = {k: v for k, v in os.environ.items() if k not in {"GRADER_EXERCISES", "VIRTUAL_ENV"}}
        done = subprocess.run(
            [str(self.bin / command), *map(str, args)],
            cwd=self.elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"{command} {args}: {done.stdout}\n{done.stderr}"
        return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel, installed into a fresh virtualenv with --no-deps.

    The virtualenv reuses the dependencies already installed in the project's own (a .pth file
    naming its site-packages), so the test needs no package index and takes seconds. The grader
    itself still comes only from the wheel: the site-packages named by a .pth file is a plain
    sys.path entry, whose own .pth files (the editable install's finder) are never processed.
    """
    root = tmp_path_factory.mktemp("packaging")
    dist = root / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(REPO)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    [wheel] = dist.glob("*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "project-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
    subprocess.run(
        [*pip, "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    return Installed(wheel=wheel, bin=venv / "bin", elsewhere=elsewhere)


def test_the_wheel_holds_the_package_and_its_data_but_no_tests(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    modules = {path.relative_to(REPO).as_posix() for path in (REPO / "grader").rglob("*.py")}
    assert modules <= names, sorted(modules - names)
    assert "grader/data/sandbox/Dockerfile" in names
    assert "grader/data/sandbox/requirements.txt" in names
    assert "grader/data/sandbox/runner.py" in names
    assert "grader/data/assessments/full_interview.toml" in names
    assert "grader/data/exercises/generators/tests/hidden/test_generators.py" in names
    assert not [name for name in names if name.startswith("tests/") or "__pycache__" in name]


def test_the_installed_package_finds_its_files_in_site_packages(installed: Installed) -> None:
    probe = "import grader.paths as p; print(p.EXERCISES_DIR); print(p.SANDBOX_DIR)"
    found = installed.run("python", "-c", probe).split()
    assert all("site-packages/grader/data/" in path for path in found), found
    assert not any(path.startswith(str(REPO)) for path in found), found


def test_version_and_catalog(installed: Installed) -> None:
    assert grader.__version__ in installed.run("grader", "--version")
    assert catalog_table(Catalog.load()) in installed.run("grader", "exercises", "--markdown")
    fixtures = REPO / "tests" / "fixtures" / "exercises"
    other = installed.run("grader", "exercises", "--markdown", "--exercises-dir", fixtures)
    assert catalog_table(Catalog.load(fixtures)) in other


def test_kit(installed: Installed, tmp_path: Path) -> None:
    installed.run("grader", "kit", tmp_path / "kit")
    kit = tmp_path / "kit"
    for name in ("README.md", "selfcheck.py", "requirements.txt", "generators/solution.py"):
        assert (kit / name).is_file(), name
    assert not list(kit.rglob("hidden"))


def test_grade_in_the_local_sandbox(installed: Installed, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    submission = REPO / "examples" / "submission"
    installed.run(
        "grade", submission, "--sandbox", "local", "-e", "generators", "-e", "closures",
        "--format", "json", "-o", report,
    )  # fmt: skip
    exercises = json.loads(report.read_text())["exercises"]
    assert {e["id"]: e["status"] for e in exercises} == {
        "generators": "passed",
        "closures": "passed",
    }


def test_validate_in_the_local_sandbox(installed: Installed) -> None:
    out = installed.run("grader", "validate", "circular_imports", "--sandbox", "local")
    assert "checks passed over 1 exercises" in out


@pytest.mark.docker
def test_sandbox_build_finds_the_image_files_in_the_package(
    installed: Installed, docker_client: DockerClient
) -> None:
    """The same tag as the checkout's proves the same Dockerfile, requirements and runner."""
    tag = docker_image(docker_client, log=print)
    assert installed.run("grader", "sandbox", "build").split()[-1] == tag
