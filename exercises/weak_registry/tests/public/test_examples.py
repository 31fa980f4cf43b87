"""Example tests for the weak observer registry (the graded suite is more thorough)."""

import gc
import weakref

from solution import WeakObserverRegistry


class Cache:
    def __init__(self) -> None:
        self.keys: list[str] = []

    def invalidate(self, key: str) -> None:
        self.keys.append(key)


def test_notify_calls_observers_in_order() -> None:
    registry = WeakObserverRegistry()
    calls = []

    def first(event: str) -> None:
        calls.append(("first", event))

    cache = Cache()
    registry.register(first)
    registry.register(cache.invalidate)
    assert registry.notify("user:1") == 2
    assert calls == [("first", "user:1")]
    assert cache.keys == ["user:1"]


def test_same_bound_method_twice_is_registered_once() -> None:
    registry = WeakObserverRegistry()
    cache = Cache()
    registry.register(cache.invalidate)
    registry.register(cache.invalidate)
    assert len(registry) == 1


def test_registry_does_not_keep_objects_alive() -> None:
    registry = WeakObserverRegistry()
    cache = Cache()
    alive = weakref.ref(cache)
    registry.register(cache.invalidate)
    del cache
    gc.collect()
    assert alive() is None
    assert len(registry) == 0
    assert registry.notify("user:1") == 0
