"""The Docker sandbox against the real engine: its settings, its deadline, its clean-up."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import docker
import pytest

from grader.manifest import Limits
from grader.sandboxes import Job
from grader.sandboxes import docker as docker_module
from grader.sandboxes.docker import (
    CONTAINER_LABEL,
    DEADLINE_LABEL,
    ContainerLimits,
    DockerSandbox,
    reap,
    remove_labelled,
)

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "exercises"
LIMITS = Limits(test_timeout_s=5, wall_timeout_s=20, memory_mb=768)


def labelled(client: docker.DockerClient) -> list[str]:
    return [c.id for c in client.containers.list(all=True, filters={"label": CONTAINER_LABEL})]


def run_tests(sandbox: DockerSandbox, tmp_path: Path, tests: str) -> dict[str, str]:
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_it.py").write_text(textwrap.dedent(tests))
    outcome = sandbox.run([Job("ex", {"solution.py": b""}, hidden, LIMITS)])
    assert outcome.result is not None, outcome.problem
    (run,) = outcome.result.exercises
    assert run.finished, run.stderr
    return {t.nodeid.split("::")[-1]: t.outcome + t.message for t in run.tests}


def test_the_container_is_hardened_as_documented(
    docker_sandbox: DockerSandbox, tmp_path: Path
) -> None:
    small = DockerSandbox(
        docker_sandbox.client,
        docker_sandbox.image,
        limits=ContainerLimits(scratch_mb=16, pids=64, memory_mb=1024),
    )
    results = run_tests(
        small,
        tmp_path,
        """
        import errno, os, resource, pytest

        def status(field):
            for line in open("/proc/self/status"):
                if line.startswith(field + ":"):
                    return line.split()[1]

        def test_no_capabilities():
            assert int(status("CapEff"), 16) == 0 and int(status("CapBnd"), 16) == 0

        def test_no_new_privileges():
            assert status("NoNewPrivs") == "1"

        def test_not_root():
            assert os.getuid() == 10001 and os.getgid() == 10001

        def test_root_filesystem_is_read_only():
            with pytest.raises(OSError) as caught:
                open("/usr/grader-was-here", "w")
            assert caught.value.errno in (errno.EROFS, errno.EACCES)
            with pytest.raises(OSError) as caught:
                open("/work/grader-was-here", "w")
            assert caught.value.errno == errno.EROFS

        def test_scratch_is_size_capped():
            with pytest.raises(OSError) as caught:
                with open("big", "wb") as f:
                    for _ in range(32):
                        f.write(b"x" * (1 << 20))
                        f.flush()
            assert caught.value.errno in (errno.ENOSPC, errno.EFBIG)

        def test_no_core_dumps_and_ulimits_set():
            assert resource.getrlimit(resource.RLIMIT_CORE) == (0, 0)
            assert resource.getrlimit(resource.RLIMIT_NPROC) == (64 * 16, 64 * 16)
            assert resource.getrlimit(resource.RLIMIT_FSIZE)[1] == 64 << 20

        def test_pid_1_is_an_init_not_the_runner():
            assert "init" in open("/proc/1/cmdline").read().split(chr(0))[0]

        def test_process_and_memory_limits_are_set_in_the_cgroup():
            pids = [p for p in ("/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/pids/pids.max") if os.path.exists(p)]
            assert pids and open(pids[0]).read().strip() == "64"
            memory = [
                p for p in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")
                if os.path.exists(p)
            ]
            assert memory and int(open(memory[0]).read()) == 1024 << 20

        def test_no_network_interfaces_but_loopback():
            assert sorted(os.listdir("/sys/class/net")) == ["lo"]

        def test_docker_socket_is_not_there():
            assert not os.path.exists("/var/run/docker.sock") and not os.path.exists("/run/docker.sock")
        """,
    )
    failures = {name: result for name, result in results.items() if not result.startswith("passed")}
    assert not failures and len(results) == 10


def test_every_container_is_removed_after_its_run(
    docker_sandbox: DockerSandbox, tmp_path: Path
) -> None:
    before = labelled(docker_sandbox.client)
    run_tests(docker_sandbox, tmp_path, "def test_ok():\n    pass\n")
    assert labelled(docker_sandbox.client) == before == []


def test_the_host_kills_and_removes_a_container_past_the_whole_runs_deadline(
    docker_sandbox: DockerSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(docker_module, "run_deadline", lambda jobs: 3.0)
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "test_it.py").write_text("import time\ndef test_slow():\n    time.sleep(60)\n")
    slow = Limits(test_timeout_s=120, wall_timeout_s=120, memory_mb=768)
    outcome = docker_sandbox.run([Job("ex", {"solution.py": b""}, hidden, slow)])
    assert outcome.result is None and outcome.timed_out
    assert labelled(docker_sandbox.client) == []


def _cli_env(**extra: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "GRADER_EXERCISES": str(FIXTURES), **extra}


def test_ctrl_c_during_grading_leaves_no_container(
    docker_sandbox: DockerSandbox, tmp_path: Path
) -> None:
    submission = tmp_path / "sub" / "adder"
    submission.mkdir(parents=True)
    (submission / "solution.py").write_text("def add(a, b):\n    while True:\n        pass\n")
    process = subprocess.Popen(
        [str(BIN / "grade"), str(submission.parent), "--sandbox", "docker"],
        env=_cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(300):  # until the container exists (bounded: 30 s)
            if labelled(docker_sandbox.client):
                break
            time.sleep(0.1)
        assert labelled(docker_sandbox.client), "the grading container never appeared"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130 and "interrupted" in stderr
    assert labelled(docker_sandbox.client) == []


def test_prune_removes_containers_a_crash_left_behind(docker_sandbox: DockerSandbox) -> None:
    client = docker_sandbox.client
    leftover = client.containers.create(
        docker_sandbox.image, command=["true"], labels={CONTAINER_LABEL: "x"}
    )
    busy = client.containers.run(
        docker_sandbox.image,
        ["sleep", "60"],
        labels={CONTAINER_LABEL: "busy"},
        detach=True,
        network_mode="none",
    )
    try:
        done = subprocess.run(
            [str(BIN / "grader"), "sandbox", "prune"], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0 and "Removed 1 container" in done.stdout
        remaining = labelled(client)
        assert leftover.id not in remaining
        assert busy.id in remaining  # a grading running now keeps its container
    finally:
        busy.remove(force=True)


def test_without_an_engine_docker_is_an_infrastructure_failure_and_auto_falls_back_visibly(
    tmp_path: Path,
) -> None:
    submission = tmp_path / "sub" / "adder"
    submission.mkdir(parents=True)
    (submission / "solution.py").write_text("def add(a, b):\n    return a + b\n")
    no_engine = _cli_env(DOCKER_HOST=f"unix://{tmp_path}/no-docker.sock")
    grade = [str(BIN / "grade"), str(submission.parent)]
    done = subprocess.run(
        [*grade, "--sandbox", "docker"], env=no_engine, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 3
    assert "infrastructure error" in done.stderr and "no Docker engine answers" in done.stderr
    assert "Traceback" not in done.stderr
    done = subprocess.run(
        [*grade, "--sandbox", "auto", "--format", "json"],
        env=no_engine,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["sandbox"] == "local"
    assert any("fell back to the local sandbox" in warning for warning in report["warnings"])
    assert "fell back to the local sandbox" in done.stderr
    assert report["exercises"][0]["status"] == "passed"


def test_a_runtime_that_is_not_installed_is_an_infrastructure_failure(
    docker_sandbox: DockerSandbox, tmp_path: Path
) -> None:
    (tmp_path / "adder").mkdir()
    done = subprocess.run(
        [str(BIN / "grade"), str(tmp_path), "--sandbox", "docker", "--runtime", "no-such-runtime"],
        env=_cli_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3 and "'no-such-runtime' is not installed" in done.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="compares with the local sandbox's root-only walls")
def test_docker_and_local_give_the_same_verdicts(
    docker_sandbox: DockerSandbox, tmp_path: Path
) -> None:
    from grader.catalog import Catalog
    from grader.grading import grade_exercises
    from grader.sandboxes.local import LocalSandbox

    catalog = Catalog.load(FIXTURES)
    answers = [
        (
            catalog["adder"],
            {"solution.py": b"def add(a, b):\n    return a - b if a > 5 else a + b\n"},
        ),
        (catalog["greeter"], {"solution.py": b'def greet(n):\n    return f"Hello, {n}!"\n'}),
    ]
    in_docker = grade_exercises(answers, docker_sandbox)
    locally = grade_exercises(answers, LocalSandbox())
    assert [(r.status, r.score, [t.outcome for t in r.tests]) for r in in_docker] == [
        (r.status, r.score, [t.outcome for t in r.tests]) for r in locally
    ]


def test_a_worker_removes_its_own_leftovers_and_any_container_past_its_deadline(
    docker_sandbox: DockerSandbox,
) -> None:
    """What `grader worker` does at start (`remove_labelled`) and on its timer (`reap`)."""
    client = docker_sandbox.client
    now = int(time.time())

    def running(**labels: str) -> str:
        container = client.containers.run(
            docker_sandbox.image,
            ["sleep", "60"],
            labels={CONTAINER_LABEL: "x", **labels},
            detach=True,
            network_mode="none",
        )
        return str(container.id)

    mine = running(**{"grader.worker": "w1@test", DEADLINE_LABEL: str(now + 600)})
    theirs = running(**{"grader.worker": "w2@test", DEADLINE_LABEL: str(now + 600)})
    overdue = running(**{"grader.worker": "w3@test", DEADLINE_LABEL: str(now - 120)})
    try:
        assert remove_labelled(client, {"grader.worker": "w1@test"}) == 1
        assert reap(client, grace_s=60) == 1
        remaining = labelled(client)
        assert mine not in remaining and overdue not in remaining
        assert theirs in remaining  # another worker's grading, within its deadline
    finally:
        for container in (mine, theirs, overdue):
            with contextlib.suppress(docker.errors.NotFound):
                client.containers.get(container).remove(force=True)
