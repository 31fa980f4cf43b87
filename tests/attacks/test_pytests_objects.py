"""pytest's objects hold every test's data; none may be within candidate code's reach.

The fixture catalog's hidden suite (tests/fixtures/seclusion) walks everything candidate code can
name, from sys.modules through attributes, containers, closures and weak references, and fails
naming the path to any config, session, item or fixture request it finds. It must pass, in both
sandboxes; `test_forgery` holds the forger that used the paths a plain pytest session leaves.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
CATALOG = Path(__file__).resolve().parent.parent / "fixtures" / "seclusion"


def test_nothing_of_pytests_is_within_reach(sandbox: str, tmp_path: Path) -> None:
    (tmp_path / "reach").mkdir()
    reference = CATALOG / "reach" / "reference" / "solution.py"
    (tmp_path / "reach" / "solution.py").write_bytes(reference.read_bytes())
    done = subprocess.run(
        [str(BIN / "grade"), str(tmp_path), "--sandbox", sandbox, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "GRADER_EXERCISES": str(CATALOG)},
    )
    assert done.returncode == 0, done.stderr
    (result,) = json.loads(done.stdout)["exercises"]
    assert result["status"] == "passed", "\n".join(t["message"] for t in result["tests"])
