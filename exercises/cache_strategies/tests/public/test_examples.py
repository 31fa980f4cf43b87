"""Example tests for the caching strategies exercise (the graded suite is more thorough)."""

from typing import Any

import pytest
from solution import TTLCache, WriteThroughCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class DictStore:
    def __init__(self) -> None:
        self.data: dict[str, Any] = {}
        self.reads = 0

    def get(self, key: str) -> Any:
        self.reads += 1
        return self.data[key]

    def set(self, key: str, value: Any) -> None:
        self.data[key] = value

    def delete(self, key: str) -> None:
        self.data.pop(key, None)


def test_cache_aside_loads_on_miss_and_expires_after_ttl() -> None:
    clock = Clock()
    cache: TTLCache[int, dict[str, int]] = TTLCache(10, clock=clock)
    loads: list[int] = []

    def load_user(key: int) -> dict[str, int]:
        loads.append(key)
        return {"id": key}

    assert cache.get_or_load(1, load_user) == {"id": 1}
    assert cache.get_or_load(1, load_user) == {"id": 1}
    clock.now = 10.0
    assert cache.get_or_load(1, load_user) == {"id": 1}
    assert loads == [1, 1]
    assert (cache.hits, cache.misses) == (1, 2)


def test_get_of_a_missing_key_raises_key_error() -> None:
    cache: TTLCache[str, int] = TTLCache(5, clock=Clock())
    with pytest.raises(KeyError):
        cache.get("nope")


def test_write_through_serves_written_values_from_the_cache() -> None:
    clock = Clock()
    store = DictStore()
    users: WriteThroughCache[str, int] = WriteThroughCache(store, 60, clock=clock)
    users.write("ada", 1)
    assert store.data == {"ada": 1}
    assert users.read("ada") == 1
    assert store.reads == 0
