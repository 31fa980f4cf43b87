"""MUTANT: deep_copy keeps no memo: shared objects are copied once per path and cycles recurse forever."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

T = TypeVar("T")

#: Immutable values with no parts to copy: every copy returns them as they are.
ATOMS: frozenset[type] = frozenset({type(None), bool, int, float, complex, str, bytes})


def shallow_copy(obj: T) -> T:
    """Return a new container or instance holding the very same items or attribute values.

    Atoms, tuples and frozensets are immutable, so sharing them is indistinguishable
    from copying them: they are returned as they are.
    """
    cls = type(obj)
    if cls in ATOMS or cls is tuple or cls is frozenset:
        return obj
    if cls is list or cls is dict or cls is set:
        return cls(obj)  # type: ignore[call-arg]
    return cast(T, _copy_instance(obj, lambda value: value))


def deep_copy(obj: T) -> T:
    """Return a copy of ``obj`` that shares no mutable object with it.

    The object graph is reproduced exactly: an object reachable along several paths
    (or along a cycle) is copied once, and every path to it leads to that one copy.
    """
    return cast(T, _deep_copy(obj, {}))


def _deep_copy(obj: Any, memo: dict[int, Any]) -> Any:
    """Copy ``obj``; ``memo`` maps ``id()`` of each original already copied to its copy.

    Keying by ``id`` is safe because every original stays alive (reachable from the
    root) for the whole copy.
    """
    cls = type(obj)
    if cls in ATOMS:
        return obj
    def copy(value: Any) -> Any:
        return _deep_copy(value, memo)

    if cls is tuple or cls is frozenset:
        items = [copy(item) for item in obj]
        return cls(items)
    if cls is list:
        new_list: list[Any] = []
        new_list.extend(copy(item) for item in obj)
        return new_list
    if cls is dict:
        new_dict: dict[Any, Any] = {}
        for key, value in obj.items():
            new_dict[copy(key)] = copy(value)  # keys are objects too: copy them
        return new_dict
    if cls is set:
        new_set: set[Any] = set()
        new_set.update(copy(item) for item in obj)
        return new_set
    return _copy_instance(obj, copy, memo)


def _copy_instance(
    obj: object, copy_value: Callable[[Any], Any], memo: dict[int, Any] | None = None
) -> object:
    """Make a new instance of ``type(obj)`` without ``__init__`` and copy its state into it.

    ``__init__`` may need arguments or have side effects; the state to reproduce is the
    instance's ``__dict__`` and slots, not what ``__init__`` would build.
    """
    cls = type(obj)
    has_dict = hasattr(obj, "__dict__")
    slots = list(_slot_names(cls))
    if not has_dict and not slots:
        raise TypeError(f"cannot copy object of type {cls.__name__}")
    new = cls.__new__(cls)
    for name in slots:
        try:
            value = getattr(obj, name)
        except AttributeError:
            continue  # an unset slot stays unset in the copy
        object.__setattr__(new, name, copy_value(value))
    if has_dict:
        new.__dict__.update({name: copy_value(value) for name, value in vars(obj).items()})
    return new


def _slot_names(cls: type) -> Iterator[str]:
    """Yield the attribute names of the slots declared anywhere in ``cls``'s MRO.

    Each class's ``__slots__`` lists only its own slots, so the inherited ones are
    found by walking the MRO. Private names are mangled as Python stores them.
    """
    for klass in cls.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if name in ("__dict__", "__weakref__"):
                continue
            if name.startswith("__") and not name.endswith("__"):
                name = f"_{klass.__name__.lstrip('_')}{name}"
            yield name
