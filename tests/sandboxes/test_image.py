"""The sandbox image: its tag, the apt mirror it is bootstrapped from, and a real build."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import cast

import docker
import pytest
from docker import DockerClient

from grader.paths import SANDBOX_DIR
from grader.sandboxes import debian, wheelhouse
from grader.sandboxes.build_step import ImageBuildError
from grader.sandboxes.debian import (
    LOCAL_BASE_IMAGE,
    AptSource,
    DebianMirror,
    find_debian_mirror,
    parse_deb822_sources,
    parse_one_line_sources,
    read_apt_sources,
)
from grader.sandboxes.image import (
    PYTHON_BASE_IMAGE,
    build_image,
    grader_files,
    image_status,
    image_tag,
)

# --------------------------------------------------------------------------------------------
# The tag


@pytest.fixture
def sandbox(tmp_path: Path) -> Path:
    folder = tmp_path / "sandbox"
    folder.mkdir()
    (folder / "Dockerfile").write_text("ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n")
    (folder / "requirements.txt").write_text("pytest==9.2.0\n")
    (folder / "runner.py").write_text("print('runner')\n")
    (folder / "plugin.py").write_text("print('plugin')\n")
    (folder / "pytest.ini").write_text("[pytest]\n")
    return folder


def test_tag_has_the_expected_form(sandbox: Path) -> None:
    assert re.fullmatch(r"grader-sandbox:[0-9a-f]{12}", image_tag(PYTHON_BASE_IMAGE, sandbox))


def test_tag_is_stable_and_independent_of_the_folder(sandbox: Path, tmp_path: Path) -> None:
    first = image_tag(PYTHON_BASE_IMAGE, sandbox)
    assert image_tag(PYTHON_BASE_IMAGE, sandbox) == first
    copy = shutil.copytree(sandbox, tmp_path / "elsewhere")
    assert image_tag(PYTHON_BASE_IMAGE, copy) == first


@pytest.mark.parametrize(
    "name", ["Dockerfile", "requirements.txt", "runner.py", "plugin.py", "pytest.ini"]
)
def test_tag_changes_when_an_input_changes(sandbox: Path, name: str) -> None:
    before = image_tag(PYTHON_BASE_IMAGE, sandbox)
    with (sandbox / name).open("a") as file:
        file.write("# changed\n")
    assert image_tag(PYTHON_BASE_IMAGE, sandbox) != before


def test_tag_changes_when_a_runner_file_is_added_or_removed(sandbox: Path) -> None:
    before = image_tag(PYTHON_BASE_IMAGE, sandbox)
    (sandbox / "helpers.py").write_text("")
    added = image_tag(PYTHON_BASE_IMAGE, sandbox)
    (sandbox / "plugin.py").unlink()
    removed = image_tag(PYTHON_BASE_IMAGE, sandbox)
    assert len({before, added, removed}) == 3


def test_tag_changes_when_a_file_is_renamed(sandbox: Path) -> None:
    before = image_tag(PYTHON_BASE_IMAGE, sandbox)
    (sandbox / "plugin.py").rename(sandbox / "plugin2.py")
    assert image_tag(PYTHON_BASE_IMAGE, sandbox) != before


def test_tag_depends_on_the_base_image(sandbox: Path) -> None:
    tags = {
        image_tag(base, sandbox)
        for base in (PYTHON_BASE_IMAGE, LOCAL_BASE_IMAGE, "python:3.11-slim-bullseye")
    }
    assert len(tags) == 3


def test_tag_of_the_local_base_follows_its_recipe(
    sandbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local, official = image_tag(LOCAL_BASE_IMAGE, sandbox), image_tag(PYTHON_BASE_IMAGE, sandbox)
    monkeypatch.setattr(debian, "BASE_PACKAGES", (*debian.BASE_PACKAGES, "tini"))
    assert image_tag(LOCAL_BASE_IMAGE, sandbox) != local
    assert image_tag(PYTHON_BASE_IMAGE, sandbox) == official


def test_tag_follows_the_wheelhouse_recipe(sandbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = image_tag(PYTHON_BASE_IMAGE, sandbox)
    monkeypatch.setattr(wheelhouse, "PIP_VERSION", "0.0")
    assert image_tag(PYTHON_BASE_IMAGE, sandbox) != before


def test_tag_ignores_what_does_not_go_into_the_image(sandbox: Path) -> None:
    before = image_tag(PYTHON_BASE_IMAGE, sandbox)
    (sandbox / "README.md").write_text("# notes\n")
    (sandbox / ".editorconfig").write_text("root = true\n")
    (sandbox / "__pycache__").mkdir()
    (sandbox / "__pycache__" / "runner.cpython-311.pyc").write_bytes(b"\0")
    assert image_tag(PYTHON_BASE_IMAGE, sandbox) == before


def test_tag_needs_the_dockerfile_and_requirements(sandbox: Path) -> None:
    (sandbox / "Dockerfile").unlink()
    with pytest.raises(ImageBuildError, match="Dockerfile"):
        image_tag(PYTHON_BASE_IMAGE, sandbox)


def test_the_runner_files_are_what_gets_copied(sandbox: Path) -> None:
    (sandbox / "README.md").write_text("")
    names = [path.name for path in grader_files(sandbox)]
    assert names == ["plugin.py", "pytest.ini", "runner.py"]


def test_the_repository_sandbox_has_a_tag() -> None:
    assert image_tag(PYTHON_BASE_IMAGE) != image_tag(LOCAL_BASE_IMAGE)


def test_requirements_are_pinned_and_complete() -> None:
    lines = (SANDBOX_DIR / "requirements.txt").read_text().splitlines()
    pins = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==[0-9][A-Za-z0-9.+-]*", p) for p in pins)
    names = {pin.split("==")[0].lower().replace("_", "-") for pin in pins}
    needed = {
        "pytest", "hypothesis", "pydantic", "fastapi", "httpx", "pyjwt",
        "python-multipart", "memory-profiler", "mypy",
    }  # fmt: skip
    assert needed <= names


def test_wheelhouse_is_cached_by_requirements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []

    def fake_pip(command: list[str], **_: object) -> tuple[int, list[str]]:
        calls.append(command)
        dest = Path(command[command.index("--dest") + 1])
        (dest / f"pip-{wheelhouse.PIP_VERSION}-py3-none-any.whl").write_bytes(b"")
        return 0, []

    monkeypatch.setattr(wheelhouse, "run_logged", fake_pip)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pytest==9.2.0\n")
    cache = tmp_path / "cache"
    first = wheelhouse.download_wheelhouse(
        log=lambda line: None, requirements=requirements, cache_dir=cache
    )
    again = wheelhouse.download_wheelhouse(
        log=lambda line: None, requirements=requirements, cache_dir=cache
    )
    assert first == again and len(calls) == 1
    command = calls[0]
    assert "--only-binary=:all:" in command and "manylinux2014_x86_64" in command
    assert command[command.index("--python-version") + 1] == "3.11"

    requirements.write_text("pytest==9.1.0\n")
    second = wheelhouse.download_wheelhouse(
        log=lambda line: None, requirements=requirements, cache_dir=cache
    )
    assert second != first and len(calls) == 2
    assert sorted(path.name for path in cache.iterdir()) == [second.name]


def test_failed_wheelhouse_download_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        wheelhouse, "run_logged", lambda command, **_: (1, ["No matching distribution"])
    )
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("nothing==0\n")
    with pytest.raises(ImageBuildError, match="No matching distribution"):
        wheelhouse.download_wheelhouse(
            log=lambda line: None, requirements=requirements, cache_dir=tmp_path / "cache"
        )
    assert list((tmp_path / "cache").iterdir()) == []


# --------------------------------------------------------------------------------------------
# The apt mirror

DEB822 = """\
Types: deb
# http://snapshot.example.org/archive/debian/20250520T000000Z
URIs: http://mirror.example.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""

DEB822_TRICKY = """\
# A disabled source first, then one with an embedded key and sources of both kinds.
Types: deb
URIs: http://disabled.example.org/debian
Suites: bookworm
Components: main
Enabled: no

types: deb-src deb
uris: https://first.example.net/debian/ https://second.example.net/debian
suites: bookworm
components: main contrib non-free-firmware
signed-by:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBGPL0BUBEADmW5NlOqE1R7rLDEi4xqc2rFkDfJP6p4lM
 -----END PGP PUBLIC KEY BLOCK-----
"""

ONE_LINE = """\
# deb http://commented.example.org/debian bookworm main
deb-src http://src.example.org/debian bookworm main
deb http://security.example.org/debian-security bookworm-security main contrib
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] \
http://ftp.example.org/debian/ bookworm main contrib  # the main archive
deb [ arch=amd64,arm64 ] http://other.example.org/debian bookworm-updates main
"""


def test_deb822_fields() -> None:
    sources = parse_deb822_sources(DEB822)
    assert sources[0] == AptSource(
        types=("deb",),
        uris=("http://mirror.example.org/debian",),
        suites=("bookworm", "bookworm-updates"),
        components=("main",),
        signed_by="/usr/share/keyrings/debian-archive-keyring.gpg",
    )
    assert sources[1].suites == ("bookworm-security",)


def test_deb822_disabled_lower_case_and_multi_line_fields() -> None:
    disabled, tricky = parse_deb822_sources(DEB822_TRICKY)
    assert not disabled.enabled
    assert tricky.enabled
    assert tricky.types == ("deb-src", "deb")
    assert tricky.uris == ("https://first.example.net/debian/", "https://second.example.net/debian")
    assert tricky.components == ("main", "contrib", "non-free-firmware")
    assert tricky.signed_by is not None and "BEGIN PGP PUBLIC KEY BLOCK" in tricky.signed_by


def test_deb822_mirror() -> None:
    mirror = find_debian_mirror(parse_deb822_sources(DEB822))
    assert mirror.uri == "http://mirror.example.org/debian"


def test_deb822_mirror_skips_disabled_sources_and_embedded_keys() -> None:
    mirror = find_debian_mirror(parse_deb822_sources(DEB822_TRICKY))
    assert mirror == DebianMirror(uri="https://first.example.net/debian", keyring=None)


def test_one_line_fields() -> None:
    sources = parse_one_line_sources(ONE_LINE)
    assert [source.types for source in sources] == [("deb-src",), ("deb",), ("deb",), ("deb",)]
    main = sources[2]
    assert main.uris == ("http://ftp.example.org/debian/",)
    assert main.suites == ("bookworm",)
    assert main.components == ("main", "contrib")
    assert main.signed_by == "/usr/share/keyrings/debian-archive-keyring.gpg"
    assert sources[3].uris == ("http://other.example.org/debian",)


def test_one_line_mirror_is_the_release_not_security_updates_or_sources() -> None:
    mirror = find_debian_mirror(parse_one_line_sources(ONE_LINE))
    assert mirror.uri == "http://ftp.example.org/debian"


def test_keyring_is_passed_only_when_the_file_exists(tmp_path: Path) -> None:
    keyring = tmp_path / "archive.gpg"
    keyring.write_bytes(b"key")
    text = f"deb [signed-by={keyring}] http://ftp.example.org/debian bookworm main\n"
    assert find_debian_mirror(parse_one_line_sources(text)).keyring == str(keyring)
    missing = "deb [signed-by=/nowhere/archive.gpg] http://ftp.example.org/debian bookworm main\n"
    assert find_debian_mirror(parse_one_line_sources(missing)).keyring is None


def test_another_debian_release_still_gives_the_mirror() -> None:
    text = (
        "deb http://ftp.example.org/debian-security trixie-security main\n"
        "deb http://ftp.example.org/debian trixie main\n"
    )
    assert find_debian_mirror(parse_one_line_sources(text)).uri == "http://ftp.example.org/debian"


def test_no_debian_mirror_is_a_clear_error() -> None:
    text = "deb http://archive.example.com/ubuntu noble main universe\n"
    with pytest.raises(ImageBuildError, match="no Debian mirror"):
        find_debian_mirror(parse_one_line_sources(text))


def test_read_apt_sources_reads_both_formats(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list").write_text(ONE_LINE)
    (tmp_path / "sources.list.d" / "debian.sources").write_text(DEB822)
    (tmp_path / "sources.list.d" / "extra.list").write_text(
        "deb http://extra.example.org/debian bookworm main\n"
    )
    uris = [source.uris[0] for source in read_apt_sources(tmp_path)]
    assert uris == [
        "http://src.example.org/debian",
        "http://security.example.org/debian-security",
        "http://ftp.example.org/debian/",
        "http://other.example.org/debian",
        "http://extra.example.org/debian",
        "http://mirror.example.org/debian",
        "http://mirror.example.org/debian-security",
    ]


def test_read_apt_sources_without_configuration(tmp_path: Path) -> None:
    assert read_apt_sources(tmp_path) == []


# --------------------------------------------------------------------------------------------
# Errors a person can act on


def test_no_engine_is_a_clear_error(tmp_path: Path) -> None:
    client = docker.DockerClient(base_url=f"unix://{tmp_path}/no.sock", version="1.41", timeout=5)
    with pytest.raises(ImageBuildError, match="no Docker engine answers"):
        build_image(client, log=lambda line: None)


@pytest.fixture
def no_local_base(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(debian, "get_image", lambda client, name: None)
    monkeypatch.setattr(os, "geteuid", lambda: 0)


@pytest.mark.usefixtures("no_local_base")
def test_missing_debootstrap_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(debian, "_find_debootstrap", lambda: None)
    with pytest.raises(ImageBuildError, match=r"apt-get install -y debootstrap"):
        debian.build_local_base(cast(DockerClient, None), log=lambda line: None)


@pytest.mark.usefixtures("no_local_base")
def test_unreachable_mirror_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(debian, "_find_debootstrap", lambda: "/bin/false")
    monkeypatch.setenv(debian.MIRROR_ENV, "http://127.0.0.1:9/debian")  # nothing listens there
    with pytest.raises(ImageBuildError, match=r"127\.0\.0\.1:9/debian .* unreachable"):
        debian.build_local_base(cast(DockerClient, None), log=lambda line: None)


# --------------------------------------------------------------------------------------------
# A real build

PROBE = r"""
import importlib, json, os, shutil, socket, subprocess, sys
for name in ["pytest", "hypothesis", "fastapi", "pydantic", "jwt", "multipart",
             "memory_profiler", "mypy", "httpx"]:
    importlib.import_module(name)
with open("test_probe.py", "w") as file:
    file.write(
        "from hypothesis import given, strategies as st\n"
        "@given(st.integers())\n"
        "def test_int(x):\n"
        "    assert x + 0 == x\n"
    )
suite = subprocess.run(
    [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_probe.py"],
    capture_output=True, text=True,
)
typed = subprocess.run(
    [sys.executable, "-m", "mypy", "--no-incremental", "-c", "x: int = 1"],
    capture_output=True, text=True,
)
print(json.dumps({
    "uid": os.getuid(),
    "gid": os.getgid(),
    "cwd": os.getcwd(),
    "python": list(sys.version_info[:2]),
    "prefix": sys.prefix,
    "interfaces": [name for _, name in socket.if_nameindex()],
    "tools": [tool for tool in ("gcc", "cc", "pip", "apt-get") if shutil.which(tool)],
    "grader": sorted(os.listdir("/opt/grader")),
    "pytest": suite.returncode,
    "mypy": typed.returncode,
    "bytecode": sys.dont_write_bytecode,
}))
"""


@pytest.mark.slow
@pytest.mark.docker
def test_the_image_builds_offline_and_runs_unprivileged(docker_client: DockerClient) -> None:
    lines: list[str] = []
    tag = build_image(docker_client, log=lines.append)

    status = image_status(docker_client)
    assert status.exists and status.tag == tag, lines[-20:]
    labels = docker_client.images.get(tag).labels
    assert labels["grader.sandbox"] == "1"

    output = docker_client.containers.run(
        tag, ["python", "-c", PROBE], network_mode="none", remove=True, stdout=True, stderr=True
    )
    probe = json.loads(output.decode().strip().splitlines()[-1])
    assert probe["uid"] != 0 and probe["gid"] != 0
    assert probe["cwd"] == "/work"
    assert probe["python"] == [3, 11]
    assert probe["prefix"] == "/opt/venv"
    assert probe["interfaces"] == ["lo"]
    assert "gcc" not in probe["tools"] and "cc" not in probe["tools"]
    assert "pip" not in probe["tools"]
    assert set(probe["grader"]) >= {path.name for path in grader_files()}
    assert probe["pytest"] == 0
    assert probe["mypy"] == 0
    assert probe["bytecode"] is True


@pytest.mark.docker
def test_a_failing_build_reports_its_last_lines(
    docker_client: DockerClient, tmp_path: Path
) -> None:
    sandbox = shutil.copytree(SANDBOX_DIR, tmp_path / "sandbox")
    with (sandbox / "Dockerfile").open("a") as dockerfile:
        dockerfile.write("RUN echo this-step-fails && false\n")
    with pytest.raises(ImageBuildError) as failure:
        build_image(docker_client, log=lambda line: None, sandbox_dir=sandbox)
    assert "docker build of grader-sandbox:" in failure.value.message
    assert "this-step-fails" in failure.value.message
