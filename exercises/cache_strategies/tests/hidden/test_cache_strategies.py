"""Hidden suite for the caching strategies exercise."""

from __future__ import annotations

import gc
import inspect
import math
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Any

import pytest
from exact import same
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from solution import TTLCache, WriteThroughCache

TTL = 10


class FakeClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class StoreDown(RuntimeError):
    """The fake database is unavailable."""


class FakeStore:
    """A dict-backed store that counts every call and can be told to fail."""

    def __init__(self, data: dict[Hashable, Any] | None = None) -> None:
        self.data: dict[Hashable, Any] = dict(data or {})
        self.failing = False
        self.calls: list[tuple[str, Hashable]] = []

    @property
    def reads(self) -> int:
        return sum(1 for name, _ in self.calls if name == "get")

    def _check(self) -> None:
        if self.failing:
            raise StoreDown("database unavailable")

    def get(self, key: Hashable) -> Any:
        self.calls.append(("get", key))
        self._check()
        return self.data[key]

    def set(self, key: Hashable, value: Any) -> None:
        self.calls.append(("set", key))
        self._check()
        self.data[key] = value

    def delete(self, key: Hashable) -> None:
        self.calls.append(("delete", key))
        self._check()
        self.data.pop(key, None)


class Loader:
    """A loader that records its calls and returns ``value`` (or a value per key)."""

    def __init__(self, value: Any = "loaded", on_call: Callable[[], None] | None = None) -> None:
        self.value = value
        self.keys: list[Hashable] = []
        self.on_call = on_call

    def __call__(self, key: Hashable) -> Any:
        self.keys.append(key)
        if self.on_call is not None:
            self.on_call()
        return self.value


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cache(clock: FakeClock) -> TTLCache[Any, Any]:
    return TTLCache(TTL, clock=clock)


# ---------------------------------------------------------------- TTLCache basics


@pytest.mark.clause("C1")
def test_ttl_by_keyword_and_clock_only_by_keyword() -> None:
    clock = FakeClock()
    cache: TTLCache[str, str] = TTLCache(ttl=5, clock=clock)
    cache.set("k", "v")
    clock.advance(5)
    with pytest.raises(KeyError):
        cache.get("k")
    with pytest.raises(TypeError):
        TTLCache(5, clock)  # type: ignore[misc]


@pytest.mark.clause("C2")
@pytest.mark.parametrize("ttl", [0, -1, -0.5])
def test_ttl_must_be_positive(ttl: float) -> None:
    with pytest.raises(ValueError):
        TTLCache(ttl, clock=FakeClock())


@pytest.mark.clause("C2")
def test_ttl_nan_is_not_positive() -> None:
    with pytest.raises(ValueError):
        TTLCache(math.nan, clock=FakeClock())


@pytest.mark.clause("C2", "C4")
@pytest.mark.parametrize("ttl", [1e-9, 1, 0.5, math.inf])
def test_any_positive_ttl_is_accepted(ttl: float) -> None:
    clock = FakeClock()
    cache: TTLCache[str, str] = TTLCache(ttl, clock=clock)
    cache.set("k", "v")
    assert same(cache.get("k"), "v")
    clock.advance(ttl if ttl < math.inf else 1e300)
    if ttl < math.inf:
        with pytest.raises(KeyError):
            cache.get("k")
    else:
        assert same(cache.get("k"), "v")


class Payload:
    """A value the test can watch with a weak reference."""


def _expired_read_releases(
    read: Callable[[TTLCache[str, Any]], object], expected: tuple[str, object]
) -> None:
    clock = FakeClock()
    cache: TTLCache[str, Any] = TTLCache(TTL, clock=clock)
    value = Payload()
    watcher = weakref.ref(value)
    cache.set("k", value)
    assert cache.get("k") is value
    del value
    clock.advance(TTL)
    try:
        outcome: tuple[str, object] = ("returned", read(cache))
    except LookupError as error:  # KeyError included; the traceback goes with the except block
        outcome = ("raised", type(error).__name__)
    gc.collect()
    assert watcher() is None, "the expired value is still held after a read found it expired"
    assert same(outcome, expected)


def _fail(key: str) -> object:
    raise LookupError(key)


@pytest.mark.clause("C6")
def test_an_expired_entry_found_by_get_is_released() -> None:
    _expired_read_releases(lambda cache: cache.get("k"), ("raised", "KeyError"))


@pytest.mark.clause("C6", "C10")
def test_an_expired_entry_found_by_a_failing_get_or_load_is_released() -> None:
    _expired_read_releases(lambda cache: cache.get_or_load("k", _fail), ("raised", "LookupError"))


@pytest.mark.clause("C6", "C9")
def test_an_expired_entry_replaced_by_get_or_load_is_released() -> None:
    _expired_read_releases(
        lambda cache: cache.get_or_load("k", lambda key: "new"), ("returned", "new")
    )


@pytest.mark.clause("C3")
def test_the_injected_clock_is_the_only_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_clock() -> float:
        raise AssertionError("use the injected clock")

    for name in ("time", "monotonic", "perf_counter", "process_time"):
        monkeypatch.setattr(time, name, no_clock)
    for name in ("time_ns", "monotonic_ns", "perf_counter_ns"):
        monkeypatch.setattr(time, name, no_clock)
    clock = FakeClock()
    cache: TTLCache[str, str] = TTLCache(TTL, clock=clock)
    cache.set("a", "1")
    assert same(cache.get_or_load("b", lambda key: "2"), "2")
    clock.advance(TTL - 1)
    assert same(cache.get("a"), "1")
    clock.advance(1)
    with pytest.raises(KeyError):
        cache.get("a")
    store = FakeStore({"x": 1})
    wt: WriteThroughCache[str, int] = WriteThroughCache(store, TTL, clock=clock)
    wt.write("y", 2)
    assert same((wt.read("x"), wt.read("y")), (1, 2))
    clock.advance(TTL)
    assert same(wt.read("y"), 2)
    assert same(store.reads, 2)


@pytest.mark.clause("C3")
def test_the_default_clock_is_monotonic_not_the_wall_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    cache: TTLCache[str, str] = TTLCache(3600)
    cache.set("k", "v")
    wt: WriteThroughCache[str, int] = WriteThroughCache(FakeStore(), 3600)
    wt.write("k", 1)
    for cls in (TTLCache, WriteThroughCache):
        default = inspect.signature(cls).parameters["clock"].default
        if callable(default):  # a default looked up when called is checked below
            assert default is time.monotonic, f"{cls.__name__}'s default clock is {default!r}"
    real_time = time.time()
    monkeypatch.setattr(time, "time", lambda: real_time + 10**7)  # the wall clock jumps
    monkeypatch.setattr(time, "time_ns", lambda: int((real_time + 10**7) * 1e9))
    assert same(cache.get("k"), "v")
    assert same(wt.read("k"), 1)
    assert same(wt.cache.misses, 0)


@pytest.mark.clause("C5", "C12")
def test_get_of_a_missing_key_is_a_miss_raising_key_error(cache: TTLCache[Any, Any]) -> None:
    with pytest.raises(KeyError):
        cache.get("nope")
    assert same((cache.hits, cache.misses), (0, 1))


@pytest.mark.clause("C5", "C12")
def test_set_then_get_is_a_hit(cache: TTLCache[Any, Any]) -> None:
    cache.set("k", "v")
    assert same(cache.get("k"), "v")
    assert same(cache.get("k"), "v")
    assert same((cache.hits, cache.misses), (2, 0))


@pytest.mark.clause("C4")
def test_entry_is_fresh_until_just_before_ttl(cache: TTLCache[Any, Any], clock: FakeClock) -> None:
    cache.set("k", "v")
    clock.advance(TTL - 0.5)
    assert same(cache.get("k"), "v")


@pytest.mark.clause("C4", "C5", "C12")
def test_entry_expires_at_exactly_ttl(cache: TTLCache[Any, Any], clock: FakeClock) -> None:
    cache.set("k", "v")
    clock.advance(TTL)
    with pytest.raises(KeyError):
        cache.get("k")
    assert same((cache.hits, cache.misses), (0, 1))


@pytest.mark.clause("C4", "C5", "C12")
def test_expired_entry_stays_expired_and_can_be_set_again(
    cache: TTLCache[Any, Any], clock: FakeClock
) -> None:
    cache.set("k", "old")
    clock.advance(TTL + 5)
    with pytest.raises(KeyError):
        cache.get("k")
    with pytest.raises(KeyError):
        cache.get("k")
    cache.set("k", "new")
    assert same(cache.get("k"), "new")
    assert same((cache.hits, cache.misses), (1, 2))


@pytest.mark.clause("C4")
def test_set_replaces_the_value_and_restarts_the_ttl(
    cache: TTLCache[Any, Any], clock: FakeClock
) -> None:
    cache.set("k", 1)
    clock.advance(TTL - 1)
    cache.set("k", 2)
    clock.advance(TTL - 1)
    assert same(cache.get("k"), 2)
    clock.advance(1)
    with pytest.raises(KeyError):
        cache.get("k")


@pytest.mark.clause("C7", "C12")
def test_delete_removes_and_ignores_absent_keys_without_counting(
    cache: TTLCache[Any, Any],
) -> None:
    cache.set("k", "v")
    cache.delete("k")
    cache.delete("k")
    cache.delete("never-set")
    with pytest.raises(KeyError):
        cache.get("k")
    assert same((cache.hits, cache.misses), (0, 1))


@pytest.mark.clause("C4", "C13")
def test_keys_are_independent_and_any_hashable(cache: TTLCache[Any, Any], clock: FakeClock) -> None:
    cache.set(("user", 1), "ada")
    clock.advance(5)
    cache.set(("user", 2), "grace")
    cache.set(3, "three")
    clock.advance(5)
    with pytest.raises(KeyError):
        cache.get(("user", 1))
    assert same(cache.get(("user", 2)), "grace")
    assert same(cache.get(3), "three")


@pytest.mark.clause("C13")
@pytest.mark.parametrize("key", [None, 0, "", (), (1, "a"), frozenset({2}), False])
def test_falsy_and_composite_keys_work(cache: TTLCache[Any, Any], key: Hashable) -> None:
    cache.set(key, "set")
    assert same(cache.get(key), "set")
    cache.delete(key)
    loader = Loader("loaded")
    assert same(cache.get_or_load(key, loader), "loaded")
    assert same(cache.get_or_load(key, loader), "loaded")
    assert same(loader.keys, [key])
    assert same((cache.hits, cache.misses), (2, 1))
    with pytest.raises(KeyError):
        cache.get("some other key")


@pytest.mark.clause("C11", "C12")
@pytest.mark.parametrize("value", [None, 0, "", False, (), 0.0])
def test_falsy_values_are_cached_like_any_other(cache: TTLCache[Any, Any], value: object) -> None:
    cache.set("k", value)
    assert same(cache.get("k"), value)
    loader = Loader(value)
    assert same(cache.get_or_load("other", loader), value)
    assert same(cache.get_or_load("other", loader), value)
    assert same(loader.keys, ["other"])
    assert same((cache.hits, cache.misses), (2, 1))


# ---------------------------------------------------------------- cache-aside


@pytest.mark.clause("C8", "C9", "C12")
def test_get_or_load_loads_once_then_hits(cache: TTLCache[Any, Any]) -> None:
    loader = Loader({"id": 1})
    assert same(cache.get_or_load(1, loader), {"id": 1})
    assert same(cache.get_or_load(1, loader), {"id": 1})
    assert same(loader.keys, [1])
    assert same((cache.hits, cache.misses), (1, 1))


@pytest.mark.clause("C8")
def test_get_or_load_returns_what_was_set(cache: TTLCache[Any, Any]) -> None:
    cache.set("k", "cached")
    loader = Loader("loaded")
    assert same(cache.get_or_load("k", loader), "cached")
    assert same(loader.keys, [])


@pytest.mark.clause("C4", "C9", "C12")
def test_get_or_load_reloads_after_expiry_with_a_fresh_ttl(
    cache: TTLCache[Any, Any], clock: FakeClock
) -> None:
    loader = Loader("v")
    cache.get_or_load("k", loader)
    clock.advance(TTL)
    cache.get_or_load("k", loader)
    clock.advance(TTL - 1)
    cache.get_or_load("k", loader)
    assert same(loader.keys, ["k", "k"])
    assert same((cache.hits, cache.misses), (1, 2))


@pytest.mark.clause("C9")
def test_loaded_value_is_stored_with_the_time_after_the_loader_returned(
    cache: TTLCache[Any, Any], clock: FakeClock
) -> None:
    slow = Loader("v", on_call=lambda: clock.advance(6))  # the load itself takes 6 s
    cache.get_or_load("k", slow)
    clock.advance(TTL - 1)  # 9 s after the load finished, 15 s after it started
    assert same(cache.get("k"), "v")
    clock.advance(1)
    with pytest.raises(KeyError):
        cache.get("k")


@pytest.mark.clause("C10", "C12")
def test_loader_exception_propagates_and_nothing_is_cached(cache: TTLCache[Any, Any]) -> None:
    error = ConnectionError("db down")
    calls: list[str] = []

    def broken(key: str) -> str:
        calls.append(key)
        raise error

    with pytest.raises(ConnectionError) as caught:
        cache.get_or_load("k", broken)
    assert caught.value is error
    with pytest.raises(KeyError):
        cache.get("k")
    assert same(cache.get_or_load("k", Loader("ok")), "ok")
    assert same(calls, ["k"])
    assert same((cache.hits, cache.misses), (0, 3))


@pytest.mark.clause("C6", "C10")
def test_failed_reload_does_not_bring_back_the_expired_value(
    cache: TTLCache[Any, Any], clock: FakeClock
) -> None:
    cache.set("k", "stale")
    clock.advance(TTL)

    def broken(key: str) -> str:
        raise TimeoutError(key)

    with pytest.raises(TimeoutError):
        cache.get_or_load("k", broken)
    with pytest.raises(KeyError):
        cache.get("k")


class TTLCacheMachine(RuleBasedStateMachine):
    """TTLCache against a model: values, expiry at exactly ttl, loader calls, hit/miss counts."""

    keys = st.sampled_from(["a", "b", "c"])

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock(0)
        self.cache: TTLCache[str, Any] = TTLCache(TTL, clock=self.clock)
        self.model: dict[str, tuple[Any, float]] = {}
        self.hits = 0
        self.misses = 0

    def _fresh(self, key: str) -> bool:
        if key in self.model and self.clock.now < self.model[key][1]:
            return True
        self.model.pop(key, None)
        return False

    @rule(key=keys, value=st.integers() | st.none())
    def set(self, key: str, value: Any) -> None:
        self.cache.set(key, value)
        self.model[key] = (value, self.clock.now + TTL)

    @rule(key=keys)
    def get(self, key: str) -> None:
        if self._fresh(key):
            self.hits += 1
            assert same(self.cache.get(key), self.model[key][0])
        else:
            self.misses += 1
            with pytest.raises(KeyError):
                self.cache.get(key)

    @rule(key=keys, value=st.integers() | st.none(), fails=st.booleans())
    def get_or_load(self, key: str, value: Any, fails: bool) -> None:
        loaded: list[str] = []

        def loader(k: str) -> Any:
            loaded.append(k)
            if fails:
                raise LookupError(k)
            return value

        if self._fresh(key):
            self.hits += 1
            assert same(self.cache.get_or_load(key, loader), self.model[key][0])
            assert same(loaded, [])
            return
        self.misses += 1
        if fails:
            with pytest.raises(LookupError):
                self.cache.get_or_load(key, loader)
        else:
            assert same(self.cache.get_or_load(key, loader), value)
            self.model[key] = (value, self.clock.now + TTL)
        assert same(loaded, [key])

    @rule(key=keys)
    def delete(self, key: str) -> None:
        self.cache.delete(key)
        self.model.pop(key, None)

    @rule(seconds=st.sampled_from([0, 1, 4, 9, 10, 11]))
    def advance(self, seconds: int) -> None:
        self.clock.advance(seconds)

    @invariant()
    def counts_match(self) -> None:
        assert same((self.cache.hits, self.cache.misses), (self.hits, self.misses))


TTLCacheMachine.TestCase.settings = settings(max_examples=50, stateful_step_count=25)
test_ttl_cache_state_machine_matches_the_model = pytest.mark.clause(
    "C4", "C5", "C7", "C8", "C9", "C10", "C11", "C12"
)(TTLCacheMachine.TestCase)


# ---------------------------------------------------------------- write-through


@pytest.fixture
def store() -> FakeStore:
    return FakeStore({"ada": 1, "grace": 2})


@pytest.fixture
def wt(store: FakeStore, clock: FakeClock) -> WriteThroughCache[Any, Any]:
    return WriteThroughCache(store, TTL, clock=clock)


@pytest.mark.clause("C15")
@pytest.mark.parametrize("ttl", [0, -5, math.nan])
def test_write_through_rejects_a_bad_ttl_like_its_cache(ttl: float) -> None:
    store = FakeStore()
    with pytest.raises(ValueError):
        WriteThroughCache(store, ttl, clock=FakeClock())
    assert same(store.calls, [])


@pytest.mark.clause("C14")
def test_write_through_arguments_by_keyword_and_clock_only_by_keyword() -> None:
    clock = FakeClock()
    store = FakeStore({"k": 1})
    wt: WriteThroughCache[str, int] = WriteThroughCache(store=store, ttl=5, clock=clock)
    assert same(wt.read("k"), 1)
    clock.advance(5)
    assert same(wt.read("k"), 1)
    assert same(store.reads, 2)
    with pytest.raises(TypeError):
        WriteThroughCache(store, 5, clock)  # type: ignore[misc]


@pytest.mark.clause("C15")
def test_write_through_exposes_its_ttl_cache(wt: WriteThroughCache[Any, Any]) -> None:
    assert isinstance(wt.cache, TTLCache)


@pytest.mark.clause("C15", "C16")
def test_read_miss_reads_the_store_once_then_serves_from_cache(
    wt: WriteThroughCache[Any, Any], store: FakeStore
) -> None:
    assert same(wt.read("ada"), 1)
    assert same(wt.read("ada"), 1)
    assert same(wt.read("ada"), 1)
    assert same(store.calls, [("get", "ada")])
    assert same((wt.cache.hits, wt.cache.misses), (2, 1))


@pytest.mark.clause("C17")
def test_read_of_a_key_the_store_lacks_raises_key_error_and_caches_nothing(
    wt: WriteThroughCache[Any, Any], store: FakeStore
) -> None:
    with pytest.raises(KeyError):
        wt.read("nobody")
    with pytest.raises(KeyError):
        wt.read("nobody")
    assert same(store.reads, 2)
    store.data["nobody"] = 0
    assert same(wt.read("nobody"), 0)


@pytest.mark.clause("C16")
def test_read_rereads_the_store_after_the_ttl(
    wt: WriteThroughCache[Any, Any], store: FakeStore, clock: FakeClock
) -> None:
    wt.read("ada")
    store.data["ada"] = 100  # changed behind the cache's back: visible after the TTL
    clock.advance(TTL - 1)
    assert same(wt.read("ada"), 1)
    clock.advance(1)
    assert same(wt.read("ada"), 100)
    assert same(store.reads, 2)


@pytest.mark.clause("C18", "C22")
def test_write_goes_to_the_store_then_the_cache(
    wt: WriteThroughCache[Any, Any], store: FakeStore
) -> None:
    wt.write("linus", 3)
    assert same(store.data["linus"], 3)
    assert same(store.calls, [("set", "linus")])
    assert same(wt.read("linus"), 3)
    assert same(store.reads, 0)


@pytest.mark.clause("C18")
def test_write_replaces_a_cached_value_without_reading_the_store(
    wt: WriteThroughCache[Any, Any], store: FakeStore
) -> None:
    assert same(wt.read("ada"), 1)
    wt.write("ada", 10)
    assert same(wt.read("ada"), 10)
    assert same(store.data["ada"], 10)
    assert same(store.reads, 1)


@pytest.mark.clause("C18")
def test_written_value_is_fresh_for_a_full_ttl(
    wt: WriteThroughCache[Any, Any], store: FakeStore, clock: FakeClock
) -> None:
    wt.write("k", "v")
    clock.advance(TTL - 0.5)
    assert same(wt.read("k"), "v")
    assert same(store.reads, 0)
    clock.advance(0.5)
    assert same(wt.read("k"), "v")
    assert same(store.reads, 1)


@pytest.mark.clause("C19")
def test_failed_write_propagates_and_leaves_the_cached_value(
    wt: WriteThroughCache[Any, Any], store: FakeStore
) -> None:
    assert same(wt.read("ada"), 1)
    store.failing = True
    with pytest.raises(StoreDown):
        wt.write("ada", 99)
    store.failing = False
    assert same(wt.read("ada"), 1)
    assert same(store.data["ada"], 1)
    assert same(store.reads, 1)


@pytest.mark.clause("C19")
def test_failed_write_of_an_uncached_key_caches_nothing(
    wt: WriteThroughCache[Any, Any], store: FakeStore
) -> None:
    store.failing = True
    with pytest.raises(StoreDown):
        wt.write("new", "value")
    store.failing = False
    with pytest.raises(KeyError):
        wt.read("new")
    assert same(store.reads, 1)


@pytest.mark.clause("C19")
def test_failed_write_keeps_the_original_expiry(
    wt: WriteThroughCache[Any, Any], store: FakeStore, clock: FakeClock
) -> None:
    wt.read("ada")
    clock.advance(5)
    store.failing = True
    with pytest.raises(StoreDown):
        wt.write("ada", 99)
    store.failing = False
    clock.advance(TTL - 5)
    assert same(wt.read("ada"), 1)
    assert same(store.reads, 2)


@pytest.mark.clause("C20")
def test_delete_removes_from_store_and_cache(
    wt: WriteThroughCache[Any, Any], store: FakeStore
) -> None:
    assert same(wt.read("ada"), 1)
    wt.delete("ada")
    assert "ada" not in store.data
    with pytest.raises(KeyError):
        wt.read("ada")
    assert same(store.reads, 2)


@pytest.mark.clause("C20", "C22")
def test_delete_of_an_absent_key_is_fine(wt: WriteThroughCache[Any, Any], store: FakeStore) -> None:
    wt.delete("nobody")
    assert same(store.calls, [("delete", "nobody")])


@pytest.mark.clause("C21")
def test_failed_delete_propagates_and_leaves_the_cache(
    wt: WriteThroughCache[Any, Any], store: FakeStore
) -> None:
    assert same(wt.read("grace"), 2)
    store.failing = True
    with pytest.raises(StoreDown):
        wt.delete("grace")
    store.failing = False
    assert same(wt.read("grace"), 2)
    assert same(store.data["grace"], 2)
    assert same(store.reads, 1)


@pytest.mark.clause("C11", "C16")
def test_write_through_caches_falsy_values(
    wt: WriteThroughCache[Any, Any], store: FakeStore
) -> None:
    store.data["zero"] = 0
    store.data["none"] = None
    for _ in range(3):
        assert same(wt.read("zero"), 0)
        assert wt.read("none") is None
    assert same(store.reads, 2)


class WriteThroughMachine(RuleBasedStateMachine):
    """Cache and store never disagree, and the store is read exactly on cache misses."""

    keys = st.sampled_from(["a", "b", "c"])

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock(0)
        self.store = FakeStore()
        self.wt: WriteThroughCache[str, int] = WriteThroughCache(self.store, TTL, clock=self.clock)
        self.stored: dict[str, int] = {}
        self.cached: dict[str, tuple[int, float]] = {}
        self.store_reads = 0
        self.hits = 0
        self.misses = 0

    @rule(key=keys)
    def read(self, key: str) -> None:
        if key in self.cached and self.clock.now < self.cached[key][1]:
            self.hits += 1
        else:
            self.misses += 1
            self.store_reads += 1
            self.cached.pop(key, None)
            if key in self.stored:
                self.cached[key] = (self.stored[key], self.clock.now + TTL)
        if key in self.stored:
            assert same(self.wt.read(key), self.stored[key]), "cache and store disagree"
        else:
            with pytest.raises(KeyError):
                self.wt.read(key)

    @rule(key=keys, value=st.integers(min_value=0, max_value=9), fails=st.booleans())
    def write(self, key: str, value: int, fails: bool) -> None:
        self.store.failing = fails
        try:
            if fails:
                with pytest.raises(StoreDown):
                    self.wt.write(key, value)
            else:
                self.wt.write(key, value)
                self.stored[key] = value
                self.cached[key] = (value, self.clock.now + TTL)
        finally:
            self.store.failing = False

    @rule(key=keys, fails=st.booleans())
    def delete(self, key: str, fails: bool) -> None:
        self.store.failing = fails
        try:
            if fails:
                with pytest.raises(StoreDown):
                    self.wt.delete(key)
            else:
                self.wt.delete(key)
                self.stored.pop(key, None)
                self.cached.pop(key, None)
        finally:
            self.store.failing = False

    @rule(seconds=st.sampled_from([0, 1, 4, 9, 10, 11]))
    def advance(self, seconds: int) -> None:
        self.clock.advance(seconds)

    @invariant()
    def store_holds_what_was_written(self) -> None:
        assert same(self.store.data, self.stored)

    @invariant()
    def store_is_read_exactly_on_misses(self) -> None:
        assert same(self.store.reads, self.store_reads)
        assert same((self.wt.cache.hits, self.wt.cache.misses), (self.hits, self.misses))


WriteThroughMachine.TestCase.settings = settings(max_examples=50, stateful_step_count=25)
test_write_through_state_machine_cache_and_store_never_disagree = pytest.mark.clause(
    "C15", "C16", "C17", "C18", "C19", "C20", "C21", "C22"
)(WriteThroughMachine.TestCase)


# ---------------------------------------------------------------- hot keys (performance)

READS = 10_000
TICK = 0.01  # the clock moves 10 ms per read: 100 s in all, ten 9.995 s windows
WINDOW = 9.995  # not a multiple of TICK, so no read lands exactly on an expiry instant


@pytest.mark.clause("C8", "C9")
@pytest.mark.performance
def test_hot_key_cache_aside_loads_once_per_ttl_window() -> None:
    clock = FakeClock(0)
    cache: TTLCache[str, str] = TTLCache(WINDOW, clock=clock)
    loader = Loader("hot")
    for _ in range(READS):
        assert same(cache.get_or_load("hot", loader), "hot")
        clock.advance(TICK)
    assert len(loader.keys) == 10, f"{len(loader.keys)} loads for {READS} reads of one key"
    assert same((cache.hits, cache.misses), (READS - 10, 10))


@pytest.mark.clause("C16")
@pytest.mark.performance
def test_hot_key_write_through_reads_the_store_once_per_ttl_window() -> None:
    clock = FakeClock(0)
    store = FakeStore({"hot": 42})
    wt: WriteThroughCache[str, int] = WriteThroughCache(store, WINDOW, clock=clock)
    for _ in range(READS):
        assert same(wt.read("hot"), 42)
        clock.advance(TICK)
    assert same(store.reads, 10), f"{store.reads} store reads for {READS} reads of one key"


@pytest.mark.clause("C18", "C22")
@pytest.mark.performance
def test_hot_key_written_often_is_never_read_from_the_store() -> None:
    clock = FakeClock(0)
    store = FakeStore()
    wt: WriteThroughCache[str, int] = WriteThroughCache(store, WINDOW, clock=clock)
    for i in range(READS):
        if i % 500 == 0:
            wt.write("hot", i)
        assert same(wt.read("hot"), i - i % 500)
        clock.advance(TICK)
    assert same(store.reads, 0)
