"""Both sandboxes against real processes and the real engine: each wall is proven by code that
tries to break it, and each test asserts the effect (nothing left running, nothing reached)."""

from __future__ import annotations

import os
import socket
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from grader.manifest import Limits
from grader.protocol import ExerciseRun
from grader.sandboxes import Job, Sandbox
from grader.sandboxes.docker import SANDBOX_UID
from grader.sandboxes.local import FIRST_UID, LocalSandbox, network_isolation_available

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "exercises"
ADDER_TESTS = FIXTURES / "adder" / "tests" / "hidden"
LIMITS = Limits(test_timeout_s=3, wall_timeout_s=20, memory_mb=768)


@pytest.fixture(params=["local", "docker"])
def sandbox(request: pytest.FixtureRequest) -> Sandbox:
    if request.param == "docker":
        box: Sandbox = request.getfixturevalue("docker_sandbox")
        return box
    if os.geteuid() != 0:
        pytest.skip("the local sandbox's walls need root (a user of its own, a network namespace)")
    return LocalSandbox()


def run_one(
    sandbox: Sandbox,
    tmp_path: Path,
    solution: str,
    tests: str | None = None,
    limits: Limits = LIMITS,
) -> ExerciseRun:
    """Run one exercise: `solution` against the adder's hidden suite, or against `tests`."""
    tests_dir = ADDER_TESTS
    if tests is not None:
        tests_dir = tmp_path / "hidden"
        tests_dir.mkdir()
        (tests_dir / "test_it.py").write_text(textwrap.dedent(tests))
    job = Job("ex", {"solution.py": textwrap.dedent(solution).encode()}, tests_dir, limits)
    outcome = sandbox.run([job])
    assert outcome.result is not None, outcome.problem
    (run,) = outcome.result.exercises
    return run


def outcomes(run: ExerciseRun) -> dict[str, str]:
    return {test.nodeid.split("::")[-1]: test.outcome for test in run.tests}


REFERENCE = """
    def add(a, b):
        return a + b
"""


def test_a_correct_solution_completes_with_metrics_measured_outside(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    run = run_one(sandbox, tmp_path, REFERENCE)
    assert run.finished and run.outcome == "completed"
    assert set(outcomes(run).values()) == {"passed"}
    assert len(run.tests) == len(run.collected or []) == 4
    assert run.metrics.cpu_s > 0 and run.metrics.wall_s > 0 and run.metrics.peak_rss_mb > 10


def test_the_graders_environment_does_not_reach_candidate_code(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADER_TEST_SECRET", "s3cr3t")
    run = run_one(
        sandbox,
        tmp_path,
        "import os\nSEEN = dict(os.environ)\n",
        """
        import solution
        def test_no_secret():
            assert "GRADER_TEST_SECRET" not in solution.SEEN
            assert not any("s3cr3t" in value for value in solution.SEEN.values())
        def test_minimal():
            assert set(solution.SEEN) <= {
                "PATH", "HOME", "LANG", "PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE",
                "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "TMPDIR", "PYTEST_CURRENT_TEST", "PYTEST_VERSION",
                # set by the image or the engine
                "HOSTNAME", "VIRTUAL_ENV", "PYTHONUNBUFFERED",
            }
        """,
    )
    assert outcomes(run) == {"test_no_secret": "passed", "test_minimal": "passed"}


def test_candidate_code_runs_as_an_unprivileged_user_that_cannot_touch_the_grader(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    run = run_one(
        sandbox,
        tmp_path,
        f"GRADER_PID = {os.getpid()}\n",
        f"""
        import os, pytest
        import solution
        def test_user():
            assert os.getuid() in {{{SANDBOX_UID}, *range({FIRST_UID}, {FIRST_UID} + 1000)}}
        def test_cannot_signal_the_grader():
            with pytest.raises((PermissionError, ProcessLookupError)):
                os.kill(solution.GRADER_PID, 0)
        def test_cannot_write_its_own_solution_or_tests():
            with pytest.raises(OSError):
                open(solution.__file__, "a")
            with pytest.raises(OSError):
                open(os.path.join(os.path.dirname(__file__), "test_it.py"), "a")
        def test_cannot_write_outside_scratch():
            for path in ("/etc/grader-was-here", "/opt/grader-was-here", "/grader-was-here"):
                with pytest.raises(OSError):
                    open(path, "w")
        def test_can_write_scratch():
            with open("notes.txt", "w") as f:
                f.write("ok")
        """,
    )
    assert set(outcomes(run).values()) == {"passed"}, run.tests


def test_candidate_code_has_no_network(sandbox: Sandbox, tmp_path: Path) -> None:
    if sandbox.name == "local" and not network_isolation_available():
        pytest.skip("no network namespaces here")
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        run = run_one(
            sandbox,
            tmp_path,
            f"PORT = {port}\n",
            """
            import socket, pytest
            import solution
            def test_loopback_of_the_host_is_unreachable():
                with pytest.raises(OSError):
                    socket.create_connection(("127.0.0.1", solution.PORT), timeout=1)
            def test_no_route_out():
                with pytest.raises(OSError):
                    socket.create_connection(("10.255.255.1", 80), timeout=1)
            def test_no_name_resolution():
                with pytest.raises(OSError):
                    socket.getaddrinfo("example.com", 80)  # RFC 2606: a reserved name
            """,
        )
        with pytest.raises(TimeoutError):
            listener.accept()
    assert set(outcomes(run).values()) == {"passed"}, run.tests


def test_an_infinite_loop_is_killed_at_the_per_test_timeout(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    run = run_one(
        sandbox,
        tmp_path,
        """
        import signal
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        def add(a, b):
            while True:
                pass
        """,
    )
    # The first test hung and was killed; the suite ran again without it and hung on the next,
    # and so on, each run without the tests that hung before it.
    hung = [test.nodeid.split("::")[-1] for test in run.resumed_after]
    assert hung[:2] == ["test_small", "test_negative"]
    assert run.outcome == "timeout" or (run.finished and not run.tests)


def test_the_whole_suite_is_killed_at_the_wall_limit(sandbox: Sandbox, tmp_path: Path) -> None:
    limits = Limits(test_timeout_s=30, wall_timeout_s=2, memory_mb=768)
    tests = "\n".join(f"def test_{i}():\n    import time; time.sleep(0.5)\n" for i in range(10))
    run = run_one(sandbox, tmp_path, REFERENCE, tests, limits)
    assert run.outcome == "timeout" and not run.finished
    assert 0 < len(run.tests) < 10


def test_exiting_at_import_does_not_complete_the_suite(sandbox: Sandbox, tmp_path: Path) -> None:
    run = run_one(sandbox, tmp_path, "import sys\nsys.exit(0)\n")
    assert not (run.finished and all(t.outcome == "passed" for t in run.tests) and run.tests)


def test_os_exit_inside_a_test_ends_the_stream_without_finish(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    run = run_one(sandbox, tmp_path, "import os\ndef add(a, b):\n    os._exit(0)\n")
    assert not run.finished and run.exit_code == 0


def test_a_memory_hog_hits_the_address_space_limit(sandbox: Sandbox, tmp_path: Path) -> None:
    run = run_one(
        sandbox,
        tmp_path,
        """
        def add(a, b):
            hog = bytearray(4 << 30)
            return a + b
        """,
    )
    assert run.finished
    assert all(test.outcome == "failed" for test in run.tests)
    assert "MemoryError" in run.tests[0].message


def test_output_floods_are_capped(sandbox: Sandbox, tmp_path: Path) -> None:
    run = run_one(
        sandbox,
        tmp_path,
        """
        import os, stat
        def add(a, b):
            # Past pytest's capture: every pipe the process holds but the event channel (fd 3).
            chunk = b"x" * (1 << 20)
            pipes = [fd for fd in range(4, 64) if _is_pipe(fd)]
            for _ in range(40):
                for fd in pipes:
                    os.write(fd, chunk)
            return a + b
        def _is_pipe(fd):
            try:
                return stat.S_ISFIFO(os.fstat(fd).st_mode)
            except OSError:
                return False
        """,
    )
    assert "bytes of output cut" in run.stdout and "bytes of output cut" in run.stderr
    assert len(run.stdout) <= (1 << 20) + 100 and len(run.stderr) <= (1 << 20) + 100


def test_daemons_do_not_outlive_the_run(
    sandbox: Sandbox, tmp_path: Path, processes_with: Callable[[str], list[int]]
) -> None:
    marker = f"grader-daemon-{uuid.uuid4().hex}"
    run_one(
        sandbox,
        tmp_path,
        f"""
        import subprocess, sys
        subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(120)", "{marker}"],
            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        def add(a, b):
            return a + b
        """,
    )
    assert processes_with(marker) == []


def test_a_fork_bomb_is_contained_and_leaves_nothing_behind(
    sandbox: Sandbox, tmp_path: Path, processes_with: Callable[[str], list[int]]
) -> None:
    marker = f"grader-bomb-{uuid.uuid4().hex}"
    run = run_one(
        sandbox,
        tmp_path,
        f"""
        import os, sys
        _held = open(os.path.join(os.environ["TMPDIR"], "{marker}"), "w")  # every child holds it
        def add(a, b):
            while True:
                try:
                    if os.fork() == 0:
                        os.execv(sys.executable, [sys.executable, "-c", "while True: pass", "{marker}"])
                except OSError:  # the fork refused at the process limit, or the program walled off
                    pass
        """,
    )
    # Each test hung and was judged so; the suite ran again without it (after the last one, only
    # if the exercise's wall limit left time: on a loaded machine it may not), nothing survived.
    assert len(run.judged) == 4
    assert len(run.resumed_after) in (3, 4)
    assert all(t.outcome == "failed" and t.message.startswith("timed out") for t in run.judged)
    assert not [t for t in run.tests if t.outcome == "passed"]
    assert processes_with(marker) == []


def test_one_exercise_hanging_leaves_the_next_graded(sandbox: Sandbox, tmp_path: Path) -> None:
    hang = Job(
        "hang", {"solution.py": b"def add(a, b):\n    while True: pass\n"}, ADDER_TESTS, LIMITS
    )
    good = Job("good", {"solution.py": textwrap.dedent(REFERENCE).encode()}, ADDER_TESTS, LIMITS)
    outcome = LocalSandbox().run([hang, good])
    assert outcome.result is not None
    by_id = {run.id: run for run in outcome.result.exercises}
    hung = by_id["hang"]
    assert hung.judged and all(t.message.startswith("timed out") for t in hung.judged)
    assert not [t for t in hung.tests if t.outcome == "passed"]
    assert by_id["good"].finished and {t.outcome for t in by_id["good"].tests} == {"passed"}
