"""The red team of issue 9 ("Trustworthy scores"): submissions that forge a grade from inside.

Each forgery is one `solution.py`, nothing else, graded through the real `grade` command in both
sandboxes. The four classes of the issue, and variations of them:

1. objects that equal everything (and forgers of the suites' comparison itself);
2. reading the expected value: from the calling test's frame (found in many ways), from the hidden
   test file, from the test functions' constants, marks or globals;
3. forging only the real tests: touching only the module that imported `solution`, so the canary
   modules stay honest;
4. faking performance budgets measured inside the test process.

A forgery must earn nothing: the exercise is `tampered`, or scores no more than its stub does (0:
every stub raises NotImplementedError). For class 4 the correct-but-slow sort keeps its
correctness points; no performance test may pass. Targets: the fixture exercise `adder` (its
hidden suite compares with a local `same`) and `sorter` (its own catalog, tests/fixtures/forgery:
expected values in a local, a parametrize mark, next to a callback, and CPU-measured performance
tests; it compares with `from exact import same`).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CATALOGS = {"adder": FIXTURES / "exercises", "sorter": FIXTURES / "forgery"}
STUB_SCORE = 0.0  # both stubs raise NotImplementedError: every hidden test fails
PERFORMANCE_TESTS = {
    "test_sorter.py::test_large_input_is_fast",
    "test_sorter.py::test_large_input_within_a_cpu_timer",
}


def grade(root: Path, sandbox: str, exercise: str) -> dict[str, Any]:
    """The report of one exercise, graded by the real command line."""
    done = subprocess.run(
        [str(BIN / "grade"), str(root), "--sandbox", sandbox, "--format", "json", "-e", exercise],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "GRADER_EXERCISES": str(CATALOGS[exercise])},
    )
    assert done.returncode == 0, done.stderr
    (result,) = json.loads(done.stdout)["exercises"]
    assert isinstance(result, dict)
    return result


def code(*parts: str) -> str:
    return "\n".join(textwrap.dedent(part).strip("\n") + "\n" for part in parts)


# --- building blocks of the forgeries ------------------------------------------------------------

# Evaluates the expected side of `same(solution.f(ARGS), EXPECTED)` on a line of a test's source,
# for the arguments the forger was called with (names in ARGS are bound to them, or checked
# against the test's locals when it has them).
EVALUATE = """
import ast as _ast

_MISSING = object()


def _expected_on(line, args, scope=None):
    try:
        tree = _ast.parse(line.strip())
    except SyntaxError:
        return _MISSING
    for node in _ast.walk(tree):
        if not (isinstance(node, _ast.Call) and len(node.args) == 2
                and isinstance(node.args[0], _ast.Call)):
            continue
        inner, names = node.args[0], dict(scope or {})
        fits = len(inner.args) == len(args)
        for expr, value in zip(inner.args, args):
            if isinstance(expr, _ast.Name) and expr.id not in names:
                names[expr.id] = value
                continue
            try:
                fits = fits and eval(compile(_ast.Expression(expr), "<e>", "eval"), {}, names) == value
            except Exception:
                fits = False
        if fits:
            try:
                return eval(compile(_ast.Expression(node.args[1]), "<e>", "eval"), {}, names)
            except Exception:
                pass
    return _MISSING
"""

# `add` answers from the calling test's frame, however `_caller()` finds it.
ADD_FROM_CALLER = """
import linecache


def add(a, b):
    frame = _caller()
    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
    found = _expected_on(line, (a, b), frame.f_locals)
    return a - b if found is _MISSING else found
"""

# The modules that imported this solution: the hidden suite's, never a canary module.
HIDDEN_MODULES = """
import sys

_me = sys.modules[__name__]


def _hidden_modules():
    return [m for m in list(sys.modules.values())
            if getattr(m, "solution", None) is _me and getattr(m, "__file__", None)]
"""

QUADRATIC = """
def _slow_sort(values, key=None):
    keyed = key or (lambda v: v)
    result = []
    for value in values:
        at = len(result)
        while at > 0 and keyed(result[at - 1]) > keyed(value):
            at -= 1
        result.insert(at, value)
    return result
"""

# Time measured inside the test process, fooled: the clock stands still and the timer never fires.
FROZEN_CLOCKS = """
import signal, time

time.process_time = lambda: 0.0
signal.setitimer = lambda *args, **kwargs: (0.0, 0.0)
"""

# The sandbox's Python runs the forged code compiled as if it were pytest's own file.
FRAME_READER = code(
    "import sys",
    EVALUATE,
    """
    def _caller():
        return sys._getframe(2)
    """,
    ADD_FROM_CALLER,
)


# `type` rebound in builtins to a stand-in that names a plain type for the forger's objects (and
# is `type` itself for everything else: isinstance, issubclass, three arguments): comparisons that
# look `type` up when they run (a suite's own `same`, sandbox/exact.py) see an int, then ask it.
REBOUND_TYPE = """
import builtins

_type = type
FORGED = {}  # the forger's types -> the plain type each claims to be


class _Meta(_type):
    def __call__(cls, *args, **kwargs):
        if len(args) == 1 and not kwargs:
            kind = _type(args[0])
            return FORGED.get(kind, kind)
        return _type(*args, **kwargs)

    def __instancecheck__(cls, instance):
        return isinstance(instance, _type)

    def __subclasscheck__(cls, subclass):
        return issubclass(subclass, _type)

    def __getattribute__(cls, name):  # type.__dict__, type.__mro__, ...: type's own
        return getattr(_type, name)

    def __getitem__(cls, item):
        return _type[item]


class _Type(_type, metaclass=_Meta):
    pass


class Yes(int):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = int.__hash__


FORGED[Yes] = int
builtins.type = _Type
"""


@dataclass(frozen=True)
class Forgery:
    exercise: str  # "adder" or "sorter"
    solution: str
    performance: bool = False  # class 4: judged on the performance tests only


FORGERIES: dict[str, Forgery] = {
    # --- 1. objects that equal everything, and forgers of the comparison ---------------------
    "object_equal_to_everything": Forgery(
        "adder",
        code(
            """
            class Anything:
                def __eq__(self, other):
                    return True

                def __ne__(self, other):
                    return False

                __hash__ = object.__hash__


            def add(a, b):
                return Anything()
            """
        ),
    ),
    "list_subclass_equal_to_everything": Forgery(
        "sorter",
        code(
            """
            class Sorted(list):
                def __eq__(self, other):
                    return True

                def __ne__(self, other):
                    return False

                __hash__ = None


            def sort_numbers(values, key=None):
                return Sorted(values)
            """
        ),
    ),
    "patches_exact_same": Forgery(
        "sorter",
        code(
            """
            import exact

            exact.same = lambda actual, expected: True
            exact.difference = lambda *args, **kwargs: None


            def sort_numbers(values, key=None):
                return list(values)
            """
        ),
    ),
    "patches_same_in_the_test_module": Forgery(
        "adder",
        code(
            HIDDEN_MODULES,
            """
            def add(a, b):
                for module in _hidden_modules():
                    module.same = lambda value, expected: True
                return a - b
            """,
        ),
    ),
    "rebinds_builtins_type": Forgery(
        "adder", code(REBOUND_TYPE, "def add(a, b):\n    return Yes(a - b)")
    ),
    "rebinds_builtins_type_against_exact": Forgery(
        "sorter",
        code(
            REBOUND_TYPE,
            """
            class Sorted(list):
                def __iter__(self):
                    return (Yes(value) for value in list.__iter__(self))


            FORGED[Sorted] = list


            def sort_numbers(values, key=None):
                return Sorted(values)
            """,
        ),
    ),
    "patches_same_without_a_frame_of_its_own": Forgery(
        "adder",
        code(
            """
            # Built-ins only, as below: the test's own frame, then its module's globals, where
            # `same` is replaced (the first test has loaded it already; the others have not).
            # (No `operator`: this exercise forbids importing it.)
            import functools, itertools, sys, types

            _frames = map(sys._getframe, itertools.repeat(0))
            _globals = map(types.FrameType.f_globals.__get__, _frames)
            _always = lambda actual, expected: True
            _patched = map(dict.__setitem__, _globals, itertools.repeat("same"), itertools.repeat(_always))
            # add(a, b) is print(a, b) into a "file" whose write is next(_patched, text).
            _file = types.SimpleNamespace(write=functools.partial(next, _patched))
            add = functools.partial(print, file=_file, sep="", end="")
            """
        ),
    ),
    # --- 2. reading the expected value --------------------------------------------------------
    "reads_the_callers_frame": Forgery("adder", FRAME_READER),
    "reads_the_frame_through_current_frames": Forgery(
        "adder",
        code(
            "import sys, threading",
            EVALUATE,
            """
            def _caller():
                return sys._current_frames()[threading.get_ident()].f_back.f_back
            """,
            ADD_FROM_CALLER,
        ),
    ),
    "reads_a_traceback_frame": Forgery(
        "adder",
        code(
            EVALUATE,
            """
            def _caller():
                try:
                    raise LookupError
                except LookupError as error:
                    return error.__traceback__.tb_frame.f_back.f_back
            """,
            ADD_FROM_CALLER,
        ),
    ),
    "reads_a_generator_frame": Forgery(
        "adder",
        code(
            EVALUATE,
            """
            def _caller():
                def probe():
                    yield generator.gi_frame.f_back.f_back.f_back

                generator = probe()
                return next(generator)
            """,
            ADD_FROM_CALLER,
        ),
    ),
    "reads_the_frame_through_ctypes": Forgery(
        "adder",
        code(
            "import ctypes",
            EVALUATE,
            """
            _current_frame = ctypes.pythonapi.PyEval_GetFrame
            _current_frame.restype = ctypes.py_object


            def _caller():
                return _current_frame().f_back.f_back
            """,
            ADD_FROM_CALLER,
        ),
    ),
    "reads_the_frame_as_pytest_itself": Forgery(
        "adder",
        code(
            f"""
            import _pytest.python

            _SOURCE = {FRAME_READER!r}
            _namespace = {{"__name__": "_pytest.python", "__file__": _pytest.python.__file__}}
            exec(compile(_SOURCE, _pytest.python.__file__, "exec"), _namespace)
            add = _namespace["add"]
            """
        ),
    ),
    "reads_the_expected_local_through_inspect_stack": Forgery(
        "sorter",
        code(
            "import inspect",
            EVALUATE,
            """
            def sort_numbers(values, key=None):
                caller = inspect.stack()[1]
                scope = caller.frame.f_locals
                if "expected" in scope:
                    return list(scope["expected"])
                for line in caller.code_context or []:
                    found = _expected_on(line, (values,), scope)
                    if found is not _MISSING:
                        return found
                return list(values)
            """,
        ),
    ),
    "reads_the_expected_local_without_a_frame_of_its_own": Forgery(
        "sorter",
        code(
            """
            # No function of this file runs while the test calls sort_numbers: built-ins only (a
            # partial of next over lazy maps), so the innermost Python frame when sys._getframe
            # runs is the test's own, and every frame on the stack comes from a trusted file.
            import functools, itertools, operator, sys

            _frames = map(sys._getframe, itertools.repeat(0))
            _expected = map(operator.itemgetter("expected"), map(operator.attrgetter("f_locals"), _frames))
            sort_numbers = functools.partial(next, map(list, _expected))
            """
        ),
    ),
    # --- the referee itself: what `import referee` gives candidate code ---------------------
    "switches_the_referee_off_for_a_moment": Forgery(
        "adder",
        code(
            "import sys",
            EVALUATE,
            """
            import linecache
            import referee


            def add(a, b):
                # Everything the installed hook might read through the importable module, made
                # harmless for one look at the caller's frame, then put back before the test ends.
                saved = dict(vars(referee)), dict(vars(referee.Referee))
                for name in ("_WATCHED", "_VIOLATIONS", "_FRAME_ATTRIBUTES", "_RELAYABLE"):
                    setattr(referee, name, frozenset())
                for name in ("judge", "__call__", "candidate_context"):
                    setattr(referee.Referee, name, lambda *args, **kwargs: False)
                try:
                    frame = sys._getframe(1)
                    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
                    found = _expected_on(line, (a, b), frame.f_locals)
                finally:
                    vars(referee).update(saved[0])
                    for name, value in saved[1].items():
                        if name not in ("__dict__", "__weakref__"):
                            setattr(referee.Referee, name, value)
                return a - b if found is _MISSING else found
            """,
        ),
    ),
    "puts_linecache_back_to_read_the_suite": Forgery(
        "adder",
        code(
            "import linecache",
            EVALUATE,
            """
            # linecache's own function, which keeps what it reads: Hypothesis then reads the test's
            # source into the cache before every run of a @given test.
            linecache.updatecache = linecache.updatecache.__kwdefaults__["_read"]


            def add(a, b):
                for name, entry in list(linecache.cache.items()):
                    if "test_" not in name or len(entry) < 3:
                        continue
                    for line in entry[2]:
                        found = _expected_on(line, (a, b))
                        if found is not _MISSING:
                            return found
                return a - b
            """,
        ),
    ),
    "reads_the_expected_local_from_a_profiler": Forgery(
        "sorter",
        code(
            """
            import sys

            _seen = {}


            def _profile(frame, event, arg):
                if event == "call" and frame.f_code.co_name == "sort_numbers":
                    scope = frame.f_back.f_locals if frame.f_back is not None else {}
                    _seen["answer"] = scope.get("expected")


            sys.setprofile(_profile)


            def sort_numbers(values, key=None):
                answer = _seen.pop("answer", None)
                return list(answer) if answer is not None else list(values)
            """
        ),
    ),
    "reads_the_stack_through_logging": Forgery(
        "adder",
        code(
            "import io, logging",
            EVALUATE,
            """
            _stream = io.StringIO()
            _log = logging.getLogger("solution.debugging")
            _log.addHandler(logging.StreamHandler(_stream))
            _log.setLevel(logging.DEBUG)
            _log.propagate = False


            def add(a, b):
                _stream.seek(0)
                _stream.truncate()
                _log.debug("where am I?", stack_info=True)
                for line in reversed(_stream.getvalue().splitlines()):
                    found = _expected_on(line, (a, b))
                    if found is not _MISSING:
                        return found
                return a - b
            """,
        ),
    ),
    "reads_the_hidden_test_file": Forgery(
        "adder",
        code(
            HIDDEN_MODULES,
            EVALUATE,
            """
            def add(a, b):
                for module in _hidden_modules():
                    with open(module.__file__) as source:
                        for line in source:
                            found = _expected_on(line, (a, b))
                            if found is not _MISSING:
                                return found
                return a - b
            """,
        ),
    ),
    "cats_the_hidden_test_file": Forgery(
        "adder",
        code(
            "import subprocess",
            HIDDEN_MODULES,
            EVALUATE,
            """
            def add(a, b):
                for module in _hidden_modules():
                    text = subprocess.run(["cat", module.__file__], capture_output=True, text=True)
                    for line in text.stdout.splitlines():
                        found = _expected_on(line, (a, b))
                        if found is not _MISSING:
                            return found
                return a - b
            """,
        ),
    ),
    "reads_linecache_after_a_sacrificed_test": Forgery(
        "adder",
        code(
            "import linecache",
            HIDDEN_MODULES,
            EVALUATE,
            """
            _calls = []


            def add(a, b):
                _calls.append((a, b))
                if len(_calls) == 1:  # pytest's traceback of this failure caches the test file
                    raise ValueError("sacrificed")
                for module in _hidden_modules():
                    cached = linecache.cache.get(module.__file__)
                    for line in cached[2] if cached else []:
                        found = _expected_on(line, (a, b))
                        if found is not _MISSING:
                            return found
                return a - b
            """,
        ),
    ),
    "reads_the_test_functions_constants": Forgery(
        "sorter",
        code(
            "import collections, types",
            HIDDEN_MODULES,
            """
            def _constants(code):
                for constant in code.co_consts:
                    if isinstance(constant, types.CodeType):
                        yield from _constants(constant)
                    else:
                        yield constant


            def sort_numbers(values, key=None):
                for module in _hidden_modules():
                    for function in list(vars(module).values()):
                        if not isinstance(function, types.FunctionType):
                            continue
                        for constant in _constants(function.__code__):
                            if (isinstance(constant, tuple) and constant != tuple(values)
                                    and collections.Counter(constant) == collections.Counter(values)):
                                return list(constant)
                return list(values)
            """,
        ),
    ),
    "reads_the_parametrize_marks": Forgery(
        "sorter",
        code(
            HIDDEN_MODULES,
            """
            def sort_numbers(values, key=None):
                for module in _hidden_modules():
                    for function in list(vars(module).values()):
                        for mark in getattr(function, "pytestmark", None) or []:
                            if getattr(mark, "name", "") != "parametrize" or len(mark.args) < 2:
                                continue
                            for case in mark.args[1]:
                                if isinstance(case, tuple) and len(case) == 2 and case[0] == values:
                                    return list(case[1])
                return list(values)
            """,
        ),
    ),
    "reads_the_parameters_through_pytests_objects": Forgery(
        "sorter",
        code(
            """
            import sys


            def _holders():
                # Every global reference to pytest's config, session or current item seen in a
                # plain pytest session: tests/fixtures/seclusion checks that none is left.
                import _pytest.assertion.util as util
                yield getattr(util, "_config", None)
                for cell in getattr(util._reprcompare, "__closure__", None) or ():
                    yield cell.cell_contents
                for finder in sys.meta_path:
                    yield getattr(finder, "session", None)
                    yield getattr(finder, "config", None)
                yield getattr(sys.modules["pytest"].mark, "_config", None)
                debugging = sys.modules.get("_pytest.debugging")
                if debugging is not None:
                    yield getattr(debugging.pytestPDB, "_config", None)


            def _items():
                for holder in _holders():
                    if hasattr(holder, "callspec"):
                        yield holder
                    config = getattr(holder, "config", holder)
                    manager = getattr(config, "pluginmanager", None)
                    session = manager.getplugin("session") if manager is not None else None
                    yield from getattr(session, "items", None) or []


            def sort_numbers(values, key=None):
                for item in _items():
                    params = getattr(getattr(item, "callspec", None), "params", {})
                    if params.get("values") == values and "expected" in params:
                        return list(params["expected"])
                return list(values)
            """
        ),
    ),
    "patches_same_through_a_callbacks_globals": Forgery(
        "sorter",
        code(
            """
            def sort_numbers(values, key=None):
                if key is not None:
                    key.__globals__["same"] = lambda actual, expected: True
                return list(values)
            """
        ),
    ),
    # --- 3. forging only the real tests ---------------------------------------------------------
    "patches_runtest_of_the_real_tests": Forgery(
        "adder",
        code(
            HIDDEN_MODULES,
            """
            import _pytest.python

            _runtest = _pytest.python.Function.runtest


            def runtest(self):
                if getattr(self.module, "solution", None) is not _me:
                    _runtest(self)


            _pytest.python.Function.runtest = runtest


            def add(a, b):
                return a - b
            """,
        ),
    ),
    "forges_every_real_test_but_the_canaries_twins": Forgery(
        "adder",
        code(
            HIDDEN_MODULES,
            """
            import _pytest.python

            _runtest = _pytest.python.Function.runtest


            def _extends(code, other):
                # A twin is a copy of a real test with an assertion appended: the same constants,
                # names and locals, then more (a new local at least).
                return (
                    len(other.co_consts) > 1
                    and len(other.co_names) > 0
                    and len(code.co_varnames) > len(other.co_varnames)
                    and code.co_varnames[: len(other.co_varnames)] == other.co_varnames
                    and code.co_consts[: len(other.co_consts)] == other.co_consts
                    and code.co_names[: len(other.co_names)] == other.co_names
                )


            def _twin(item):
                code = getattr(item.obj, "__code__", None)
                others = [
                    value.__code__
                    for name, value in vars(item.module).items()
                    if name.startswith("test") and hasattr(value, "__code__") and value is not item.obj
                ]
                return code is not None and any(_extends(code, other) for other in others)


            def runtest(self):
                if getattr(self.module, "solution", None) is not _me or _twin(self):
                    _runtest(self)  # the canary modules and the twins fail honestly


            _pytest.python.Function.runtest = runtest


            def add(a, b):
                return a - b
            """,
        ),
    ),
    "registers_a_plugin_found_through_gc": Forgery(
        "adder",
        code(
            HIDDEN_MODULES,
            """
            import gc

            import pytest


            class Forger:
                @pytest.hookimpl(wrapper=True)
                def pytest_runtest_makereport(self, item, call):
                    report = yield
                    if report.when == "call" and getattr(item.module, "solution", None) is _me:
                        report.outcome = "passed"
                        report.longrepr = None
                    return report


            for _config in gc.get_objects():
                if type(_config).__name__ == "Config" and type(_config).__module__ == "_pytest.config":
                    _config.pluginmanager.register(Forger(), "forger")


            def add(a, b):
                return a - b
            """,
        ),
    ),
    "patches_call_and_report_in_the_runners_globals": Forgery(
        "adder",
        code(
            HIDDEN_MODULES,
            """
            import _pytest.runner as _runner

            _call_and_report = _runner.call_and_report


            def call_and_report(item, when, log=True, **kwargs):
                if when == "call" and getattr(item.module, "solution", None) is _me:
                    call = _runner.CallInfo.from_call(lambda: None, when="call")
                    report = item.ihook.pytest_runtest_makereport(item=item, call=call)
                    if log:
                        item.ihook.pytest_runtest_logreport(report=report)
                    return report
                return _call_and_report(item, when, log, **kwargs)


            _runner.call_and_report = call_and_report


            def add(a, b):
                return a - b
            """,
        ),
    ),
    "patches_the_event_plugins_class": Forgery(
        "adder",
        code(
            "import os",
            HIDDEN_MODULES,
            """
            _plugin = sys.modules["plugin"]
            _emit = _plugin.EventPlugin._emit


            def _forged(self, event, **fields):
                hidden = {os.path.basename(m.__file__) for m in _hidden_modules()}
                if event == "test" and str(fields.get("nodeid")).split("::")[0] in hidden:
                    fields.update(outcome="passed", message="")
                _emit(self, event, **fields)


            _plugin.EventPlugin._emit = _forged


            def add(a, b):
                return a - b
            """,
        ),
    ),
    "relays_the_event_stream": Forgery(
        "adder",
        code(
            "import json, os, threading",
            HIDDEN_MODULES,
            """
            _real = os.dup(3)
            _read, _write = os.pipe()
            os.dup2(_write, 3)
            os.close(_write)
            _finished = threading.Event()


            def _relay():
                pending = b""
                while chunk := os.read(_read, 65536):
                    *lines, pending = (pending + chunk).split(b"\\n")
                    for line in lines:
                        event = json.loads(line)
                        hidden = {os.path.basename(m.__file__) for m in _hidden_modules()}
                        if event["event"] == "test" and event["nodeid"].split("::")[0] in hidden:
                            event.update(outcome="passed", message="")
                        os.write(_real, (json.dumps(event) + "\\n").encode())
                        if event["event"] == "finish":
                            _finished.set()


            threading.Thread(target=_relay, daemon=True).start()
            _exit = os._exit


            def _exit_once_relayed(code):
                _finished.wait(5)
                _exit(code)


            os._exit = _exit_once_relayed


            def add(a, b):
                return a - b
            """,
        ),
    ),
    "reexecutes_the_hidden_module_with_tests_that_cannot_fail": Forgery(
        "adder",
        code(
            "import ast, functools, importlib.abc, types",
            HIDDEN_MODULES,
            """
            def _cannot_fail(test):
                @functools.wraps(test)
                def wrapper(*args, **kwargs):
                    try:
                        test(*args, **kwargs)
                    except Exception:
                        pass

                return wrapper


            class _Loader(importlib.abc.Loader):
                def __init__(self, loader):
                    self.loader = loader

                def create_module(self, spec):
                    return self.loader.create_module(spec)

                def exec_module(self, module):
                    self.loader.exec_module(module)
                    if vars(module).get("solution") is _me:
                        for name, value in list(vars(module).items()):
                            if name.startswith("test") and callable(value):
                                setattr(module, name, _cannot_fail(value))


            class _Finder(importlib.abc.MetaPathFinder):
                # Test modules imported after this one: every test wrapped once it is defined.
                def find_spec(self, name, path=None, target=None):
                    if not name.startswith("test"):
                        return None
                    for finder in sys.meta_path:
                        if finder is self or not hasattr(finder, "find_spec"):
                            continue
                        spec = finder.find_spec(name, path, target)
                        if spec is not None and spec.loader is not None:
                            spec.loader = _Loader(spec.loader)
                            return spec
                    return None


            sys.meta_path.insert(0, _Finder())


            def _reexecute(name, module):
                # The test module importing this one right now: executed again, every test body
                # in a try/except, and put in its place (import returns what sys.modules holds).
                with open(module.__file__) as source:
                    tree = ast.parse(source.read())
                for node in ast.walk(tree):
                    if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                        handler = ast.ExceptHandler(
                            type=ast.Name(id="Exception", ctx=ast.Load()), name=None, body=[ast.Pass()]
                        )
                        node.body = [ast.Try(body=node.body, handlers=[handler], orelse=[], finalbody=[])]
                clone = types.ModuleType(name)
                clone.__file__, clone.__spec__ = module.__file__, module.__spec__
                clone.__loader__ = module.__loader__
                sys.modules[name] = clone
                exec(compile(ast.fix_missing_locations(tree), module.__file__, "exec"), vars(clone))


            for _name, _module in list(sys.modules.items()):
                if (_name.startswith("test") and getattr(_module, "__file__", None)
                        and getattr(getattr(_module, "__spec__", None), "_initializing", False)):
                    _reexecute(_name, _module)


            def add(a, b):
                return a - b
            """,
        ),
    ),
    # --- 4. faking performance budgets (a right but quadratic sort) ------------------------------
    "fakes_the_cpu_clocks": Forgery(
        "sorter",
        code(FROZEN_CLOCKS, QUADRATIC, "sort_numbers = _slow_sort"),
        performance=True,
    ),
    "hides_the_performance_marks_and_fakes_the_clocks": Forgery(
        "sorter",
        code(
            FROZEN_CLOCKS,
            QUADRATIC,
            """
            import _pytest.nodes

            _closest = _pytest.nodes.Node.get_closest_marker


            def get_closest_marker(self, name, default=None):
                return default if name == "performance" else _closest(self, name, default)


            _pytest.nodes.Node.get_closest_marker = get_closest_marker
            sort_numbers = _slow_sort
            """,
        ),
        performance=True,
    ),
    "sorts_in_a_grandchild_nobody_waits_for": Forgery(
        "sorter",
        code(
            "import os, pickle",
            QUADRATIC,
            """
            def sort_numbers(values, key=None):
                # The CPU is spent in a process whose usage no clock of this one counts, nor its
                # parent's wait: the intermediate child exits at once, the grandchild is reparented.
                read, write = os.pipe()
                child = os.fork()
                if child == 0:
                    try:
                        if os.fork() == 0:
                            os.close(read)
                            with os.fdopen(write, "wb") as out:
                                out.write(pickle.dumps(_slow_sort(values, key)))
                    finally:
                        os._exit(0)
                os.close(write)
                os.waitpid(child, 0)
                with os.fdopen(read, "rb") as source:
                    return pickle.loads(source.read())
            """,
        ),
        performance=True,
    ),
}


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_a_forgery_earns_nothing(name: str, sandbox: str, tmp_path: Path) -> None:
    forgery = FORGERIES[name]
    root = tmp_path / "submission"
    (root / forgery.exercise).mkdir(parents=True)
    (root / forgery.exercise / "solution.py").write_text(forgery.solution)
    result = grade(root, sandbox, forgery.exercise)
    passed = {test["name"] for test in result["tests"] if test["outcome"] == "passed"}
    verdict = (
        f"{result['status']} {result['score']}/{result['max_score']}: {result['message']}; "
        f"passed {sorted(passed)}"
    )
    if result["status"] == "tampered":
        assert result["score"] == 0, verdict
        return
    assert result["status"] in {"passed", "partial", "failed", "error", "timeout"}, verdict
    if forgery.performance:
        # The sort is right, so its correctness tests may pass; its speed is what is forged.
        assert not passed & PERFORMANCE_TESTS, verdict
        assert result["score"] < result["max_score"], verdict
    else:
        assert result["score"] <= STUB_SCORE, verdict
