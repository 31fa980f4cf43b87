"""Caching strategies: a cache-aside TTL cache and a write-through wrapper over a store."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, Protocol, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
K_contra = TypeVar("K_contra", bound=Hashable, contravariant=True)


class TTLCache(Generic[K, V]):
    """An in-memory cache whose entries expire ``ttl`` seconds (of ``clock``) after being stored.

    ``hits`` and ``misses`` count lookups (``get`` and ``get_or_load``).
    """

    hits: int
    misses: int

    def __init__(self, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        """Raise ValueError unless ``ttl > 0``; ``clock()`` gives the time in seconds."""
        raise NotImplementedError

    def get(self, key: K) -> V:
        """Return the fresh value for ``key`` (a hit) or raise KeyError (a miss)."""
        raise NotImplementedError

    def set(self, key: K, value: V) -> None:
        """Store ``value``; it stays fresh while ``clock() < now + ttl``."""
        raise NotImplementedError

    def delete(self, key: K) -> None:
        """Forget ``key``; forgetting an absent key is not an error."""
        raise NotImplementedError

    def get_or_load(self, key: K, loader: Callable[[K], V]) -> V:
        """Cache-aside: the fresh cached value, or ``loader(key)`` stored and returned."""
        raise NotImplementedError


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

    cache: TTLCache[K, V]

    def __init__(
        self, store: Store[K, V], ttl: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        raise NotImplementedError

    def read(self, key: K) -> V:
        """A fresh cached value, else the store's value (then cached); KeyError if neither."""
        raise NotImplementedError

    def write(self, key: K, value: V) -> None:
        """Write the store, then the cache; if the store raises, the cache is left as it was."""
        raise NotImplementedError

    def delete(self, key: K) -> None:
        """Delete from the store, then drop the cached entry; a store failure changes nothing."""
        raise NotImplementedError
