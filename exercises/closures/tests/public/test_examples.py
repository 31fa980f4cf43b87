"""Example tests for the closures exercise (the graded suite is more thorough)."""

from solution import make_accumulator, make_counter, make_multipliers, rate_limiter


def test_counter_and_accumulator() -> None:
    count = make_counter(10, 5)
    assert [count(), count(), count()] == [10, 15, 20]
    add = make_accumulator(100)
    assert add(5) == 105
    assert add(-10) == 95


def test_multipliers() -> None:
    funcs = make_multipliers(3)
    assert [f(21) for f in funcs] == [0, 21, 42]


def test_rate_limiter_with_a_fake_clock() -> None:
    now = 0.0

    def clock() -> float:
        return now

    allow = rate_limiter(2, period=10, clock=clock)
    assert allow() and allow()
    assert not allow()
    now = 10.0
    assert allow()
