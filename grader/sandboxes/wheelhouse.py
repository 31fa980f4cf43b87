"""The wheelhouse the sandbox image installs from: `pip download` on the host of the pinned
requirements for CPython 3.11 on manylinux x86_64 (so the host's own Python does not matter),
plus the pip that installs them, cached in a folder keyed by both."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from grader.paths import SANDBOX_REQUIREMENTS, cache_dir
from grader.sandboxes.build_step import ImageBuildError, Log, run_logged

WHEELHOUSE_CACHE = cache_dir() / "wheelhouse"

PYTHON_VERSION = "3.11"
PIP_VERSION = "26.3"
"""The pip that installs the wheelhouse inside the build; it is not left in the image."""
WHEEL_PLATFORMS: tuple[str, ...] = (
    *(f"manylinux_2_{minor}_x86_64" for minor in range(36, 4, -1)),  # glibc 2.36 = bookworm
    "manylinux2014_x86_64",
    "manylinux2010_x86_64",
    "manylinux1_x86_64",
)
PIP_TIMEOUT_S = 900.0


def wheelhouse_recipe() -> str:
    return json.dumps(
        {
            "python": PYTHON_VERSION,
            "implementation": "cp",
            "platforms": list(WHEEL_PLATFORMS),
            "pip": PIP_VERSION,
        },
        sort_keys=True,
    )


def download_wheelhouse(
    *,
    log: Log,
    requirements: Path = SANDBOX_REQUIREMENTS,
    cache_dir: Path = WHEELHOUSE_CACHE,
) -> Path:
    """Downloads the wheels of `requirements` (and pip) into a cached folder, and returns it.

    The folder is keyed by the requirements and the platform, so a stale one is never used;
    older keyed folders are removed.
    """
    if not requirements.is_file():
        raise ImageBuildError(f"{requirements} is missing")
    key = hashlib.sha256(
        (wheelhouse_recipe() + "\0").encode() + requirements.read_bytes()
    ).hexdigest()[:12]
    target = cache_dir / key
    if target.is_dir() and any(target.glob("pip-*.whl")):
        log(f"wheelhouse {target} is present")
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=cache_dir))
    command = [
        sys.executable, "-m", "pip", "download",
        "--disable-pip-version-check", "--no-input", "--progress-bar", "off",
        "--dest", str(partial),
        "--only-binary=:all:",
        "--implementation", "cp",
        "--python-version", PYTHON_VERSION,
        *(arg for platform in WHEEL_PLATFORMS for arg in ("--platform", platform)),
        "--requirement", str(requirements),
        f"pip=={PIP_VERSION}",
    ]  # fmt: skip
    log(f"pip download into {target} ...")
    try:
        code, tail = run_logged(command, timeout=PIP_TIMEOUT_S, log=log, prefix="pip: ")
        if code != 0:
            raise ImageBuildError(
                f"pip download of {requirements.name} failed (exit {code}): is PyPI (or the "
                "index in pip's configuration) reachable, and does every package have a "
                "CPython 3.11 manylinux x86_64 wheel? last lines:\n" + "\n".join(tail)
            )
        try:
            partial.rename(target)
        except OSError:  # another build filled it meanwhile
            if not any(target.glob("pip-*.whl")):
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    _remove_stale_wheelhouses(cache_dir, keep=target)
    return target


def _remove_stale_wheelhouses(cache_dir: Path, *, keep: Path) -> None:
    """Removes other keys' wheelhouses, and partial downloads a day old (killed builds)."""
    for other in cache_dir.iterdir():
        if other == keep or not other.is_dir():
            continue
        if re.fullmatch(r"[0-9a-f]{12}", other.name) or (
            re.fullmatch(r"\.[0-9a-f]{12}-.*", other.name)
            and time.time() - other.stat().st_mtime > 86400
        ):
            shutil.rmtree(other, ignore_errors=True)
