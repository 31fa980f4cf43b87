"""A registry of observers that holds them weakly, so registering never keeps anything alive.

Each observer is stored as a weak reference: ``weakref.WeakMethod`` for bound methods (a plain
``weakref.ref`` to ``obj.method`` would die at once, because every attribute access builds a new
bound-method object) and ``weakref.ref`` for functions and other callables. The entries live in a
dict used as an ordered set (insertion order is registration order), keyed by the *identity* of
what makes an observer itself: its ``id()``, or for a bound method the ``id()`` of its instance
and of its function. The weak references themselves would make poor keys: they hash and compare
like their referents, so an unhashable instance (a plain dataclass) could not be registered and
two distinct but equal objects would share one entry. Each reference carries a callback that
drops its entry when the referent dies, before its ``id()`` can be reused, so dead entries never
pile up and never stand for a newer object.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Iterator
from typing import Any

Observer = Callable[..., object]
# (id of the referent, id of the bound method's function, or None for any other observer): a
# callable object and its own bound methods are different observers.
Key = tuple[int, int | None]


def _identity(observer: Observer) -> Key:
    """What makes ``observer`` the same observer as another: identities, never ``==``."""
    if inspect.ismethod(observer):
        return (id(observer.__self__), id(observer.__func__))
    return (id(observer), None)


class WeakObserverRegistry:
    """Observers in registration order, held weakly; dead ones vanish on their own."""

    def __init__(self) -> None:
        self._entries: dict[Key, weakref.ref[Observer]] = {}

    def register(self, observer: Observer) -> None:
        """Add ``observer`` at the end, unless the same observer is already registered.

        The callback reaches the registry through a weak reference too, so that observers
        outliving their registry do not keep it alive.
        """
        if not callable(observer):
            raise TypeError(f"observer must be callable, not {type(observer).__name__}")
        key = _identity(observer)
        if (known := self._entries.get(key)) is not None and known() is not None:
            return
        registry = weakref.ref(self)

        def forget(_: weakref.ref[Observer]) -> None:
            if (owner := registry()) is not None:
                owner._entries.pop(key, None)

        if inspect.ismethod(observer):
            ref: weakref.ref[Observer] = weakref.WeakMethod(observer, forget)
        else:
            ref = weakref.ref(observer, forget)
        self._entries.pop(key, None)  # a dead entry's id may be reused: the newcomer goes last
        self._entries[key] = ref

    def unregister(self, observer: Observer) -> None:
        """Remove ``observer``; raise KeyError if it is not registered."""
        try:
            del self._entries[_identity(observer)]
        except KeyError:
            raise KeyError(observer) from None

    def _alive(self) -> list[Observer]:
        """Strong references to the live observers, in order: a snapshot safe to iterate."""
        return [observer for ref in list(self._entries.values()) if (observer := ref()) is not None]

    def notify(self, *args: Any, **kwargs: Any) -> int:
        """Call every live observer in order with the arguments; return how many were called.

        The snapshot taken first makes changes done by observers during the call take effect
        from the next notify, and keeps every observer alive until its turn.
        """
        observers = self._alive()
        for observer in observers:
            observer(*args, **kwargs)
        return len(observers)

    def __len__(self) -> int:
        return sum(1 for ref in list(self._entries.values()) if ref() is not None)

    def __iter__(self) -> Iterator[Observer]:
        return iter(self._alive())

    def __contains__(self, observer: object) -> bool:
        if not callable(observer):
            return False
        ref = self._entries.get(_identity(observer))
        return ref is not None and ref() is not None
