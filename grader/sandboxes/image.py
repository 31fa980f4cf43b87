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
   manylinux x86_64, cached in .cache/wheelhouse/<key>/;
3. `docker build` of sandbox/Dockerfile with `--network none`, installing from the wheelhouse.

Every failure is raised as `ImageBuildError` with a message meant for a person.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.auth
import docker.errors
import requests
from docker import DockerClient

REPO_ROOT = Path(__file__).resolve().parents[2]
SANDBOX_DIR = REPO_ROOT / "sandbox"
WHEELHOUSE_CACHE = REPO_ROOT / ".cache" / "wheelhouse"

IMAGE_REPOSITORY = "grader-sandbox"
PYTHON_BASE_IMAGE = "python:3.11-slim-bookworm"
LOCAL_BASE_IMAGE = "grader-base:bookworm"
BASE_IMAGE_ENV = "GRADER_SANDBOX_BASE"
"""Names a base image to use instead of choosing one (it must exist locally or be pullable)."""
MIRROR_ENV = "GRADER_DEBIAN_MIRROR"
"""Names the Debian mirror for debootstrap instead of reading it from the apt configuration."""

LABEL = "grader.sandbox"
LABEL_INPUTS = "grader.sandbox.inputs"
LABEL_BASE = "grader.sandbox.base"
LABEL_BASE_RECIPE = "grader.sandbox.base-recipe"

DEBIAN_SUITE = "bookworm"
BASE_PACKAGES: tuple[str, ...] = ("python3",)
"""Installed by debootstrap into the minbase root (python3 brings /usr/bin/python3.11)."""

PYTHON_VERSION = "3.11"
PIP_VERSION = "26.3"
"""The pip that installs the wheelhouse inside the build; it is not left in the image."""
WHEEL_PLATFORMS: tuple[str, ...] = (
    *(f"manylinux_2_{minor}_x86_64" for minor in range(36, 4, -1)),  # glibc 2.36 = bookworm
    "manylinux2014_x86_64",
    "manylinux2010_x86_64",
    "manylinux1_x86_64",
)
RUNTIME_USER = "10001:10001"
"""The uid:gid the Dockerfile runs as (user `runner`, home /tmp)."""

RECIPE_VERSION = "1"
"""Bump to invalidate every image and wheelhouse when this module's recipe changes."""

PULL_STALL_TIMEOUT_S = 30.0
"""A pull that says nothing for this long is given up (the registry is taken as unreachable)."""
PULL_DEADLINE_S = 900.0
DEBOOTSTRAP_TIMEOUT_S = 1200.0
IMPORT_TIMEOUT_S = 600.0
PIP_TIMEOUT_S = 900.0
BUILD_TIMEOUT_S = 1800.0
MIRROR_PROBE_TIMEOUT_S = 20.0

_ERROR_TAIL_LINES = 25

Log = Callable[[str], None]


class ImageBuildError(Exception):
    """The sandbox image could not be found or made; `message` says why, for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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


def base_recipe_digest() -> str:
    """A hash of how `grader-base:bookworm` is made (not of the mirror it is made from)."""
    recipe = {
        "recipe": RECIPE_VERSION,
        "suite": DEBIAN_SUITE,
        "variant": "minbase",
        "packages": list(BASE_PACKAGES),
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


def inputs_digest(base_image: str, sandbox_dir: Path = SANDBOX_DIR) -> str:
    """The full sha256 of every input of the image built on `base_image`."""
    digest = hashlib.sha256()

    def add(name: str, data: bytes) -> None:
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)

    add("recipe", RECIPE_VERSION.encode())
    add("base", base_image.encode())
    if base_image == LOCAL_BASE_IMAGE:
        add("base-recipe", base_recipe_digest().encode())
    add("wheels", _wheelhouse_recipe().encode())
    for path in _sandbox_files(sandbox_dir):
        add(f"file:{path.name}", path.read_bytes())
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
    image_id: str | None = None
    size_bytes: int | None = None


def _get_image(client: DockerClient, name: str) -> Any | None:
    try:
        return client.images.get(name)
    except docker.errors.ImageNotFound:
        return None
    except (docker.errors.DockerException, requests.RequestException) as error:
        raise ImageBuildError(f"the Docker engine did not answer: {error}") from error


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
        image = _get_image(client, tag)
        if image is not None:
            return ImageStatus(
                tag=tag,
                base_image=base,
                exists=True,
                image_id=str(image.id),
                size_bytes=int(image.attrs.get("Size", 0)),
            )
    present = [base for base in bases if _get_image(client, base) is not None]
    base = present[0] if present else bases[0]
    return ImageStatus(tag=image_tag(base, sandbox_dir), base_image=base, exists=False)


# --------------------------------------------------------------------------------------------
# The apt configuration


@dataclass(frozen=True)
class AptSource:
    """One source of the apt configuration, from either format."""

    types: tuple[str, ...]
    uris: tuple[str, ...]
    suites: tuple[str, ...]
    components: tuple[str, ...]
    signed_by: str | None = None
    enabled: bool = True


@dataclass(frozen=True)
class DebianMirror:
    uri: str
    keyring: str | None
    """A keyring file for debootstrap's --keyring, when the source names one that exists."""


def parse_deb822_sources(text: str) -> list[AptSource]:
    """Parses a deb822 `.sources` file (stanzas of `Field: value`, blank-line separated)."""
    stanzas: list[dict[str, str]] = []
    fields: dict[str, str] = {}
    key: str | None = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.startswith("#"):
            continue
        if not line.strip():
            if fields:
                stanzas.append(fields)
            fields, key = {}, None
            continue
        if line[0] in " \t":
            if key is not None:
                more = line.strip()
                fields[key] += "\n" + ("" if more == "." else more)
            continue
        name, sep, value = line.partition(":")
        if not sep:
            continue
        key = name.strip().lower()
        fields[key] = value.strip()
    if fields:
        stanzas.append(fields)

    sources = []
    for stanza in stanzas:
        signed_by = stanza.get("signed-by", "").strip() or None
        sources.append(
            AptSource(
                types=tuple(stanza.get("types", "").split()),
                uris=tuple(stanza.get("uris", "").split()),
                suites=tuple(stanza.get("suites", "").split()),
                components=tuple(stanza.get("components", "").split()),
                signed_by=signed_by,
                enabled=stanza.get("enabled", "yes").strip().lower() not in {"no", "false", "0"},
            )
        )
    return sources


_ONE_LINE = re.compile(r"^(?P<type>deb(?:-src)?)\s+(?:\[(?P<options>[^\]]*)\]\s*)?(?P<rest>.*)$")


def parse_one_line_sources(text: str) -> list[AptSource]:
    """Parses a one-line-style `sources.list`: `deb [opt=value ...] uri suite component...`."""
    sources = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        match = _ONE_LINE.match(line)
        if match is None:
            continue
        words = match["rest"].split()
        if len(words) < 2:
            continue
        options: dict[str, str] = {}
        for option in (match["options"] or "").split():
            name, _, value = option.partition("=")
            options[name.strip().lower()] = value.strip()
        sources.append(
            AptSource(
                types=(match["type"],),
                uris=(words[0],),
                suites=(words[1],),
                components=tuple(words[2:]),
                signed_by=options.get("signed-by") or None,
            )
        )
    return sources


def read_apt_sources(apt_dir: Path = Path("/etc/apt")) -> list[AptSource]:
    """Every source in `sources.list`, `sources.list.d/*.list` and `sources.list.d/*.sources`."""
    sources: list[AptSource] = []
    one_line = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]
    for path in one_line:
        if path.is_file():
            sources += parse_one_line_sources(path.read_text(errors="replace"))
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        sources += parse_deb822_sources(path.read_text(errors="replace"))
    return sources


def _keyring_file(signed_by: str | None) -> str | None:
    if not signed_by or "-----BEGIN" in signed_by:
        return None
    for word in signed_by.replace(",", " ").split():
        if word.startswith("/") and Path(word).is_file():
            return word
    return None


def find_debian_mirror(sources: Iterable[AptSource], suite: str = DEBIAN_SUITE) -> DebianMirror:
    """The mirror of the first enabled binary source for `suite`'s main component.

    Failing an exact suite, a source of another plain Debian release (not -security, -updates or
    -backports) is taken, since one Debian mirror serves every release.
    """
    usable = [
        source
        for source in sources
        if source.enabled
        and "deb" in source.types
        and (not source.components or "main" in source.components)
    ]

    def mirror_of(source: AptSource) -> DebianMirror | None:
        for uri in source.uris:
            if re.match(r"^(https?|ftp|file)://", uri):
                return DebianMirror(uri=uri.rstrip("/"), keyring=_keyring_file(source.signed_by))
        return None

    for source in usable:
        if suite in source.suites and (mirror := mirror_of(source)) is not None:
            return mirror
    for source in usable:
        looks_debian = any("debian" in text for text in (*source.uris, source.signed_by or ""))
        plain = any("-" not in name and "/" not in name for name in source.suites)
        if looks_debian and plain and (mirror := mirror_of(source)) is not None:
            return mirror
    raise ImageBuildError(
        f"no Debian mirror for {suite} in the apt configuration (/etc/apt/sources.list, "
        f"/etc/apt/sources.list.d/*.list and *.sources); set {MIRROR_ENV} to one's URL"
    )


# --------------------------------------------------------------------------------------------
# Engine helpers


def _check_engine(client: DockerClient) -> None:
    try:
        client.ping()
    except (docker.errors.DockerException, requests.RequestException) as error:
        raise ImageBuildError(
            f"no Docker engine answers ({error}); start it (e.g. `dockerd`) and check that "
            "this user may use its socket"
        ) from error


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


def _pull(client: DockerClient, image: str, *, log: Log) -> bool:
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
    return _get_image(client, image) is not None


def _import_tarball(
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


# --------------------------------------------------------------------------------------------
# The base


class _Killer:
    """Kills a process group once a deadline passes (its output loop then ends)."""

    def __init__(self, process: subprocess.Popen[str], deadline: float) -> None:
        self.fired = False
        self._process = process
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, 9)

    def cancel(self) -> None:
        self._timer.cancel()


def _run_logged(
    command: Sequence[str],
    *,
    timeout: float,
    log: Log,
    prefix: str,
    env: dict[str, str] | None = None,
) -> tuple[int, list[str]]:
    """Runs `command`, passing its output to `log` line by line; returns (code, last lines)."""
    tail: deque[str] = deque(maxlen=_ERROR_TAIL_LINES)
    deadline = time.monotonic() + timeout
    with subprocess.Popen(
        list(command),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
        env=env,
        start_new_session=True,
    ) as process:
        assert process.stdout is not None
        timer = _Killer(process, deadline)
        try:
            for line in process.stdout:
                line = line.rstrip()
                tail.append(line)
                log(f"{prefix}{line}")
        finally:
            timer.cancel()
        code = process.wait()
    if timer.fired:
        raise ImageBuildError(
            f"`{command[0]}` took more than {timeout:.0f} s and was stopped; last lines:\n"
            + "\n".join(tail)
        )
    return code, list(tail)


def _unmount_under(root: Path) -> None:
    """Unmounts whatever an interrupted debootstrap left mounted inside `root`."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return
    prefix = str(root.resolve()) + "/"
    points = [line.split()[1] for line in mounts if len(line.split()) > 1]
    for point in sorted((p for p in points if p.startswith(prefix)), key=len, reverse=True):
        subprocess.run(["umount", "-l", point], check=False, capture_output=True, timeout=60)


def _trim_root(root: Path) -> None:
    """Drops what a grading sandbox never reads: apt caches and lists, docs, man pages, locales."""
    for pattern in (
        "var/cache/apt/*",
        "var/lib/apt/lists/*",
        "usr/share/doc/*",
        "usr/share/man/*",
        "usr/share/info/*",
        "usr/share/lintian/*",
        "var/log/*",
        "var/cache/debconf/*-old",
    ):
        for path in root.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
    locale = root / "usr/share/locale"
    for path in locale.glob("*"):
        if path.name == "locale.alias":
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    # Keep them out should anyone install a package into a derived image.
    nodoc = root / "etc/dpkg/dpkg.cfg.d/01-grader-nodoc"
    nodoc.parent.mkdir(parents=True, exist_ok=True)
    nodoc.write_text(
        "path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\n"
        "path-exclude /usr/share/info/*\npath-exclude /usr/share/locale/*\n"
        "path-include /usr/share/locale/locale.alias\n"
    )


def _mirror() -> DebianMirror:
    override = os.environ.get(MIRROR_ENV, "").strip()
    if override:
        return DebianMirror(uri=override.rstrip("/"), keyring=None)
    return find_debian_mirror(read_apt_sources())


def _probe_mirror(mirror: DebianMirror) -> None:
    if not mirror.uri.startswith(("http://", "https://")):
        return
    url = f"{mirror.uri}/dists/{DEBIAN_SUITE}/Release"
    try:
        with urllib.request.urlopen(url, timeout=MIRROR_PROBE_TIMEOUT_S) as response:
            response.read(1)
    except (urllib.error.URLError, OSError) as error:
        raise ImageBuildError(
            f"the Debian mirror {mirror.uri} (from the apt configuration) is unreachable: "
            f"{error}; check the network, or set {MIRROR_ENV}"
        ) from error


def _find_debootstrap() -> str | None:
    found = shutil.which("debootstrap")
    if found:
        return found
    # /usr/sbin is not on every user's PATH.
    return next(
        (p for p in ("/usr/sbin/debootstrap", "/sbin/debootstrap") if Path(p).is_file()), None
    )


def build_local_base(client: DockerClient, *, log: Log) -> str:
    """Makes `grader-base:bookworm` with debootstrap and `docker import`, unless it is current."""
    recipe = base_recipe_digest()
    existing = _get_image(client, LOCAL_BASE_IMAGE)
    if existing is not None:
        labels = existing.attrs.get("Config", {}).get("Labels") or {}
        if labels.get(LABEL_BASE_RECIPE) == recipe:
            log(f"{LOCAL_BASE_IMAGE} is present and current")
            return LOCAL_BASE_IMAGE
        log(f"{LOCAL_BASE_IMAGE} was made by another recipe; making it again")

    debootstrap = _find_debootstrap()
    if debootstrap is None:
        raise ImageBuildError(
            "no image registry answers, so the base must be made locally, and debootstrap is "
            "missing: run `apt-get update && apt-get install -y debootstrap` (as root)"
        )
    if os.geteuid() != 0:
        raise ImageBuildError(
            f"making the local base {LOCAL_BASE_IMAGE} with debootstrap needs root; run the "
            "build as root once (the image is then cached)"
        )
    if shutil.which("tar") is None:
        raise ImageBuildError("tar is missing; it is needed to import the local base")
    mirror = _mirror()
    _probe_mirror(mirror)

    scratch_parent = Path("/var/tmp") if Path("/var/tmp").is_dir() else None
    with tempfile.TemporaryDirectory(prefix="grader-base-", dir=scratch_parent) as scratch:
        root = Path(scratch) / "root"
        command = [
            debootstrap,
            "--variant=minbase",
            f"--include={','.join(BASE_PACKAGES)}",
        ]
        if mirror.keyring:
            command.append(f"--keyring={mirror.keyring}")
        command += [DEBIAN_SUITE, str(root), mirror.uri]
        log(f"debootstrap {DEBIAN_SUITE} from {mirror.uri} ...")
        try:
            code, tail = _run_logged(
                command, timeout=DEBOOTSTRAP_TIMEOUT_S, log=log, prefix="debootstrap: "
            )
            if code != 0:
                raise ImageBuildError(
                    f"debootstrap of {DEBIAN_SUITE} from {mirror.uri} failed (exit {code}); "
                    "last lines:\n" + "\n".join(tail)
                )
        finally:
            _unmount_under(root)
        _trim_root(root)
        tarball = Path(scratch) / "base.tar"
        tar = [
            "tar", "--numeric-owner", "-C", str(root),
            "--exclude=./dev/*", "--exclude=./proc/*", "--exclude=./sys/*", "--exclude=./run/*",
            "-cf", str(tarball), ".",
        ]  # fmt: skip
        done = subprocess.run(tar, capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0:
            raise ImageBuildError(f"tar of the local base failed: {done.stderr.strip()}")
        shutil.rmtree(root, ignore_errors=True)
        log(f"importing {LOCAL_BASE_IMAGE} ({tarball.stat().st_size / 2**20:.0f} MiB) ...")
        repository, _, tag = LOCAL_BASE_IMAGE.partition(":")
        _import_tarball(
            client,
            tarball,
            repository=repository,
            tag=tag,
            changes=[
                "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "ENV LANG=C.UTF-8",
                'CMD ["python3"]',
                f"LABEL {LABEL_BASE_RECIPE}={recipe}",
                f"LABEL {LABEL_BASE}={DEBIAN_SUITE}-minbase",
            ],
        )
    if _get_image(client, LOCAL_BASE_IMAGE) is None:
        raise ImageBuildError(f"docker import reported success but {LOCAL_BASE_IMAGE} is missing")
    return LOCAL_BASE_IMAGE


def ensure_base_image(client: DockerClient, *, log: Log, base_image: str | None = None) -> str:
    """The base to build on: the python image if present or pullable, else the local base."""
    override = base_image or os.environ.get(BASE_IMAGE_ENV, "").strip()
    if override:
        if _get_image(client, override) is not None or _pull(client, override, log=log):
            return override
        raise ImageBuildError(f"the base image {override} is neither present nor pullable")
    if _get_image(client, PYTHON_BASE_IMAGE) is not None:
        log(f"{PYTHON_BASE_IMAGE} is present")
        return PYTHON_BASE_IMAGE
    if _pull(client, PYTHON_BASE_IMAGE, log=log):
        return PYTHON_BASE_IMAGE
    log(f"no registry: using the local base {LOCAL_BASE_IMAGE}")
    return build_local_base(client, log=log)


# --------------------------------------------------------------------------------------------
# The wheelhouse


def _wheelhouse_recipe() -> str:
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
    requirements: Path = SANDBOX_DIR / "requirements.txt",
    cache_dir: Path = WHEELHOUSE_CACHE,
) -> Path:
    """Downloads the wheels of `requirements` (and pip) into a cached folder, and returns it.

    The folder is keyed by the requirements and the platform, so a stale one is never used;
    older keyed folders are removed.
    """
    if not requirements.is_file():
        raise ImageBuildError(f"{requirements} is missing")
    key = hashlib.sha256(
        (_wheelhouse_recipe() + "\0").encode() + requirements.read_bytes()
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
        code, tail = _run_logged(command, timeout=PIP_TIMEOUT_S, log=log, prefix="pip: ")
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


# --------------------------------------------------------------------------------------------
# The image


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
    _check_engine(client)
    status = image_status(client, base_image=base_image, sandbox_dir=sandbox_dir)
    if status.exists and not force:
        log(f"{status.tag} is up to date")
        return status.tag

    started = time.monotonic()
    base = ensure_base_image(client, log=log, base_image=base_image)
    log(f"base {base} ready in {time.monotonic() - started:.1f} s")
    tag = image_tag(base, sandbox_dir)
    if not force and _get_image(client, tag) is not None:
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
        _docker_build(client, context, tag=tag, base=base, digest=digest, log=log)
    if _get_image(client, tag) is None:
        raise ImageBuildError(f"the build of {tag} ended without an image")
    log(f"image {tag} built in {time.monotonic() - started:.1f} s")
    return tag


def _docker_build(
    client: DockerClient, context: Path, *, tag: str, base: str, digest: str, log: Log
) -> None:
    tail: deque[str] = deque(maxlen=_ERROR_TAIL_LINES)
    deadline = time.monotonic() + BUILD_TIMEOUT_S
    failure: str | None = None
    try:
        with context.open("rb") as fileobj:
            stream = client.api.build(
                fileobj=fileobj,
                custom_context=True,
                tag=tag,
                buildargs={"BASE_IMAGE": base},
                labels={LABEL: "1", LABEL_INPUTS: digest, LABEL_BASE: base},
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
