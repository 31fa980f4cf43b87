"""MUTANT: a list of weak references, with duplicates detected by identity
(`ref() is observer`). A bound method is a new object on every access, so `obj.method`
registered twice is stored (and called) twice, and unregister cannot find it either.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from types import MethodType
from typing import Any

Observer = Callable[..., object]


class WeakObserverRegistry:
    def __init__(self) -> None:
        self._refs: list[weakref.ref[Any]] = []

    def _purge(self) -> None:
        self._refs = [ref for ref in self._refs if ref() is not None]

    def _find(self, observer: object) -> int | None:
        for index, ref in enumerate(self._refs):
            if ref() is observer:
                return index
        return None

    def register(self, observer: Observer) -> None:
        if not callable(observer):
            raise TypeError("observer must be callable")
        self._purge()
        if self._find(observer) is not None:
            return
        ref: weakref.ref[Any]
        if isinstance(observer, MethodType):
            ref = weakref.WeakMethod(observer, lambda _: self._purge())
        else:
            ref = weakref.ref(observer, lambda _: self._purge())
        self._refs.append(ref)

    def unregister(self, observer: Observer) -> None:
        index = self._find(observer)
        if index is None:
            raise KeyError(observer)
        del self._refs[index]

    def notify(self, *args: Any, **kwargs: Any) -> int:
        observers = list(self)
        for observer in observers:
            observer(*args, **kwargs)
        return len(observers)

    def __len__(self) -> int:
        return sum(1 for ref in self._refs if ref() is not None)

    def __iter__(self) -> Iterator[Observer]:
        return iter([obs for ref in list(self._refs) if (obs := ref()) is not None])

    def __contains__(self, observer: object) -> bool:
        return self._find(observer) is not None
