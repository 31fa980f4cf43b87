"""What is available on this machine for grading, for `grader doctor`."""

from __future__ import annotations

import os

import docker

from grader.errors import InfrastructureError
from grader.sandboxes.docker import connect
from grader.sandboxes.image import ImageBuildError, image_status
from grader.sandboxes.local import SCRATCH_LIMIT, LocalSandbox, bubblewrap_problem


def diagnose(runtime: str | None = None) -> dict[str, str]:
    """One line per fact, in the order a person checks them."""
    facts: dict[str, str] = {}
    try:
        client = connect(timeout=10)
    except InfrastructureError as exc:
        facts["docker engine"] = f"not available: {exc}"
        client = None
    if client is not None:
        facts["docker engine"] = f"answers (version {client.version().get('Version', '?')})"
        facts["sandbox image"] = _image(client)
        runtimes = sorted(client.info().get("Runtimes", {}))
        facts["container runtimes"] = ", ".join(runtimes) or "none"
        if runtime:
            facts[f"runtime {runtime}"] = "installed" if runtime in runtimes else "NOT installed"
    root = os.geteuid() == 0
    local = LocalSandbox()
    facts["local sandbox user"] = "a uid of its own (run as root)" if root else "your own user"
    why = bubblewrap_problem(local.python)
    facts["local mount namespace"] = (
        f"yes (bubblewrap: only the workspace, the Python runtime and a"
        f" {SCRATCH_LIMIT >> 20} MiB scratch are visible; no network)"
        if why is None
        else f"no: {why}"
    )
    missing = local.missing_walls()
    facts["local walls missing"] = ", ".join(missing) or "none"
    facts["--sandbox auto picks"] = (
        "docker" if client is not None else "local (with a warning: not a security boundary)"
    )
    return facts


def _image(client: docker.DockerClient) -> str:
    try:
        status = image_status(client)
    except ImageBuildError as exc:
        return f"unknown: {exc.message}"
    if status.exists:
        return f"{status.tag} (up to date)"
    return f"{status.tag} missing or outdated: `grader sandbox build` (grade builds it when needed)"
