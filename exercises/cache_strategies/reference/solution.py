"""Caching strategies: a cache-aside TTL cache and a write-through wrapper over a store.

Expiry is lazy: nothing runs in the background; an entry's age is checked against the
injected clock when it is read, and an expired entry is dropped right there. The write-through
wrapper writes the store first and the cache second, so a failed store write never leaves the
cache holding a value the store does not have.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
K_contra = TypeVar("K_contra", bound=Hashable, contravariant=True)


@dataclass(frozen=True)
class _Entry(Generic[V]):
    value: V
    expires_at: float


class TTLCache(Generic[K, V]):
    """An in-memory cache whose entries expire ``ttl`` seconds (of ``clock``) after being stored."""

    def __init__(self, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if not ttl > 0:  # also rejects NaN
            raise ValueError(f"ttl must be positive, got {ttl!r}")
        self.ttl = ttl
        self._clock = clock
        self._entries: dict[K, _Entry[V]] = {}
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V:
        """Return the fresh value for ``key`` (a hit) or raise KeyError (a miss)."""
        try:
            value = self._fresh_value(key)
        except KeyError:
            self.misses += 1
            raise
        self.hits += 1
        return value

    def set(self, key: K, value: V) -> None:
        """Store ``value``; it stays fresh while ``clock() < now + ttl``."""
        self._entries[key] = _Entry(value, self._clock() + self.ttl)

    def delete(self, key: K) -> None:
        """Forget ``key``; forgetting an absent key is not an error."""
        self._entries.pop(key, None)

    def get_or_load(self, key: K, loader: Callable[[K], V]) -> V:
        """Cache-aside: return the cached value, or load, store and return it.

        A miss is a KeyError, not a falsy value, so values such as ``None`` or ``0`` are cached
        like any other. ``set`` reads the clock *after* the loader returns: a slow load must not
        eat into the freshly loaded value's lifetime. A loader that raises stores nothing.
        """
        try:
            value = self._fresh_value(key)
        except KeyError:
            pass  # the loader is called outside the handler: its errors get no KeyError context
        else:
            self.hits += 1
            return value
        self.misses += 1
        value = loader(key)
        self.set(key, value)
        return value

    def _fresh_value(self, key: K) -> V:
        """The value of ``key``'s fresh entry, else KeyError; an expired one is removed (lazy expiry)."""
        entry = self._entries[key]
        if self._clock() >= entry.expires_at:
            del self._entries[key]
            raise KeyError(key)
        return entry.value


class Store(Protocol[K_contra, V]):
    """The persistent side (a database): the source of truth."""

    def get(self, key: K_contra) -> V:
        """Return the stored value; raise KeyError if there is none."""
        ...

    def set(self, key: K_contra, value: V) -> None:
        """Store ``value`` under ``key``."""
        ...

    def delete(self, key: K_contra) -> None:
        """Remove ``key``; removing an absent key is not an error."""
        ...


class WriteThroughCache(Generic[K, V]):
    """Reads through a TTL cache; writes and deletes go to the store first, then the cache."""

    def __init__(
        self, store: Store[K, V], ttl: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.store = store
        self.cache: TTLCache[K, V] = TTLCache(ttl, clock=clock)

    def read(self, key: K) -> V:
        """A fresh cached value, else the store's value (then cached); KeyError if neither."""
        return self.cache.get_or_load(key, self.store.get)

    def write(self, key: K, value: V) -> None:
        """Write the store, then the cache; if the store raises, the cache is left as it was."""
        self.store.set(key, value)
        self.cache.set(key, value)

    def delete(self, key: K) -> None:
        """Delete from the store, then drop the cached entry; a store failure changes nothing."""
        self.store.delete(key)
        self.cache.delete(key)
