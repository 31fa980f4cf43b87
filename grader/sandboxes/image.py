"""The sandbox image that grades candidate code, built without any image registry.

The image is `grader-sandbox:<12 hex>`, where the hex is a hash of everything that goes into it
(sandbox/Dockerfile, sandbox/requirements.txt, the runner's files -- every other top-level file of
sandbox/ such as runner.py, plugin.py and pytest.ini -- the base image reference and the wheelhouse
recipe), so an image built from other inputs is never taken for the current one.

`build_image` makes it in three steps, none of which needs network inside a container:

1. the base: the official `python:3.11-slim-bookworm` when it is present or can be pulled, else
   a local `grader-base:bookworm` made with debootstrap from the Debian mirror that the host's
   apt configuration names, and imported with `docker import` (cached while its recipe holds);
2. the wheelhouse: `pip download` on the host of sandbox/requirements.txt for CPython 3.11 on
   manylinux x86_64, cached in the grader's cache (grader/sandboxes/wheelhouse.py);
3. `docker build` of sandbox/Dockerfile with `--network none`, installing from the wheelhouse.

This module makes the tag and runs the steps; debian.py, wheelhouse.py and engine.py do them.
Every failure is raised as `ImageBuildError` with a message meant for a person.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docker import DockerClient

from grader.paths import SANDBOX_DIR
from grader.sandboxes.build_step import LABEL_BASE, RECIPE_VERSION, ImageBuildError, Log
from grader.sandboxes.debian import LOCAL_BASE_IMAGE, base_recipe_digest, build_local_base
from grader.sandboxes.engine import check_engine, docker_build, get_image, pull
from grader.sandboxes.wheelhouse import WHEELHOUSE_CACHE, download_wheelhouse, wheelhouse_recipe

__all__ = [
    "LABEL_BASE",
    "SANDBOX_DIR",
    "ImageBuildError",
    "build_image",
    "grader_files",
    "image_status",
    "image_tag",
]

IMAGE_REPOSITORY = "grader-sandbox"
PYTHON_BASE_IMAGE = "python:3.11-slim-bookworm"
BASE_IMAGE_ENV = "GRADER_SANDBOX_BASE"
"""Names a base image to use instead of choosing one (it must exist locally or be pullable)."""

IMAGE_LABEL = "grader.sandbox"  # on every sandbox image (containers carry docker.CONTAINER_LABEL)
LABEL_INPUTS = "grader.sandbox.inputs"


# --------------------------------------------------------------------------------------------
# The tag


_NOT_COPIED = {"Dockerfile", "requirements.txt"}


def grader_files(sandbox_dir: Path = SANDBOX_DIR) -> list[Path]:
    """The runner's files, copied to /opt/grader/: every top-level file of `sandbox_dir` but the
    Dockerfile, requirements.txt, Markdown and hidden files (so runner.py, plugin.py, pytest.ini).
    """
    return sorted(
        path
        for path in sandbox_dir.iterdir()
        if path.is_file()
        and path.name not in _NOT_COPIED
        and not path.name.startswith(".")
        and path.suffix.lower() != ".md"
    )


def _sandbox_files(sandbox_dir: Path) -> list[Path]:
    required = [sandbox_dir / "Dockerfile", sandbox_dir / "requirements.txt"]
    for path in required:
        if not path.is_file():
            raise ImageBuildError(f"the sandbox image needs {path}, which is missing")
    return [*required, *grader_files(sandbox_dir)]


def _add(digest: Any, name: str, data: bytes) -> None:
    digest.update(f"{name}\0{len(data)}\0".encode())
    digest.update(data)


def recipe_digest(sandbox_dir: Path = SANDBOX_DIR) -> str:
    """The sha256 of what the image is built from apart from its base (the recipe, the pinned
    wheels, the runner's files): two machines with the same one grade in the same sandbox,
    whichever base each made; the service's jobs carry it (grader/service/queue.py)."""
    digest = hashlib.sha256()
    _add(digest, "recipe", RECIPE_VERSION.encode())
    _add(digest, "wheels", wheelhouse_recipe().encode())
    for path in _sandbox_files(sandbox_dir):
        _add(digest, f"file:{path.name}", path.read_bytes())
    return digest.hexdigest()


def inputs_digest(base_image: str, sandbox_dir: Path = SANDBOX_DIR) -> str:
    """The full sha256 of every input of the image built on `base_image`."""
    digest = hashlib.sha256()
    _add(digest, "base", base_image.encode())
    if base_image == LOCAL_BASE_IMAGE:
        _add(digest, "base-recipe", base_recipe_digest().encode())
    _add(digest, "sandbox", recipe_digest(sandbox_dir).encode())
    return digest.hexdigest()


def image_tag(base_image: str, sandbox_dir: Path = SANDBOX_DIR) -> str:
    """`grader-sandbox:<12 hex>` for the image built from `sandbox_dir` on `base_image`."""
    return f"{IMAGE_REPOSITORY}:{inputs_digest(base_image, sandbox_dir)[:12]}"


# --------------------------------------------------------------------------------------------
# Status


@dataclass(frozen=True)
class ImageStatus:
    """Whether the image for the current inputs exists; `tag` is the one to run or to build."""

    tag: str
    base_image: str
    exists: bool


def _candidate_bases() -> list[str]:
    override = os.environ.get(BASE_IMAGE_ENV, "").strip()
    if override:
        return [override]
    return [PYTHON_BASE_IMAGE, LOCAL_BASE_IMAGE]


def image_status(
    client: DockerClient, *, base_image: str | None = None, sandbox_dir: Path = SANDBOX_DIR
) -> ImageStatus:
    """Says whether the image for the current inputs exists, on any base that could be chosen.

    With no image yet, `tag` is the one a build would make on the base present now (the python
    image, else the local base), which a build may still change if a pull succeeds.
    """
    bases = [base_image] if base_image else _candidate_bases()
    for base in bases:
        tag = image_tag(base, sandbox_dir)
        if get_image(client, tag) is not None:
            return ImageStatus(tag=tag, base_image=base, exists=True)
    present = [base for base in bases if get_image(client, base) is not None]
    base = present[0] if present else bases[0]
    return ImageStatus(tag=image_tag(base, sandbox_dir), base_image=base, exists=False)


# --------------------------------------------------------------------------------------------
# The build


def ensure_base_image(client: DockerClient, *, log: Log, base_image: str | None = None) -> str:
    """The base to build on: the python image if present or pullable, else the local base."""
    override = base_image or os.environ.get(BASE_IMAGE_ENV, "").strip()
    if override:
        if get_image(client, override) is not None or pull(client, override, log=log):
            return override
        raise ImageBuildError(f"the base image {override} is neither present nor pullable")
    if get_image(client, PYTHON_BASE_IMAGE) is not None:
        log(f"{PYTHON_BASE_IMAGE} is present")
        return PYTHON_BASE_IMAGE
    if pull(client, PYTHON_BASE_IMAGE, log=log):
        return PYTHON_BASE_IMAGE
    log(f"no registry: using the local base {LOCAL_BASE_IMAGE}")
    return build_local_base(client, log=log)


def _write_context(tarball: Path, sandbox_dir: Path, wheelhouse: Path) -> None:
    """The build context: Dockerfile, requirements.txt, wheelhouse/*.whl and grader/ (the
    runner's files)."""

    def normalized(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        info.mtime = 0
        return info

    with tarfile.open(tarball, "w") as tar:
        tar.add(sandbox_dir / "Dockerfile", "Dockerfile", filter=normalized)
        tar.add(sandbox_dir / "requirements.txt", "requirements.txt", filter=normalized)
        for name in ("wheelhouse", "grader"):
            folder = tarfile.TarInfo(name)
            folder.type = tarfile.DIRTYPE
            folder.mode = 0o755
            tar.addfile(folder)
        for wheel in sorted(wheelhouse.glob("*.whl")):
            tar.add(wheel, f"wheelhouse/{wheel.name}", filter=normalized)
        for source in grader_files(sandbox_dir):
            tar.add(source, f"grader/{source.name}", filter=normalized)


def build_image(
    client: DockerClient,
    *,
    log: Log,
    base_image: str | None = None,
    sandbox_dir: Path = SANDBOX_DIR,
    wheelhouse_cache: Path = WHEELHOUSE_CACHE,
    force: bool = False,
) -> str:
    """Builds the sandbox image for the current inputs (unless it exists) and returns its tag.

    `log` receives progress and the build's output, one line per call. Nothing inside a
    container needs the network: the build runs with `--network none`.
    """
    check_engine(client)
    status = image_status(client, base_image=base_image, sandbox_dir=sandbox_dir)
    if status.exists and not force:
        log(f"{status.tag} is up to date")
        return status.tag

    started = time.monotonic()
    base = ensure_base_image(client, log=log, base_image=base_image)
    log(f"base {base} ready in {time.monotonic() - started:.1f} s")
    tag = image_tag(base, sandbox_dir)
    if not force and get_image(client, tag) is not None:
        log(f"{tag} is up to date")
        return tag

    started = time.monotonic()
    wheelhouse = download_wheelhouse(
        log=log, requirements=sandbox_dir / "requirements.txt", cache_dir=wheelhouse_cache
    )
    log(f"wheelhouse ready in {time.monotonic() - started:.1f} s")

    started = time.monotonic()
    digest = inputs_digest(base, sandbox_dir)
    with tempfile.TemporaryDirectory(prefix="grader-context-") as scratch:
        context = Path(scratch) / "context.tar"
        _write_context(context, sandbox_dir, wheelhouse)
        log(f"building {tag} on {base} ...")
        labels = {IMAGE_LABEL: "1", LABEL_INPUTS: digest, LABEL_BASE: base}
        docker_build(client, context, tag=tag, base=base, labels=labels, log=log)
    if get_image(client, tag) is None:
        raise ImageBuildError(f"the build of {tag} ended without an image")
    log(f"image {tag} built in {time.monotonic() - started:.1f} s")
    return tag
