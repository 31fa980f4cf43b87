"""The red team: hostile submissions, each graded through the real `grade` command in both sandboxes.

Every attack asserts two things: the verdict (never `passed`, never points it did not earn) and
the absence of harm (nothing left running, nothing reached, nothing leaked, nothing written).
The target is the fixture exercise `adder` (four hidden tests), whose right answer is `a + b`.
"""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import threading
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker
import pytest

from grader.sandboxes.docker import CONTAINER_LABEL as LABEL

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "exercises"
SECRET = f"s3cr3t-{uuid.uuid4().hex}"
WRONG = "def add(a, b):\n    return a - b\n"


def grade(
    path: Path, sandbox: str, *options: str
) -> tuple[dict[str, Any], subprocess.CompletedProcess[str]]:
    done = subprocess.run(
        [
            str(BIN / "grade"),
            str(path),
            "--sandbox",
            sandbox,
            "--format",
            "json",
            "-e",
            "adder",
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": "/usr/bin:/bin",
            "GRADER_EXERCISES": str(FIXTURES),
            "GRADER_TEST_SECRET": SECRET,
            "AWS_SECRET_ACCESS_KEY": SECRET,
        },
    )
    assert done.returncode == 0, done.stderr
    assert SECRET not in done.stdout and SECRET not in done.stderr
    return json.loads(done.stdout), done


@dataclass
class Attack:
    solution: str
    extra: dict[str, str] = field(default_factory=dict)  # more files, relative to the submission
    statuses: set[str] = field(default_factory=lambda: {"error", "failed", "timeout", "tampered"})


ATTACKS: dict[str, Attack] = {
    "sys_exit_at_import": Attack("import sys\nsys.exit(0)\n" + WRONG),
    "os_exit_at_import": Attack("import os\nos._exit(0)\n"),
    "sys_exit_in_a_test": Attack("import sys\ndef add(a, b):\n    sys.exit(0)\n"),
    "os_exit_in_a_test": Attack("import os\ndef add(a, b):\n    os._exit(0)\n"),
    "planted_conftest": Attack(
        WRONG,
        {
            "adder/conftest.py": "import pytest\n@pytest.hookimpl(hookwrapper=True)\n"
            "def pytest_runtest_makereport(item, call):\n    r = yield\n    r.get_result().outcome = 'passed'\n",
            "conftest.py": "import os\nos._exit(0)\n",
        },
    ),
    "planted_pytest_ini_and_pyproject": Attack(
        WRONG,
        {
            "adder/pytest.ini": "[pytest]\naddopts = --deselect test_adder.py\n",
            "adder/pyproject.toml": "[tool.pytest.ini_options]\naddopts = '-k nothing'\n",
            "adder/setup.cfg": "[tool:pytest]\naddopts = -k nothing\n",
        },
    ),
    "planted_sitecustomize_and_pth": Attack(
        WRONG,
        {
            "adder/sitecustomize.py": "import os\nos._exit(0)\n",
            "adder/usercustomize.py": "import os\nos._exit(0)\n",
            "adder/evil.pth": "import os; os._exit(0)\n",
        },
    ),
    "patches_pytest_report_classes": Attack(
        textwrap.dedent(
            """
            import _pytest.reports as reports
            _init = reports.TestReport.__init__
            def _forced(self, *args, **kwargs):
                _init(self, *args, **kwargs)
                self.outcome = "passed"
                self.longrepr = None
            reports.TestReport.__init__ = _forced
            def add(a, b):
                return a - b
            """
        ),
        statuses={"tampered"},
    ),
    "patches_the_result_plugin": Attack(
        textwrap.dedent(
            """
            import gc, json
            for obj in gc.get_objects():
                if type(obj).__name__ == "EventPlugin":
                    _emit = obj._emit
                    def forged(event, _emit=_emit, **fields):
                        if event == "test":
                            fields.update(outcome="passed", message="")
                        _emit(event, **fields)
                    obj._emit = forged
            def add(a, b):
                return a - b
            """
        ),
        statuses={"tampered"},
    ),
    "writes_a_forged_result_stream": Attack(
        textwrap.dedent(
            """
            import json, os
            def add(a, b):
                names = ["test_small", "test_negative", "test_big_integers_are_exact", "test_matches_plus"]
                for name in names:
                    for event in ({"event": "start", "nodeid": f"test_adder.py::{name}"},
                                  {"event": "test", "nodeid": f"test_adder.py::{name}", "outcome": "passed",
                                   "duration_s": 0.0, "message": ""}):
                        os.write(3, (json.dumps(event) + "\\n").encode())
                os.write(3, b'{"event": "finish", "exitstatus": 0}\\n')
                os._exit(0)
            """
        ),
        statuses={"tampered", "error"},
    ),
    "equality_that_always_holds": Attack(
        "class Yes(int):\n    def __eq__(self, other):\n        return True\n"
        "    __hash__ = int.__hash__\n"
        "def add(a, b):\n    return Yes(0)\n"
    ),
    "fakes_time_to_look_fast": Attack(
        textwrap.dedent(
            """
            import time, resource
            time.perf_counter = time.process_time = time.monotonic = lambda: 0.0
            def add(a, b):
                x = 0
                for i in range(3_000_000):
                    x += i
                return a - b
            """
        )
    ),
    "writes_a_fake_result_file": Attack(
        textwrap.dedent(
            """
            import json, os
            fake = json.dumps({"protocol": 1, "exercises": []})
            for path in ("/work/request.json", "../request.json", "result.json", "/tmp/result.json",
                         os.path.expanduser("~/result.json")):
                try:
                    with open(path, "w") as f:
                        f.write(fake)
                except OSError:
                    pass
            def add(a, b):
                return a - b
            """
        )
    ),
    "kills_its_runner": Attack(
        "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n" + WRONG
    ),
    "signals_every_process_it_can": Attack(
        "import os, signal\ndef add(a, b):\n    os.kill(-1, signal.SIGKILL)\n    return a + b\n"
    ),
    "reads_the_runners_result_channel": Attack(
        textwrap.dedent(
            """
            import os
            def add(a, b):
                with open(f"/proc/{os.getppid()}/fd/1", "w") as channel:
                    channel.write('{"protocol": 1, "exercises": []}')
                return a + b
            """
        ),
        statuses={"error", "failed"},
    ),
    "ignores_signals_and_spins": Attack(
        "import signal\nfor s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):\n"
        "    signal.signal(s, signal.SIG_IGN)\ndef add(a, b):\n    while True:\n        pass\n",
        statuses={"timeout"},
    ),
    "memory_bomb": Attack(
        "def add(a, b):\n    hog = [bytearray(1 << 20) for _ in range(1 << 16)]\n"
    ),
    "output_flood": Attack(
        "import os\ndef add(a, b):\n    for _ in range(200):\n"
        "        os.write(1, b'x' * (1 << 20))\n        os.write(2, b'y' * (1 << 20))\n    return a - b\n"
    ),
    "prints_the_hidden_tests": Attack(
        "import glob, os, sys\nhere = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))\n"
        "for p in glob.glob(os.path.join(here, '**', 'test_*.py'), recursive=True):\n"
        "    sys.stderr.write(open(p).read())\n"
        "def add(a, b):\n    raise RuntimeError(open(glob.glob(os.path.join(here, '**', 'test_adder.py'),"
        " recursive=True)[0]).read())\n"
    ),
    "reads_the_environment": Attack(
        "import os\ndef add(a, b):\n    raise RuntimeError(repr(dict(os.environ)))\n"
    ),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_a_hostile_submission_earns_nothing_and_harms_nothing(
    name: str, sandbox: str, tmp_path: Path
) -> None:
    attack = ATTACKS[name]
    root = tmp_path / "submission"
    (root / "adder").mkdir(parents=True)
    (root / "adder" / "solution.py").write_text(attack.solution)
    for relative, content in attack.extra.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(content)
    report, _ = grade(root, sandbox)
    (adder,) = report["exercises"]
    assert adder["status"] in attack.statuses, adder
    assert adder["score"] == 0, adder
    if name == "prints_the_hidden_tests":
        candidate, _ = grade(root, sandbox, "--feedback", "candidate")
        text = json.dumps(candidate)
        assert "test_big_integers_are_exact" not in text and "def test_" not in text
    if name == "fakes_time_to_look_fast":
        assert adder["metrics"]["cpu_s"] > 0.05  # measured outside the process: not faked


# --- attacks with harm checks of their own -----------------------------------------------------


def _with_marker(tmp_path: Path, source: str) -> Path:
    root = tmp_path / "submission"
    (root / "adder").mkdir(parents=True)
    (root / "adder" / "solution.py").write_text(source)
    return root


def test_a_fork_bomb_is_contained_and_nothing_survives(
    sandbox: str, tmp_path: Path, processes_with: Callable[[str], list[int]]
) -> None:
    marker = f"bomb-{uuid.uuid4().hex}"
    root = _with_marker(
        tmp_path,
        f"import os, sys\ndef add(a, b):\n    while True:\n        try:\n            if os.fork() == 0:\n"
        f"                os.execv(sys.executable, [sys.executable, '-c', 'while True: pass', '{marker}'])\n"
        f"        except OSError:\n            pass\n",
    )
    report, _ = grade(root, sandbox)
    assert report["exercises"][0]["status"] == "timeout" and report["exercises"][0]["score"] == 0
    assert processes_with(marker) == []


def test_a_daemon_does_not_outlive_the_grading(
    sandbox: str, tmp_path: Path, processes_with: Callable[[str], list[int]]
) -> None:
    marker = f"daemon-{uuid.uuid4().hex}"
    # Programs are walled off, so the daemon is this process forked twice, in a session of its
    # own, holding a file named by the marker.
    root = _with_marker(
        tmp_path,
        "import os, time\n"
        f"_held = open(os.path.join(os.environ['TMPDIR'], '{marker}'), 'w')\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(300)\n"
        "    os._exit(0)\n"
        "del _held\n" + WRONG,
    )
    report, _ = grade(root, sandbox)
    assert report["exercises"][0]["status"] == "failed"
    assert processes_with(marker) == []


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP server on the host's loopback that records whatever reaches it."""
    received: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            with connection:
                received.append(connection.recv(1024) or b"<connected>")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], received
    stop.set()
    thread.join()
    server.close()


def test_the_network_is_out_of_reach(
    sandbox: str, tmp_path: Path, listener: tuple[int, list[bytes]]
) -> None:
    port, received = listener
    root = _with_marker(
        tmp_path,
        "import socket\n"
        "def add(a, b):\n"
        "    for host in ('127.0.0.1', '172.17.0.1', 'host.docker.internal'):\n"
        "        try:\n"
        f"            socket.create_connection((host, {port}), timeout=1).sendall(b'leak')\n"
        "        except OSError:\n"
        "            pass\n"
        "    return a - b\n",
    )
    report, _ = grade(root, sandbox)
    assert report["exercises"][0]["status"] == "failed"
    assert received == []


def test_no_container_is_left_behind_by_any_attack(docker_client: docker.DockerClient) -> None:
    """Every grading removes its container. (A grading running right now elsewhere on this engine
    has one that is running; one left behind would have stopped.)"""
    left = [
        container.name
        for container in docker_client.containers.list(all=True, filters={"label": LABEL})
        if container.status != "running"
    ]
    assert left == []


# --- archives -----------------------------------------------------------------------------------


def _tar(path: Path, members: Callable[[tarfile.TarFile], None]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        members(archive)
    return path


def _add(archive: tarfile.TarFile, name: str, data: bytes = b"x = 1\n") -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def _link(archive: tarfile.TarFile, name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    archive.addfile(info)


def _zip_bomb(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("adder/solution.py", b"0" * (200 << 20))
    return path


ARCHIVES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "traversal": (
        lambda d: _tar(
            d / "a.tgz", lambda t: (_add(t, "adder/solution.py"), _add(t, "../../evil.py"))
        ),
        "outside",
    ),
    "absolute_path": (
        lambda d: _tar(d / "a.tgz", lambda t: _add(t, "/tmp/evil-absolute.py")),
        "outside",
    ),
    "symlink": (
        lambda d: _tar(d / "a.tgz", lambda t: _link(t, "adder/solution.py", "/etc/shadow")),
        "link",
    ),
    "hardlink": (
        lambda d: _tar(
            d / "a.tgz", lambda t: _link(t, "adder/solution.py", "/etc/passwd", tarfile.LNKTYPE)
        ),
        "link",
    ),
    "zip_bomb": (lambda d: _zip_bomb(d / "bomb.zip"), "bomb"),
}


@pytest.mark.parametrize("name", sorted(ARCHIVES))
def test_a_hostile_archive_is_refused_and_writes_nothing(name: str, tmp_path: Path) -> None:
    make, message = ARCHIVES[name]
    archive = make(tmp_path)
    before = set(Path(tempfile.gettempdir()).iterdir())
    done = subprocess.run(
        [str(BIN / "grade"), str(archive), "--sandbox", "local"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "GRADER_EXERCISES": str(FIXTURES)},
    )
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path.parent / "evil.py").exists() and not Path("/tmp/evil-absolute.py").exists()
    new = set(Path(tempfile.gettempdir()).iterdir()) - before
    leftovers = {p for p in new if p.name.startswith("grader-submission-")}
    assert leftovers == set()
