"""Fixtures of the red team's suites (tests/attacks)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(params=["local", "docker"])
def sandbox(request: pytest.FixtureRequest) -> str:
    """Each attack runs in both sandboxes: the local one (needs root for its walls) and Docker."""
    if request.param == "docker":
        request.getfixturevalue("docker_sandbox")  # the engine answers and the image is built
    elif os.geteuid() != 0:
        pytest.skip("the local sandbox's walls need root")
    return str(request.param)
