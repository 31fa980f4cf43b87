"""The local sandbox's walls, tried as a hostile candidate would, through the real `grade` command.

Each submission answers the fixture exercise `adder` (four hidden tests, right answer `a + b`)
and turns what it could do into its score: `add` is right only when the attack failed (or, for
the theft, only when it succeeded), so a wall that is missing shows as a wrong verdict.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest

from grader.sandboxes.local import SCRATCH_LIMIT, bubblewrap_problem, runtime_dirs
from grader.sandboxes.workspace import RUNNER_DIR

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="the local sandbox's own user needs root"),
    pytest.mark.skipif(
        bubblewrap_problem() is not None, reason=f"no bubblewrap here: {bubblewrap_problem()}"
    ),
]

CHECKOUT = RUNNER_DIR.parent
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "exercises"
REFERENCE = FIXTURES / "adder" / "reference" / "solution.py"
BIN = Path(sys.executable).parent


def grade(
    tmp_path: Path, solution: str, *, python: Path | None = None, path: str = "/usr/bin:/bin"
) -> dict[str, Any]:
    """Grade `solution` for `adder` in the local sandbox; the JSON report."""
    submission = tmp_path / "submission"
    (submission / "adder").mkdir(parents=True)
    (submission / "adder" / "solution.py").write_text(textwrap.dedent(solution))
    command = [str(BIN / "grade")]
    if python is not None:
        command = [str(python), "-I", "-c", "from grader.cli import grade; grade()"]
    done = subprocess.run(
        [*command, str(submission), "--sandbox", "local", "--format", "json", "-e", "adder"],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": path, "GRADER_EXERCISES": str(FIXTURES)},
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def adder(report: dict[str, Any]) -> dict[str, Any]:
    (exercise,) = report["exercises"]
    assert exercise["id"] == "adder"
    return exercise


def test_a_submission_cannot_read_or_run_the_catalogs_references(tmp_path: Path) -> None:
    # It looks where a checkout's layout says, and where the runner's plugin says it is.
    report = grade(
        tmp_path,
        f"""
        import glob, os, sys
        places = [{str(REFERENCE)!r}, *glob.glob({str(CHECKOUT)!r} + "/exercises/*/reference/*.py")]
        plugin = sys.modules.get("plugin")
        if plugin is not None:
            here = os.path.dirname(os.path.realpath(plugin.__file__))
            places += glob.glob(here + "/../**/reference/*.py", recursive=True)
        stolen = {{}}
        for place in places:
            try:
                with open(place) as f:
                    exec(f.read(), stolen)
            except OSError:
                pass
        def add(a, b):
            if "add" in stolen:
                return stolen["add"](a, b)
            return a - b
        """,
    )
    exercise = adder(report)
    assert exercise["status"] == "failed", exercise
    assert exercise["score"] == 0
    assert not any("mount namespace" in warning for warning in report["warnings"])


def test_writes_stop_at_the_scratch_cap_and_never_reach_the_hosts_tmp(tmp_path: Path) -> None:
    marker = f"grader-flood-{uuid.uuid4().hex}"
    chunk = 8 << 20
    try:
        report = grade(
            tmp_path,
            f"""
            import os
            def flood(folder, limit={2 * SCRATCH_LIMIT}):
                written, block = 0, b"x" * {chunk}
                for n in range(limit // {chunk}):
                    try:
                        with open(os.path.join(folder, f"{marker}-{{n}}"), "wb") as f:
                            f.write(block)
                    except OSError:
                        break
                    written += len(block)
                return written
            WRITTEN = []
            def add(a, b):
                # At the first call, not at import: pytest needs room in the scratch to start.
                if not WRITTEN:
                    WRITTEN.append(flood(os.getcwd()) + flood("/tmp"))
                return a + b if 0 < WRITTEN[0] <= {SCRATCH_LIMIT} else a - b
            """,
        )
        exercise = adder(report)
        assert exercise["status"] == "passed", exercise
    finally:
        leaked = list(Path("/tmp").glob(f"{marker}*"))
        for path in leaked:
            path.unlink()
    assert leaked == []


def test_the_root_shows_no_checkout_no_home_and_no_host_tmp(tmp_path: Path) -> None:
    # What may show of the host: the system's folders, the folders bound for Python and the
    # parents leading to them; nothing else at the top, in /root, /home or the checkout.
    shown = {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/usr", "/etc", "/proc"}
    shown |= {"/dev", "/tmp", "/run"}
    for folder in runtime_dirs(sys.executable):
        shown |= {folder, *map(str, Path(folder).parents)}
    host_tmp = Path("/tmp") / f"grader-host-{uuid.uuid4().hex}"
    host_tmp.mkdir()
    try:
        report = grade(
            tmp_path,
            f"""
            import os
            seen = [
                os.path.join(top, name)
                for top in ("/", "/root", "/home", {str(CHECKOUT)!r})
                if os.path.isdir(top)
                for name in os.listdir(top)
            ]
            UNEXPECTED = [path for path in seen if path not in {sorted(shown)!r}]
            if os.path.exists({str(host_tmp)!r}):
                UNEXPECTED.append({str(host_tmp)!r})
            def add(a, b):
                assert not UNEXPECTED, UNEXPECTED
                return a + b
            """,
        )
    finally:
        host_tmp.rmdir()
    exercise = adder(report)
    assert exercise["status"] == "passed", exercise


@pytest.mark.parametrize("closed_venv", [False, True], ids=["closed-parent", "closed-venv"])
def test_grades_when_the_graders_files_sit_in_a_folder_the_sandbox_user_cannot_enter(
    tmp_path: Path, closed_venv: bool
) -> None:
    """The grader, its runner folder and its virtualenv all live under a 0700 folder.

    And with `closed_venv`, the virtualenv's own folder is 0700 too (`python -m venv` straight
    into a `mktemp -d` folder).

    The cheapest honest copy: `python -m venv --without-pip` there, the project's installed
    packages hard-linked into its site-packages (no download, no copy of 140 MB), the editable
    install's finder dropped, and copies of `grader/` and `sandbox/` put on its sys.path by a
    `.pth`. Nothing of it is reachable through a path the sandbox user may traverse.
    """
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    for name in ("grader", "sandbox"):
        shutil.copytree(
            CHECKOUT / name, closed / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    venv = closed / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    site = venv / "lib" / version / "site-packages"
    shutil.rmtree(site)
    ours = Path(sys.prefix) / "lib" / version / "site-packages"
    try:
        shutil.copytree(ours, site, copy_function=os.link, ignore=_editable)
    except (OSError, shutil.Error):  # another file system: a real copy
        shutil.rmtree(site, ignore_errors=True)
        shutil.copytree(ours, site, ignore=_editable)
    (site / "grader-under-test.pth").write_text(f"{closed}\n")
    if closed_venv:
        venv.chmod(0o700)
    python = venv / "bin" / "python"
    where = subprocess.run(
        [str(python), "-I", "-c", "import grader; print(grader.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(closed)), where.stdout
    report = grade(tmp_path, REFERENCE.read_text(), python=python)
    exercise = adder(report)
    assert exercise["status"] == "passed", exercise
    assert exercise["score"] == exercise["max_score"] > 0


def _editable(folder: str, names: list[str]) -> list[str]:
    return [name for name in names if name.startswith("__editable__") or name == "__pycache__"]


def test_without_bubblewrap_the_report_names_each_missing_wall(tmp_path: Path) -> None:
    # No bwrap on PATH: the walls that come with it are gone, and the report says which.
    report = grade(tmp_path, REFERENCE.read_text(), path="/nonexistent")
    assert adder(report)["status"] == "passed"
    warnings = "\n".join(report["warnings"])
    assert "no mount namespace" in warnings and "bubblewrap is not installed" in warnings
    assert "no scratch cap" in warnings
    assert "no own user" not in warnings  # run as root: that wall stands
    done = subprocess.run(
        [str(BIN / "grader"), "doctor"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/nonexistent", "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    assert "mount namespace, scratch cap" in done.stdout
