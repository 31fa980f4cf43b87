"""MUTANT: dead entries are skipped by len, iteration and notify but never removed (no callback,
no purge), so a program that keeps registering short-lived observers leaks memory.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Iterator
from typing import Any

Observer = Callable[..., object]
# (is a bound method, weak reference). A WeakMethod is a weak reference to the *instance*, so on
# its own it would compare equal to a plain reference to that same instance when the instance is
# itself a registered callable; the flag keeps the two observers apart.
Key = tuple[bool, "weakref.ref[Observer]"]


class WeakObserverRegistry:
    """Observers in registration order, held weakly; dead ones vanish on their own."""

    def __init__(self) -> None:
        self._entries: dict[Key, None] = {}

    def _key(self, observer: Observer, *, track: bool) -> Key:
        """The entry key of ``observer``; with ``track``, one that removes itself on death.

        The callback reaches the registry through a weak reference too, so that observers
        outliving their registry do not keep it alive.
        """
        if not callable(observer):
            raise TypeError(f"observer must be callable, not {type(observer).__name__}")
        callback = None
        is_method = inspect.ismethod(observer)
        if is_method:
            return (True, weakref.WeakMethod(observer, callback))
        return (False, weakref.ref(observer, callback))

    def _alive(self) -> list[Observer]:
        """Strong references to the live observers, in order: a snapshot safe to iterate."""
        return [observer for _, ref in list(self._entries) if (observer := ref()) is not None]

    def register(self, observer: Observer) -> None:
        """Add ``observer`` at the end, unless the same observer is already registered."""
        key = self._key(observer, track=True)
        if key not in self._entries:
            self._entries[key] = None

    def unregister(self, observer: Observer) -> None:
        """Remove ``observer``; raise KeyError if it is not registered."""
        try:
            del self._entries[self._key(observer, track=False)]
        except KeyError:
            raise KeyError(observer) from None

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
        return sum(1 for _, ref in list(self._entries) if ref() is not None)

    def __iter__(self) -> Iterator[Observer]:
        return iter(self._alive())

    def __contains__(self, observer: object) -> bool:
        if not callable(observer):
            return False
        try:
            key = self._key(observer, track=False)
        except TypeError:  # cannot be weakly referenced, so cannot be registered
            return False
        return key in self._entries
