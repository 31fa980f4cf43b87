"""Which sandbox grades: Docker wherever an engine answers, the local one only as a visible fallback."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import docker

from grader.errors import InfrastructureError
from grader.sandboxes import Sandbox
from grader.sandboxes.docker import DockerSandbox, connect
from grader.sandboxes.image import ImageBuildError, build_image, image_status
from grader.sandboxes.local import LocalSandbox

SandboxChoice = Literal["auto", "docker", "local"]
CHOICES: tuple[SandboxChoice, ...] = ("auto", "docker", "local")
Log = Callable[[str], None]


@dataclass(frozen=True)
class Chosen:
    sandbox: Sandbox
    warnings: list[str] = field(default_factory=list)


def _ignore(_: str) -> None:
    pass


def docker_image(client: docker.DockerClient, log: Log, *, build: bool = True) -> str:
    """The current image's tag, built first when it is missing or outdated (and `build`)."""
    try:
        status = image_status(client)
        if status.exists:
            return status.tag
        if not build:
            raise InfrastructureError(f"image {status.tag} is missing; run `grader sandbox build`")
        log(f"The sandbox image {status.tag} is missing or outdated: building it (once).")
        return build_image(client, log=log)
    except ImageBuildError as exc:
        raise InfrastructureError(f"cannot build the sandbox image: {exc.message}") from exc


def check_runtime(client: docker.DockerClient, runtime: str) -> None:
    try:
        runtimes = client.info().get("Runtimes", {})
    except docker.errors.DockerException as exc:
        raise InfrastructureError(f"docker: cannot read the engine's runtimes ({exc})") from exc
    if runtime not in runtimes:
        known = ", ".join(sorted(runtimes)) or "none"
        raise InfrastructureError(
            f"runtime {runtime!r} is not installed in the engine (it has: {known})"
        )


def choose_sandbox(
    choice: SandboxChoice,
    *,
    runtime: str | None = None,
    log: Log = _ignore,
    labels: Mapping[str, str] | None = None,
) -> Chosen:
    """Open the sandbox `choice` names. `auto` falls back to local only when no engine answers.
    `labels` go on every Docker container, so that whoever made one can find it again."""
    if choice == "local":
        local = LocalSandbox()
        return Chosen(local, local.warnings())
    try:
        client = connect()
    except InfrastructureError as exc:
        if choice == "docker":
            raise
        local = LocalSandbox()
        fallback = f"{exc}: fell back to the local sandbox"
        return Chosen(local, [fallback, *local.warnings()])
    if runtime:
        check_runtime(client, runtime)
    return Chosen(DockerSandbox(client, docker_image(client, log), runtime=runtime, labels=labels))
