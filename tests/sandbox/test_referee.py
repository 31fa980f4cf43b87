"""The referee (sandbox/referee.py) in a real interpreter: what it refuses, and what it lets be.

Each case runs a fresh Python that installs the referee the way the runner does (the interpreter's
library trusted, a "suite" folder trusted and walled), then runs one snippet of "candidate" code
from a file in another folder. A violation is reported and the process is killed (SIGKILL); a
wall raises PermissionError, which the snippet prints.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

RUNNER_DIR = Path(__file__).resolve().parents[2] / "sandbox"

HARNESS = """
import os, sys, sysconfig
sys.path.insert(0, {runner!r})
import referee
suite, candidate = sys.argv[1], sys.argv[2]
trusted = [p for p in sys.path if p and os.path.isdir(p) and p != os.path.dirname(candidate)]
trusted.append(os.path.dirname(os.path.abspath(__file__)))  # this harness: the runner's stand-in
referee.install(
    trusted_dirs=trusted + [suite],
    walled_dirs=[suite],
    report=lambda what: print("VIOLATION", what, flush=True),
)
sys.path.insert(0, os.path.dirname(candidate))
sys.path.insert(0, suite)
import solution, test_calls
test_calls.call(suite)
print("DONE", flush=True)
"""
# The suite's test calls the candidate's `main`: the one trusted frame below the candidate's.
TEST_CALLS = "import solution\n\n\ndef call(suite):\n    solution.main(suite)\n"


def run(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_secret.py").write_text("EXPECTED = 42\n")
    (suite / "test_calls.py").write_text(TEST_CALLS)
    candidate = tmp_path / "candidate" / "solution.py"
    candidate.parent.mkdir()
    candidate.write_text(textwrap.dedent(body))
    harness = tmp_path / "harness" / "harness.py"
    harness.parent.mkdir()
    harness.write_text(HARNESS.format(runner=str(RUNNER_DIR)))
    return subprocess.run(
        [sys.executable, "-I", str(harness), str(suite), str(candidate)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_violation(done: subprocess.CompletedProcess[str], what: str) -> None:
    assert done.returncode == -signal.SIGKILL, done
    assert f"VIOLATION {what}" in done.stdout, done
    assert "DONE" not in done.stdout


def assert_allowed(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done
    assert "VIOLATION" not in done.stdout and "DONE" in done.stdout


CHEATS = {
    "getframe": ("import sys\ndef main(suite):\n    sys._getframe(1).f_locals\n", "sys._getframe"),
    "inspect_stack": ("import inspect\ndef main(suite):\n    inspect.stack()\n", "sys._getframe"),
    "traceback_frame": (
        "def main(suite):\n    try:\n        1 / 0\n    except ZeroDivisionError as e:\n"
        "        e.__traceback__.tb_frame.f_back\n",
        "access to .tb_frame",
    ),
    "walk_tb": (
        "import traceback\ndef main(suite):\n    try:\n        1 / 0\n"
        "    except ZeroDivisionError as e:\n        list(traceback.walk_tb(e.__traceback__))\n",
        "access to .tb_frame",
    ),
    "generator_frame": (
        "def gen():\n    yield 1\ndef main(suite):\n    gen().gi_frame\n",
        "access to .gi_frame",
    ),
    "locals_of_every_frame": (
        "import traceback\ndef main(suite):\n"
        "    traceback.StackSummary.extract(traceback.walk_stack(None), capture_locals=True)\n",
        "",
    ),
    "code_constants": (
        "def main(suite):\n    main.__code__.co_consts\n",
        "access to .__code__",
    ),
    "heap_walk_in_a_worker_thread": (
        "import gc\nfrom concurrent.futures import ThreadPoolExecutor\ndef main(suite):\n"
        "    ThreadPoolExecutor(1).submit(gc.get_objects).result()\n",
        "gc.get_objects",
    ),
    "current_frames": (
        "import sys\ndef main(suite):\n    sys._current_frames()\n",
        "sys._current_frames",
    ),
    "tracing": (
        "import sys\ndef main(suite):\n    sys.settrace(lambda *a: None)\n",
        "sys.settrace",
    ),
    "ctypes": (
        "import ctypes\ndef main(suite):\n    ctypes.string_at(id(main), 8)\n",
        "ctypes.",  # already at `import ctypes` (its dlopen), or at the read itself
    ),
    "code_under_a_trusted_name": (
        "import os\ndef main(suite):\n    compile('x = 1', os.__file__, 'exec')\n",
        "compile under the trusted name",
    ),
    "new_code_object": (
        "def main(suite):\n    main.__code__.replace(co_filename='/usr/lib/x.py')\n",
        "access to .__code__",
    ),
    # Built-ins alone, so that no frame of the candidate's is on the stack when the frame is taken.
    "getframe_through_builtins": (
        "import functools, itertools, sys\n"
        "main = functools.partial(next, map(sys._getframe, itertools.repeat(0)))\n",
        "sys._getframe called through built-ins from test_calls.call",
    ),
    "currentframe_through_builtins": (
        "import functools, inspect\nmain = functools.partial(next, iter(inspect.currentframe, 0))\n",
        "inspect.currentframe called through built-ins",
    ),
    "traceback_frame_through_builtins": (
        "import functools, operator\n"
        "try:\n    1 / 0\nexcept ZeroDivisionError as error:\n    caught = error.__traceback__\n"
        "main = functools.partial(next, map(operator.attrgetter('tb_frame'), [caught]))\n",
        ".tb_frame called through built-ins",
    ),
    "replaced_defaults": (
        "def f(x=1):\n    return x\ndef main(suite):\n    f.__defaults__ = (2,)\n",
        "setting .__defaults__",
    ),
}


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_a_cheat_is_a_violation_and_ends_the_process(name: str, tmp_path: Path) -> None:
    body, what = CHEATS[name]
    assert_violation(run(tmp_path, body), what)


def test_the_suite_cannot_be_read_but_that_is_a_wall_not_a_violation(tmp_path: Path) -> None:
    done = run(
        tmp_path,
        """
        import os, subprocess
        def main(suite):
            for attempt in (lambda: open(os.path.join(suite, "test_secret.py")).read(),
                            lambda: subprocess.run(["cat", os.path.join(suite, "test_secret.py")])):
                try:
                    attempt()
                except PermissionError as error:
                    print("WALL", error)
        """,
    )
    assert_allowed(done)
    assert done.stdout.count("WALL") == 2 and "42" not in done.stdout


def test_linecache_never_shows_candidate_code_the_suite(tmp_path: Path) -> None:
    """Asked by candidate code, a suite file has no lines; and none is ever kept in the cache."""
    done = run(
        tmp_path,
        """
        import linecache, os
        def main(suite):
            secret = os.path.join(suite, "test_secret.py")
            print("LINE", repr(linecache.getline(secret, 1)))
            print("LAZY", linecache.lazycache(secret, {"__name__": "x", "__loader__": None}))
            print("CACHED", [name for name in linecache.cache if name.startswith(suite)])
        """,
    )
    assert_allowed(done)
    assert "LINE ''" in done.stdout and "LAZY False" in done.stdout and "CACHED []" in done.stdout


def test_libraries_that_use_frames_for_themselves_are_not_cheating(tmp_path: Path) -> None:
    done = run(
        tmp_path,
        """
        import collections, dataclasses, enum, inspect, logging, traceback, typing
        Point = collections.namedtuple("Point", "x y")
        Color = enum.Enum("Color", "RED GREEN")
        Pair = typing.NamedTuple("Pair", [("a", int)])
        T = typing.TypeVar("T")

        @dataclasses.dataclass
        class Box(typing.Generic[T]):
            item: T

        def main(suite):
            logging.getLogger("candidate").warning("hello", stack_info=True)
            try:
                raise ValueError("boom")
            except ValueError:
                text = traceback.format_exc()
                logging.getLogger("candidate").exception("caught")
            traceback.format_stack()
            inspect.signature(main)
            assert inspect.iscoroutinefunction(main) is False
            assert "boom" in text and Box(1).item == 1
        """,
    )
    assert_allowed(done)


def test_trusted_code_alone_may_look_at_frames(tmp_path: Path) -> None:
    """No candidate code on the stack: the runner's own introspection is none of its business."""
    script = tmp_path / "trusted.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(RUNNER_DIR)!r})
            import referee
            referee.install(trusted_dirs=[{str(tmp_path)!r}] + [p for p in sys.path if p],
                            walled_dirs=[], report=lambda what: print("VIOLATION", what))
            sys._getframe(0).f_code
            print("DONE")
            """
        )
    )
    done = subprocess.run(
        [sys.executable, "-I", str(script)], capture_output=True, text=True, timeout=60
    )
    assert_allowed(done)


def test_the_integrity_check_names_what_was_patched(tmp_path: Path) -> None:
    script = tmp_path / "patch.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(RUNNER_DIR)!r})
            import builtins, json, referee, _pytest.runner, _pytest.python
            integrity = referee.Integrity(report=print)
            print("BEFORE", integrity.changed())
            _pytest.python.Function.runtest = lambda self: None
            print("CLASS", integrity.changed())
            del _pytest.python.Function.runtest
            _pytest.runner.call_and_report = print
            print("MODULE", integrity.changed())
            builtins.type = lambda value: int
            """
        )
    )
    done = subprocess.run(
        [sys.executable, "-I", str(script)], capture_output=True, text=True, timeout=60
    )
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert lines["BEFORE"] == "None"
    assert lines["CLASS"] == "_pytest.python.Function.runtest"
    assert lines["MODULE"].startswith("_pytest.")
