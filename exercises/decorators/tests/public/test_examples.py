"""Example tests for the decorators exercise (the graded suite is more thorough)."""

import time

import pytest
from solution import memoize, retry


def test_retry_retries_until_success(monkeypatch: pytest.MonkeyPatch) -> None:
    delays: list[float] = []
    monkeypatch.setattr(time, "sleep", delays.append)
    attempts: list[int] = []

    @retry(3, exceptions=(ConnectionError,), delay=0.5)
    def fetch() -> str:
        """Fetch something flaky."""
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionError("try again")
        return "data"

    assert fetch() == "data"
    assert len(attempts) == 3
    assert delays == [0.5, 0.5]
    assert fetch.__name__ == "fetch"
    assert fetch.__doc__ == "Fetch something flaky."


def test_retry_rejects_zero_times() -> None:
    with pytest.raises(ValueError):
        retry(0)


def test_memoize_caches_and_clears() -> None:
    calls: list[int] = []

    @memoize
    def square(x: int) -> int:
        calls.append(x)
        return x * x

    assert square(4) == 16
    assert square(4) == 16
    assert calls == [4]
    square.cache_clear()
    assert square(4) == 16
    assert calls == [4, 4]
