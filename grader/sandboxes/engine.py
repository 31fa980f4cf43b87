"""The Docker engine calls of the image build: look up, pull with a stall timeout, import a
tarball and build, each failure turned into an `ImageBuildError` for a person."""

from __future__ import annotations

import contextlib
import json
import time
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import docker
import docker.auth
import docker.errors
import requests
from docker import DockerClient

from grader.sandboxes.build_step import ERROR_TAIL_LINES, ImageBuildError, Log

PULL_STALL_TIMEOUT_S = 30.0
"""A pull that says nothing for this long is given up (the registry is taken as unreachable)."""
PULL_DEADLINE_S = 900.0
IMPORT_TIMEOUT_S = 600.0
BUILD_TIMEOUT_S = 1800.0


def check_engine(client: DockerClient) -> None:
    try:
        client.ping()
    except (docker.errors.DockerException, requests.RequestException) as error:
        raise ImageBuildError(
            f"no Docker engine answers ({error}); start it (e.g. `dockerd`) and check that "
            "this user may use its socket"
        ) from error


def get_image(client: DockerClient, name: str) -> Any | None:
    try:
        return client.images.get(name)
    except docker.errors.ImageNotFound:
        return None
    except (docker.errors.DockerException, requests.RequestException) as error:
        raise ImageBuildError(f"the Docker engine did not answer: {error}") from error


def _api_url(client: DockerClient, path: str) -> str:
    return f"{client.api.base_url}/v{client.api.api_version}{path}"


def _json_lines(
    response: requests.Response, deadline: float, what: str
) -> Iterator[dict[str, Any]]:
    """The JSON objects of an engine's progress stream, failing once `deadline` has passed."""
    try:
        for line in response.iter_lines():
            if time.monotonic() > deadline:
                raise ImageBuildError(f"{what} took too long and was given up")
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(item, dict):
                yield item
    except requests.RequestException as error:
        raise ImageBuildError(f"{what}: the Docker engine stopped answering ({error})") from error
    finally:
        response.close()


def _stream_error(item: dict[str, Any]) -> str | None:
    if "error" in item or "errorDetail" in item:
        detail = item.get("errorDetail") or {}
        return str(item.get("error") or detail.get("message") or item)
    return None


def _split_reference(image: str) -> tuple[str, str]:
    """`python:3.11-slim` -> (`python`, `3.11-slim`); a registry's port is not a tag."""
    name, sep, tag = image.rpartition(":")
    if sep and "/" not in tag:
        return name, tag
    return image, "latest"


def pull(client: DockerClient, image: str, *, log: Log) -> bool:
    """Pulls `image` with a stall timeout; says whether it worked (never raises for the network)."""
    repository, tag = _split_reference(image)
    params = {"fromImage": repository, "tag": tag}
    headers: dict[str, str] = {}
    with contextlib.suppress(Exception):
        registry, _ = docker.auth.resolve_repository_name(repository)
        header = docker.auth.get_config_header(client.api, registry)
        if header:
            headers["X-Registry-Auth"] = header.decode()
    log(f"pulling {image} ...")
    deadline = time.monotonic() + PULL_DEADLINE_S
    try:
        response = client.api.post(
            _api_url(client, "/images/create"),
            params=params,
            headers=headers,
            stream=True,
            timeout=(10, PULL_STALL_TIMEOUT_S),
        )
    except requests.RequestException as error:
        log(f"pull of {image} failed: {error}")
        return False
    if response.status_code >= 400:
        try:
            message = response.json().get("message", response.text)
        except ValueError:
            message = response.text
        response.close()
        log(f"pull of {image} failed: {str(message).strip()}")
        return False
    try:
        for item in _json_lines(response, deadline, f"pull of {image}"):
            if (problem := _stream_error(item)) is not None:
                log(f"pull of {image} failed: {problem}")
                return False
    except ImageBuildError as error:
        log(f"pull of {image} failed: {error.message}")
        return False
    return get_image(client, image) is not None


def import_tarball(
    client: DockerClient, tarball: Path, *, repository: str, tag: str, changes: Sequence[str]
) -> None:
    params: dict[str, str | list[str]] = {
        "fromSrc": "-",
        "repo": repository,
        "tag": tag,
        "changes": list(changes),
    }
    deadline = time.monotonic() + IMPORT_TIMEOUT_S
    try:
        with tarball.open("rb") as data:
            response = client.api.post(
                _api_url(client, "/images/create"),
                params=params,
                data=data,
                headers={"Content-Type": "application/tar"},
                stream=True,
                timeout=(10, IMPORT_TIMEOUT_S),
            )
    except requests.RequestException as error:
        raise ImageBuildError(f"docker import of the local base failed: {error}") from error
    if response.status_code >= 400:
        text = response.text.strip()
        response.close()
        raise ImageBuildError(f"docker import of the local base failed: {text}")
    for item in _json_lines(response, deadline, "docker import of the local base"):
        if (problem := _stream_error(item)) is not None:
            raise ImageBuildError(f"docker import of the local base failed: {problem}")


def docker_build(
    client: DockerClient,
    context: Path,
    *,
    tag: str,
    base: str,
    labels: dict[str, str],
    log: Log,
) -> None:
    """`docker build` of the tarred `context` with `--network none`, its output passed to `log`."""
    tail: deque[str] = deque(maxlen=ERROR_TAIL_LINES)
    deadline = time.monotonic() + BUILD_TIMEOUT_S
    failure: str | None = None
    try:
        with context.open("rb") as fileobj:
            stream = client.api.build(
                fileobj=fileobj,
                custom_context=True,
                tag=tag,
                buildargs={"BASE_IMAGE": base},
                labels=labels,
                network_mode="none",
                pull=False,
                rm=True,
                forcerm=True,
                decode=True,
                timeout=int(BUILD_TIMEOUT_S),
            )
            for item in stream:
                if not isinstance(item, dict):
                    continue
                text = item.get("stream") or item.get("status")
                if isinstance(text, str):
                    for line in text.splitlines():
                        if line.strip():
                            tail.append(line)
                            log(line)
                if (problem := _stream_error(item)) is not None:
                    failure = problem
                    break
                if time.monotonic() > deadline:
                    failure = f"the build took more than {BUILD_TIMEOUT_S:.0f} s"
                    break
    except (docker.errors.DockerException, requests.RequestException, OSError) as error:
        failure = f"the Docker engine stopped answering: {error}"
    except Exception as error:  # urllib3's read timeout surfaces unwrapped from the stream
        if type(error).__module__.split(".")[0] != "urllib3":
            raise
        failure = f"the Docker engine stopped answering: {error}"
    if failure is not None:
        raise ImageBuildError(
            f"docker build of {tag} failed: {failure}\nlast lines:\n" + "\n".join(tail)
        )
