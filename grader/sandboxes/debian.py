"""The local Debian base, for when no image registry answers: the mirror the host's apt
configuration names (one-line and deb822 sources), debootstrap of a trimmed minbase root, and
`docker import` of it as `grader-base:bookworm`, kept while its recipe is unchanged."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from docker import DockerClient

from grader.sandboxes.build_step import (
    LABEL_BASE,
    RECIPE_VERSION,
    ImageBuildError,
    Log,
    run_logged,
)
from grader.sandboxes.engine import get_image, import_tarball

LOCAL_BASE_IMAGE = "grader-base:bookworm"
MIRROR_ENV = "GRADER_DEBIAN_MIRROR"
"""Names the Debian mirror for debootstrap instead of reading it from the apt configuration."""
LABEL_BASE_RECIPE = "grader.sandbox.base-recipe"

DEBIAN_SUITE = "bookworm"
BASE_PACKAGES: tuple[str, ...] = ("python3",)
"""Installed by debootstrap into the minbase root (python3 brings /usr/bin/python3.11)."""

DEBOOTSTRAP_TIMEOUT_S = 1200.0
MIRROR_PROBE_TIMEOUT_S = 20.0


def base_recipe_digest() -> str:
    """A hash of how `grader-base:bookworm` is made (not of the mirror it is made from)."""
    recipe = {
        "recipe": RECIPE_VERSION,
        "suite": DEBIAN_SUITE,
        "variant": "minbase",
        "packages": list(BASE_PACKAGES),
    }
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()


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
    existing = get_image(client, LOCAL_BASE_IMAGE)
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
            code, tail = run_logged(
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
        import_tarball(
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
    if get_image(client, LOCAL_BASE_IMAGE) is None:
        raise ImageBuildError(f"docker import reported success but {LOCAL_BASE_IMAGE} is missing")
    return LOCAL_BASE_IMAGE
