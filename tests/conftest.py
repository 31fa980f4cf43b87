"""Shared fixtures."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import docker.errors
import pytest
import requests
from docker import DockerClient

from grader.sandboxes.choice import docker_image
from grader.sandboxes.docker import DockerSandbox

REQUIRE_DOCKER_ENV = "GRADER_REQUIRE_DOCKER"


@pytest.fixture(scope="session")
def docker_client() -> Iterator[DockerClient]:
    """A client of the local Docker engine.

    Skips the test when no engine answers, unless GRADER_REQUIRE_DOCKER=1, which makes that a
    failure (for CI, where a silently skipped sandbox test would hide a broken machine).
    """
    try:
        client = docker.from_env(timeout=60)
        client.ping()
    except (docker.errors.DockerException, requests.RequestException, OSError) as error:
        reason = f"no Docker engine answers: {error}"
        if os.environ.get(REQUIRE_DOCKER_ENV) == "1":
            pytest.fail(f"{REQUIRE_DOCKER_ENV}=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture(scope="session")
def docker_sandbox(docker_client: DockerClient) -> DockerSandbox:
    """The Docker sandbox on the current image, built first if it is missing (once per session)."""
    return DockerSandbox(docker_client, docker_image(docker_client, log=print))


def _processes_with(marker: str) -> list[int]:
    """Pids of the processes whose command line, or a file they hold open, names `marker` (left
    behind, if any): candidate code may not start programs, so a forked child is found by a
    file it inherited."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
                continue
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if marker in os.readlink(fd):
                        found.append(int(entry.name))
                        break
        except OSError:
            continue
    return found


@pytest.fixture
def processes_with() -> Callable[[str], list[int]]:
    """Finds processes by a marker in their command line: to prove none outlived a grading."""
    return _processes_with
