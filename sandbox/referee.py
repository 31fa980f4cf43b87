"""The referee: an audit hook (PEP 578) in the test process, refusing what only a cheat needs.

The hidden tests and the candidate's code share one interpreter, so whatever the tests know (the
expected values in their frames, their source, pytest's reports) is a few lines of introspection
away from the candidate. The referee is installed before any candidate code runs and cannot be
removed from Python; it runs from a private copy of this module (see `install`), so rebinding
what `import referee` gives changes nothing. It watches a short list of audit events and refuses
them in a *candidate context*: when a frame of code that does not come from a trusted file (the
interpreter's library, the installed packages, the runner, the hidden suite) is on the stack, in
any thread but the main one (a worker thread runs whatever the candidate handed it), or in a
process the candidate forked.

Two kinds of refusal:

* **Violations** — frame access (``sys._getframe``, ``f_code``, ``tb_frame``, ``gi_frame``, …),
  code objects (``__code__``, ``code.__new__``, compiling or unmarshalling code under a trusted
  file name), heap walks (``gc.get_objects``/``get_referrers``/``get_referents``), tracing and
  profiling hooks, ``ctypes``, new audit hooks. No honest solution needs them, so the first one is
  reported on the event channel and the test process is killed: the exercise is ``tampered``.
* **Walls** — opening the hidden suite's or the runner's files, and starting programs (which would
  run without this hook). These raise ``PermissionError``: an honest ``traceback.print_stack()``
  reaches the suite's source through ``linecache`` too, and simply prints no source lines.

A few library functions use a frame internally and hand none back (``collections.namedtuple``,
``typing``, ``enum``, ``logging``'s caller lookup, ``traceback``'s formatting, pydantic's namespace
lookup); they are allowed, but only after checking that the modules they rely on are exactly as
they were when the referee was installed, so that a patched ``logging.traceback`` cannot smuggle a
frame out to the candidate.
"""

from __future__ import annotations

import _thread
import contextlib
import importlib
import importlib.util
import marshal
import operator
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from types import CodeType, FrameType, ModuleType
from typing import Any

# What the hook calls while tests run, bound when this module is loaded: candidate code can
# rebind `os.kill`, `sys._getframe` or `os.path`'s helpers, not these names of the private copy
# that `install` loads (see there). Paths are judged with string prefixes and `stat`, never with
# `os.path.realpath`, whose Python helpers anyone can rebind.
_getframe = sys._getframe
_get_ident = _thread.get_ident
_kill = os.kill
_getpid = os.getpid
_stat = os.stat
_SIGKILL = signal.SIGKILL
_unmarshal = marshal.loads
_CACHE_TAG = sys.implementation.cache_tag

# Events refused in a candidate context, as evidence of tampering.
_FRAME_ATTRIBUTES = frozenset(
    {"f_code", "tb_frame", "gi_frame", "cr_frame", "ag_frame", "gi_code", "cr_code", "ag_code"}
)
_CODE_ATTRIBUTES = _FRAME_ATTRIBUTES | {"__code__"}
# A function's code and defaults (exact.py keeps the built-ins it trusts in a default).
_FUNCTION_INTERNALS = frozenset({"__code__", "__defaults__", "__kwdefaults__"})
_VIOLATIONS = frozenset(
    {
        "sys._current_frames",
        "sys.settrace",
        "sys.setprofile",
        "sys.addaudithook",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
        "code.__new__",
        "function.__new__",
    }
)
_SPAWN = frozenset(
    {"subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.system", "pty.spawn"}
)
_WATCHED = (
    _VIOLATIONS
    | _SPAWN
    | {
        "referee.linecache.read",
        "referee.linecache.keep",
        "sys._getframe",
        "object.__getattr__",
        "object.__setattr__",
        "open",
        "compile",
        "marshal.loads",
    }
)

# (module, function) pairs that take a frame, use it and give none back.
_FRAME_SAFE = frozenset(
    {
        ("collections", "namedtuple"),
        ("typing", "_caller"),
        ("typing", "NamedTupleMeta.__new__"),
        ("typing", "_TypedDictMeta.__new__"),
        ("enum", "EnumType._create_"),
        ("enum", "EnumType.__new__"),
        ("enum", "EnumType._convert_"),
        ("logging", "Logger.findCaller"),
        ("traceback", "StackSummary._extract_from_extended_frame_gen"),
        ("traceback", "StackSummary.extract"),
        ("traceback", "extract_stack"),
        ("traceback", "format_stack"),
        ("traceback", "print_stack"),
        ("traceback", "TracebackException.__init__"),
        ("dataclasses", "_process_class"),
        ("dataclasses", "_create_fn"),
        ("dataclasses", "_add_slots"),
        ("inspect", "_signature_from_function"),
        ("inspect", "_signature_from_callable"),
        ("inspect", "unwrap"),
        ("inspect", "_has_code_flag"),
        ("inspect", "_signature_is_functionlike"),
        ("functools", "update_wrapper"),
        ("pydantic._internal._model_construction", "ModelMetaclass.__new__"),
        ("pydantic._internal._typing_extra", "parent_frame_namespace"),
        ("pydantic.main", "BaseModel.model_rebuild"),
        ("typing", "overload"),
        ("typing_extensions", "_has_generic_or_protocol_as_origin"),
        ("pydantic.main", "create_model"),
        ("pydantic.type_adapter", "TypeAdapter.__init__"),
        ("fastapi.routing", "_extract_endpoint_context"),
        ("fastapi.dependencies.utils", "get_typed_signature"),
        ("fastapi.dependencies.utils", "get_typed_return_annotation"),
    }
)
# Frames these functions walk before they reach a frame-safe one (generators and helpers).
_FRAME_PASSERS = frozenset(
    {
        ("logging", "<lambda>"),
        ("logging", "_is_internal_frame"),
        ("traceback", "walk_tb"),
        ("traceback", "walk_stack"),
        ("traceback", "_walk_tb_with_full_positions"),
        ("inspect", "signature"),
        ("inspect", "Signature.from_callable"),
        ("inspect", "_signature_from_callable"),
        ("inspect", "getfile"),
        ("inspect", "getsourcefile"),
        ("inspect", "findsource"),
        ("inspect", "getsourcelines"),
        ("pydantic.type_adapter", "TypeAdapter._fetch_parent_frame"),
    }
)
# Events that trusted code only raises by calling the function by its name (see `relayed`):
# frames and the heap; code and function objects are made by other names (`CodeType`).
_RELAYABLE = frozenset(
    {"sys._getframe"} | {event for event in _VIOLATIONS if event.startswith(("sys.", "gc."))}
)
# Functions that call sys._getframe and return the frame, or frames above it, to their caller,
# with the name their callers know them by.
_FRAME_RETURNERS = {
    ("inspect", "currentframe"): "currentframe",
    ("inspect", "stack"): "stack",
    ("logging", "<lambda>"): "currentframe",
    ("traceback", "walk_stack"): "walk_stack",
}
_GUARDED_MODULES = (
    "sys",
    "collections",
    "typing",
    "typing_extensions",
    "enum",
    "logging",
    "traceback",
    "linecache",
    "inspect",
    "functools",
    "dataclasses",
)
_SYS_VOLATILE = frozenset(
    {
        "stdout",
        "stderr",
        "stdin",
        "displayhook",
        "excepthook",
        "unraisablehook",
        "last_type",
        "last_value",
        "last_traceback",
        "last_exc",
        "exc_info",
        "ps1",
        "ps2",
        "tracebacklimit",
    }
)


class Referee:
    """The hook's state. Only the hook closure references it: no module attribute, no registry."""

    def __init__(
        self,
        *,
        trusted_dirs: Iterable[str],
        walled_dirs: Iterable[str],
        report: Callable[[str], None],
    ) -> None:
        walled_dirs = list(walled_dirs)
        self.trusted = _prefixes(trusted_dirs)
        self.walled = _prefixes(walled_dirs)
        self.walled_files = _identities(walled_dirs)  # (device, inode) of each file and folder
        self.report = report
        self.verdicts: dict[str, bool] = {}
        self.main = _get_ident()
        self.tainted = False  # a process forked by code running here
        # pytest's call of each test, and the latest such frame found with nothing but trusted
        # code below it: the stack below a running frame never changes, so a walk that reaches
        # it can stop there (the stack below a test is some forty frames of pytest and pluggy).
        self.anchor_code = _runtest_call_code()
        self.anchor: FrameType | None = None
        self.busy = threading.local()
        self.snapshot = Snapshot(_GUARDED_MODULES)

    # -- what is trusted ---------------------------------------------------------------------

    def trusted_file(self, filename: str) -> bool:
        """Code compiled from a file under a trusted folder, named as it was imported (a name
        that climbs with ``..`` is not trusted; compiling under a trusted name is judged apart)."""
        verdict = self.verdicts.get(filename)
        if verdict is None:
            verdict = filename.startswith("<frozen ") or (
                filename.startswith(self.trusted) and "/../" not in filename
            )
            self.verdicts[filename] = verdict
        return verdict

    def walled_code(self, frame: Any) -> bool:
        """A frame of the suite or the runner (CPython 3.11.4 and later name the frame returned)."""
        return isinstance(frame, FrameType) and frame.f_code.co_filename.startswith(self.walled)

    def walled_path(self, path: Any) -> bool:
        """The file is the suite's or the runner's, or would be in one of their folders: known by
        its device and inode, so that a symbolic link or a path with ``..`` finds it too."""
        if isinstance(path, int) or path is None:
            return False  # a descriptor: its file was judged when it was opened
        try:
            found = _stat(path)
            if (found.st_dev, found.st_ino) in self.walled_files:
                return True
        except (OSError, TypeError, ValueError):
            pass
        if isinstance(path, bytes):
            parent = path.rpartition(b"/")[0] or b"."
        elif isinstance(path, str):
            parent = path.rpartition("/")[0] or "."
        else:
            return False
        try:
            folder = _stat(parent)
        except (OSError, ValueError):
            return False
        return (folder.st_dev, folder.st_ino) in self.walled_files

    def candidate_context(self, frame: FrameType | None) -> bool:
        if self.tainted or _get_ident() != self.main:
            return True
        while frame is not None:
            if frame is self.anchor:
                return False
            code = frame.f_code
            if not self.trusted_file(code.co_filename):
                return True
            if code is self.anchor_code:
                if self.candidate_context(frame.f_back):
                    return True
                self.anchor = frame
                return False
            frame = frame.f_back
        return False

    # -- the hook ------------------------------------------------------------------------------

    def hook(self) -> Callable[[str, tuple[Any, ...]], None]:
        """The audit hook: a plain function, since the interpreter calls it for every audit event
        of the process (`id()` raises one), and only the watched ones may cost more."""
        watched, busy, judge = _WATCHED, self.busy, self.judge

        def hook(event: str, args: tuple[Any, ...]) -> None:
            if (event in watched or event[:7] == "ctypes.") and not getattr(busy, "on", False):
                busy.on = True
                try:
                    judge(event, args)
                finally:
                    busy.on = False

        return hook

    def judge(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "object.__getattr__" and args[1] not in _CODE_ATTRIBUTES:
            return
        if event == "object.__setattr__" and args[1] not in _FUNCTION_INTERNALS:
            return
        if event == "referee.linecache.keep":
            if self.walled_path(args[0]):
                raise PermissionError("a hidden suite's file is not kept in linecache")
            return
        if event in ("open", "referee.linecache.read") and not self.walled_path(args[0]):
            return
        caller = _getframe(2)  # the frame whose action raised the event
        if not self.candidate_context(caller):
            relayed = self.relayed(event, args, caller)
            if relayed:
                self.violation(f"{relayed} called through built-ins from {_where(caller)}")
            return
        if event in ("open", "referee.linecache.read"):
            raise PermissionError(f"the referee refuses to open {args[0]!r}")
        if event in _SPAWN:
            raise PermissionError(f"the referee refuses {event}: programs run without it")
        if event in _VIOLATIONS or event.startswith("ctypes."):
            self.violation(event)
        elif event == "compile":
            self.judge_compile(args)
        elif event == "marshal.loads":
            self.judge_unmarshal(args, caller)
        elif event == "sys._getframe" and args and self.walled_code(args[0]):
            self.violation("sys._getframe of a frame of the hidden suite or the runner")
        elif self.frame_safe(caller):
            return
        else:
            if event == "sys._getframe":
                what = event
            elif event == "object.__setattr__":
                what = f"setting .{args[1]}"
            else:
                what = f"access to .{args[1]}"
            self.violation(f"{what} in {_where(caller)}")

    def relayed(self, event: str, args: tuple[Any, ...], caller: FrameType | None) -> str:
        """What candidate code reached with no frame of its own on the stack, or "".

        Built-ins can be chained without a line of Python (``partial(next, map(sys._getframe,
        repeat(0)))``): the innermost Python frame is then the test's, and the stack looks
        trusted. But Python code that calls ``sys._getframe`` or reads ``.tb_frame`` names it; an
        event whose innermost Python frame does not name what raised it came through C. So does
        a frame handed out by ``inspect.currentframe`` to a caller that never named it.
        """
        if caller is None:
            return ""
        if event == "object.__getattr__":
            name = str(args[1])
            if name in _FRAME_ATTRIBUTES and not _names(caller, name):
                return f".{name}"
            return ""
        if event.startswith("ctypes.") and self.walled_code(caller):
            return event  # no hidden suite uses ctypes
        if event in _RELAYABLE:
            if not _names(caller, event.rsplit(".", 1)[1]):
                return event
            key = (caller.f_globals.get("__name__", ""), caller.f_code.co_qualname)
            returned_as = _FRAME_RETURNERS.get(key)
            receiver = caller.f_back
            if (
                returned_as
                and receiver is not None
                and not _names(receiver, returned_as)
                and not self.frame_safe(receiver)
            ):
                return f"{key[0]}.{returned_as}"
        return ""

    def frame_safe(self, frame: FrameType | None) -> bool:
        """The event comes from a library function that keeps the frame to itself, unpatched."""
        while frame is not None:
            key = (frame.f_globals.get("__name__", ""), frame.f_code.co_qualname)
            if not self.trusted_file(frame.f_code.co_filename):
                return False
            if key in _FRAME_SAFE:
                # traceback's capture_locals would hand the candidate every frame's locals
                return not frame.f_locals.get("capture_locals") and self.snapshot.unchanged()
            if key not in _FRAME_PASSERS:
                return False
            frame = frame.f_back
        return False

    def judge_compile(self, args: tuple[Any, ...]) -> None:
        source, filename = args[0], args[1]
        if not isinstance(filename, str) or not self.trusted_file(filename):
            return  # code under an untrusted name is treated as the candidate's
        if filename.startswith("<frozen ") or not isinstance(source, bytes | str):
            self.violation(f"compile under the trusted name {filename!r}")
        try:
            with open(filename, "rb") as file:
                actual = file.read()
        except OSError:
            actual = None
        expected = source.encode() if isinstance(source, str) else source
        if actual != expected:  # the import system compiling a real file is fine
            self.violation(f"compile under the trusted name {filename!r}")

    def judge_unmarshal(self, args: tuple[Any, ...], caller: FrameType | None) -> None:
        """Bytecode may carry any file name: under a trusted one, only the import system's own
        cached file of that very source passes (it is read again here and compared)."""
        data = bytes(args[0])
        if not _names_trusted_code(data, self.trusted_file):
            return
        frame = caller
        while frame is not None and frame.f_code.co_name != "_compile_bytecode":
            frame = frame.f_back
        source = frame.f_locals.get("source_path") if frame is not None else None
        if isinstance(source, str) and self.trusted_file(source):
            folder, _, name = source.rpartition("/")
            cached = f"{folder}/__pycache__/{name.rpartition('.')[0]}.{_CACHE_TAG}.pyc"
            try:
                with open(cached, "rb") as file:
                    if file.read()[16:] == data:
                        return
            except (OSError, ValueError):
                pass
        self.violation("unmarshalling code under a trusted file name")

    def violation(self, what: str) -> None:
        """Report, then end the test process: nothing it reports after this could be believed."""
        try:
            self.report(what)
        finally:
            _kill(_getpid(), _SIGKILL)

    def after_fork(self) -> None:
        self.tainted = True


class Snapshot:
    """Identity of every attribute of some modules, to tell when one was patched."""

    def __init__(self, names: Iterable[str]) -> None:
        self.modules: list[tuple[ModuleType, dict[str, Any], frozenset[str]]] = []
        for name in names:
            module = sys.modules.get(name)
            if module is not None:
                volatile = _SYS_VOLATILE if name == "sys" else frozenset({"__warningregistry__"})
                self.modules.append((module, dict(vars(module)), volatile))

    def unchanged(self) -> bool:
        for module, saved, volatile in self.modules:
            current = vars(module)
            for key, value in saved.items():
                if key not in volatile and current.get(key, _MISSING) is not value:
                    return False
        return True


_MISSING = object()

# What the test process's verdicts depend on: pytest, its plugins, the runner's plugin, the
# comparison helper, the JSON encoder of the event channel, hypothesis's engine, and linecache
# (whose wrappers keep the suite's source out of its cache).
_INTEGRITY_PREFIXES = (
    "_pytest",
    "pytest",
    "pluggy",
    "plugin",
    "exact",
    "hypothesis",
    "json",
    "builtins",
    "linecache",
)
# Attributes these modules rebind themselves while a session runs (caches and session state),
# found by running every reference solution's suite; none of them decides an outcome.
_REBOUND_BY_PYTEST = frozenset({"_reprcompare", "_assertion_pass", "__warningregistry__", "_"})
_REBOUND = frozenset(
    {
        "hypothesis.internal.conjecture.providers._sys_modules_len",
        "hypothesis.internal.conjecture.providers._local_constants",
        "hypothesis.internal.conjecture.junkdrawer._gc_start",
        "hypothesis.internal.conjecture.junkdrawer._gc_initialized",
        "hypothesis.internal.conjecture.junkdrawer._gc_cumulative_time",
        "hypothesis.core.running_under_pytest",
        "hypothesis.configuration._first_postinit_what",
        "hypothesis.internal.charmap._categories",
        "hypothesis.internal.lambda_sources._module_map",
        "_pytest.fixtures.FixtureFunctionMarker.__call__",
        "_pytest.debugging.pytestPDB._pluginmanager",
        "_pytest.debugging.pytestPDB._config",
        "_pytest.config.Config._getini_unknown_type",
        "_pytest.assertion.util._config",
    }
)


class Integrity:
    """Catches candidate code that patched what judges it: module attributes, class attributes
    and the import machinery, compared by identity with how they were before it ran."""

    def __init__(self, report: Callable[[str], None]) -> None:
        import builtins

        self.report = report
        self.builtins = builtins
        self.import_state = self._import_state()
        self.namespaces: list[_Held] = []
        for name, module in list(sys.modules.items()):
            if module is None or not name.startswith(_INTEGRITY_PREFIXES):
                continue
            namespace = vars(module)
            self.namespaces.append(_Held(name, namespace))
            for value in namespace.values():
                if isinstance(value, type) and value.__module__ == name:
                    self.namespaces.append(
                        _Held(f"{name}.{value.__qualname__}", vars(value), owner=value)
                    )

    def watch(self, modules: Iterable[ModuleType]) -> None:
        """Also hold these modules (the collected test modules) to how they are now: candidate
        code handed one of their functions (a callback) reaches their namespace through
        ``__globals__`` and could rebind, say, their ``same``."""
        self.namespaces += [_Held(module.__name__, vars(module)) for module in modules]

    def _import_state(self) -> tuple[Any, ...]:
        return (tuple(sys.meta_path), tuple(sys.path_hooks), self.builtins.__import__)

    def _import_machinery_changed(self) -> bool:
        """pytest adds its assertion-rewriting finder; anything else new, or anything gone, is not
        the session's doing (a finder planted by candidate code sees the suite's modules load)."""
        now = self._import_state()
        if now[2] is not self.import_state[2]:
            return True
        for before, after in zip(self.import_state[:2], now[:2], strict=True):
            # by identity: a planted finder's __eq__ may say yes to everything
            if any(not _among(entry, after) for entry in before):
                return True
            added = [entry for entry in after if not _among(entry, before)]
            if any(not type(entry).__module__.startswith("_pytest.") for entry in added):
                return True
        return False

    def changed(self) -> str | None:
        return next(self.changes(), None)

    def changes(self) -> Iterator[str]:
        if self._import_machinery_changed():
            yield "the import machinery (sys.meta_path, sys.path_hooks or __import__)"
        for held in self.namespaces:
            yield from held.rebound()

    def check(self) -> None:
        patched = self.changed()
        if patched:
            try:
                self.report(f"patched {patched}")
            finally:
                _kill(_getpid(), _SIGKILL)


class _Held:
    """One module's or class's namespace, held to its snapshot.

    Checked after every test, so the common case is made cheap: if the namespace holds the very
    same names and objects as when it last passed the full check (compared in C), it passes.
    Otherwise each saved name is compared by identity with the snapshot, allowing only what
    pytest and hypothesis rebind themselves.
    """

    __slots__ = ("name", "namespace", "owner", "passed_keys", "passed_values", "saved")

    def __init__(self, name: str, namespace: Any, owner: Any = None) -> None:
        self.name = name
        self.namespace = namespace
        self.owner = owner  # a class: its namespace is a read-only view, kept alive by it
        self.saved = dict(namespace)
        self.passed_keys = tuple(namespace)
        self.passed_values = tuple(namespace.values())

    def rebound(self) -> Iterator[str]:
        keys, values = tuple(self.namespace), tuple(self.namespace.values())
        if keys == self.passed_keys and all(map(operator.is_, values, self.passed_values)):
            return
        found = False
        for key, value in self.saved.items():
            if self.namespace.get(key, _MISSING) is value or key in _REBOUND_BY_PYTEST:
                continue
            if f"{self.name}.{key}" not in _REBOUND:
                found = True
                yield f"{self.name}.{key}"
        if not found:
            self.passed_keys, self.passed_values = keys, values


def _among(entry: Any, entries: Iterable[Any]) -> bool:
    return any(entry is other for other in entries)


def install(
    *, trusted_dirs: Iterable[str], walled_dirs: Iterable[str], report: Callable[[str], None]
) -> Integrity:
    """Install the referee for the rest of this process's life (audit hooks cannot be removed),
    and return the integrity check to run after collection and after every test.

    Both come from a private copy of this module: loaded again from this file, kept out of
    `sys.modules`, with a copy of the built-ins of its own. Candidate code that imports
    `referee` gets the public module, whose classes, constants and helpers it may rebind: the
    hook never reads them. The copy is reachable only through the hook (which the interpreter
    keeps out of Python's reach), the fork handler and the returned check.
    """
    spec = importlib.util.spec_from_file_location("referee", __file__)
    assert spec is not None and spec.loader is not None
    private = importlib.util.module_from_spec(spec)
    private.__builtins__ = dict(vars(sys.modules["builtins"]))  # type: ignore[attr-defined]
    spec.loader.exec_module(private)
    integrity: Integrity = private._install_here(trusted_dirs, walled_dirs, report)
    return integrity


def _install_here(
    trusted_dirs: Iterable[str], walled_dirs: Iterable[str], report: Callable[[str], None]
) -> Integrity:
    for name in _GUARDED_MODULES:  # loaded now, so that their snapshot is the trusted one
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    referee = Referee(trusted_dirs=trusted_dirs, walled_dirs=walled_dirs, report=report)
    _keep_walled_files_out_of_linecache()
    referee.snapshot = Snapshot(_GUARDED_MODULES)  # linecache as it is now, with the above
    os.register_at_fork(after_in_child=referee.after_fork)
    sys.addaudithook(referee.hook())
    return Integrity(report)


# linecache's two entry points, wrapped. They ask the hook through audit events, so that they
# hold no reference to it, and keep what they need in keyword defaults, which only the suite's
# own code may replace (setting `__kwdefaults__` is a violation).
_LINECACHE_WALL = """
def updatecache(filename, module_globals=None, *, _audit=audit, _read=read, _cache=cache):
    try:
        _audit("referee.linecache.read", filename)
    except PermissionError:
        return []  # a walled file, asked for by candidate code
    lines = _read(filename, module_globals)
    try:
        _audit("referee.linecache.keep", filename)
    except PermissionError:
        _cache.pop(filename, None)
    return lines


def lazycache(filename, module_globals, *, _audit=audit, _remember=remember):
    try:
        _audit("referee.linecache.keep", filename)
    except PermissionError:
        return False  # its loader would read the file for whoever asks later
    return _remember(filename, module_globals)
"""


def _keep_walled_files_out_of_linecache() -> None:
    """linecache keeps every file it reads, and trusted code reads the suite's during a test
    (hypothesis hashes a test's source for its seed; a stack printed through ``logging`` shows
    the calling line), where candidate code would find it in ``linecache.cache``. A walled file's
    lines are read afresh each time, never kept, and never read for candidate code.

    The wrappers are compiled under this file's name (trusted, like the rest of the runner) in a
    namespace of their own: their globals lead nowhere but to linecache.
    """
    import linecache

    namespace: dict[str, Any] = {
        "__builtins__": {"PermissionError": PermissionError},
        "audit": sys.audit,
        "read": linecache.updatecache,
        "cache": linecache.cache,
        "remember": linecache.lazycache,
    }
    exec(compile(_LINECACHE_WALL, __file__, "exec"), namespace)
    linecache.updatecache = namespace["updatecache"]
    linecache.lazycache = namespace["lazycache"]


def _runtest_call_code() -> CodeType | None:
    with contextlib.suppress(ImportError, AttributeError):
        from _pytest import runner

        code: CodeType = runner.pytest_runtest_call.__code__
        return code
    return None


def _where(frame: FrameType | None) -> str:
    """The function that did it, for the report: module and qualified name."""
    if frame is None:
        return "?"
    return f"{frame.f_globals.get('__name__', '?')}.{frame.f_code.co_qualname}"


def _names(frame: FrameType, name: str) -> bool:
    """The frame's code mentions `name`, as an attribute or global (``sys._getframe``) or as a
    constant (``getattr(coroutine, "cr_frame", None)``)."""
    code = frame.f_code
    return name in code.co_names or name in code.co_consts


def _prefixes(dirs: Iterable[str]) -> tuple[str, ...]:
    """Each folder as given and as resolved, with a trailing slash, for `str.startswith`."""
    found = set()
    for path in dirs:
        found |= {os.path.join(os.path.abspath(path), ""), os.path.join(os.path.realpath(path), "")}
    return tuple(sorted(found))


def _identities(dirs: Iterable[str]) -> frozenset[tuple[int, int]]:
    """(device, inode) of every folder and file below `dirs`, read once, at installation."""
    found = set()
    for top in dirs:
        for folder, _, files in os.walk(top):
            for path in [folder, *(os.path.join(folder, name) for name in files)]:
                with contextlib.suppress(OSError):
                    status = os.stat(path)
                    found.add((status.st_dev, status.st_ino))
    return frozenset(found)


def _names_trusted_code(data: bytes, trusted: Callable[[str], bool]) -> bool:
    try:
        code = _unmarshal(data)
    except (EOFError, ValueError, TypeError):
        return False
    pending = [code] if isinstance(code, CodeType) else []
    while pending:
        current = pending.pop()
        if trusted(current.co_filename):
            return True
        pending += [c for c in current.co_consts if isinstance(c, CodeType)]
    return False
