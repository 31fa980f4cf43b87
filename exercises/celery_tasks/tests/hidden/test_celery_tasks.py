"""Hidden suite for the celery_tasks exercise: the task runs eagerly (``Task.apply``), no broker.

The countdown each retry asks for is read from Celery's ``Retry`` (fakes.retries_requested), so
no test waits for a backoff. Everything handed to the candidate's code lives in fakes.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from celery import Celery
from exact import same
from fakes import CompletedMeanwhile, Gateway, retries_requested, subclass
from hypothesis import given, settings
from hypothesis import strategies as st
from solution import GatewayError, PermanentGatewayError, TransientGatewayError, make_app

TASK = "payments.charge"


def run(app: Any, *args: object, **kwargs: object) -> Any:
    """Run the app's task eagerly; a failure comes back as a FAILURE result, not raised.

    ``throw=False`` covers the first attempt only: a retry's own ``apply`` follows the app's
    ``task_eager_propagates``, which must stay off for an eager retry to report its outcome.
    """
    app.conf.task_eager_propagates = False
    return app.tasks[TASK].apply(args=args, kwargs=kwargs, throw=False)


def assert_success(result: Any, charge_id: str) -> None:
    assert same(result.state, "SUCCESS"), f"state {result.state}, result {result.result!r}"
    assert same(result.result, charge_id)


def assert_failure(result: Any, error: BaseException) -> None:
    """The task failed with exactly this exception object (not a copy, not a wrapper)."""
    assert same(result.state, "FAILURE"), f"state {result.state}, result {result.result!r}"
    assert result.result is error, f"failed with {result.result!r}, expected {error!r}"


def seconds(countdowns: list[object]) -> list[float]:
    """The countdowns as floats, once each is an exact int or float."""
    assert all(type(c) in (int, float) for c in countdowns), f"countdowns {countdowns!r}"
    return [float(c) for c in countdowns]  # type: ignore[arg-type]


def transient(n: int) -> list[TransientGatewayError]:
    return [TransientGatewayError(f"timeout #{i + 1}") for i in range(n)]


# ---------------------------------------------------------------- the app


@pytest.mark.clause("C1")
def test_make_app_returns_a_celery_app_with_the_named_task() -> None:
    app = make_app(Gateway("ch_1"), {})
    assert isinstance(app, Celery)
    task = app.tasks[TASK]
    assert same(task.name, TASK)
    assert_success(run(app, "k", "acct", 100), "ch_1")


@pytest.mark.clause("C1")
def test_make_app_takes_every_parameter_by_keyword() -> None:
    gateway, store = Gateway(TransientGatewayError("timeout"), "ch_2"), {}
    app = make_app(
        gateway=gateway, store=store, max_retries=1, retry_backoff=3, retry_backoff_max=9
    )
    with retries_requested() as granted:
        assert_success(run(app, "k", "acct", 100), "ch_2")
    assert same(seconds(granted), [3.0])
    assert same(store, {"k": "ch_2"})


@pytest.mark.clause("C1", "C2")
def test_every_call_builds_a_new_app_with_its_own_gateway_and_store() -> None:
    gateways = [Gateway(f"ch_{n}") for n in range(6)]
    stores: list[dict[str, str]] = [{} for _ in range(6)]
    apps = [make_app(gateway, store) for gateway, store in zip(gateways, stores, strict=True)]
    assert len({id(app) for app in apps}) == 6, "make_app must return a new app each time"
    for n in (3, 0, 5, 1, 4, 2):  # each finalized (first used) in another order than created
        assert_success(run(apps[n], "same-key", "acct", 100), f"ch_{n}")
    for n in range(6):
        assert same(gateways[n].calls, [("acct", 100, "same-key")]), f"gateway {n}"
        assert same(stores[n], {"same-key": f"ch_{n}"}), f"store {n}"


@pytest.mark.clause("C2", "C9", "C10")
def test_each_app_keeps_its_own_settings() -> None:
    slow_errors, fast_errors = transient(3), transient(2)
    slow, fast = Gateway(*slow_errors), Gateway(*fast_errors)
    slow_app = make_app(slow, {}, max_retries=2, retry_backoff=5, retry_backoff_max=100)
    fast_app = make_app(fast, {}, max_retries=1, retry_backoff=2, retry_backoff_max=100)
    with retries_requested() as granted:
        assert_failure(run(fast_app, "k", "acct", 100), fast_errors[-1])
    assert same(seconds(granted), [2.0])
    with retries_requested() as granted:
        assert_failure(run(slow_app, "k", "acct", 100), slow_errors[-1])
    assert same(seconds(granted), [5.0, 10.0])
    assert same(len(slow.calls), 3) and same(len(fast.calls), 2)


# ---------------------------------------------------------------- a charge


@pytest.mark.clause("C5", "C6")
def test_a_charge_calls_the_gateway_once_stores_and_returns_the_charge_id() -> None:
    gateway, store = Gateway("ch_1"), {"other": "ch_0"}
    with retries_requested() as granted:
        assert_success(run(make_app(gateway, store), "order-17", "acct_ada", 2_500), "ch_1")
    assert same(gateway.calls, [("acct_ada", 2_500, "order-17")])
    assert same(store, {"other": "ch_0", "order-17": "ch_1"})
    assert same(granted, [])


@pytest.mark.clause("C5", "C6")
def test_the_task_takes_keyword_arguments() -> None:
    gateway, store = Gateway("ch_9"), {}
    app = make_app(gateway, store)
    assert_success(run(app, amount_cents=700, account="acct_bob", idempotency_key="k-1"), "ch_9")
    assert same(gateway.calls, [("acct_bob", 700, "k-1")])
    assert same(store, {"k-1": "ch_9"})


@pytest.mark.clause("C4", "C6")
def test_running_twice_with_one_key_charges_once() -> None:
    gateway, store = Gateway("ch_1", "ch_2"), {}
    app = make_app(gateway, store)
    assert_success(run(app, "order-1", "acct", 500), "ch_1")
    assert_success(run(app, "order-1", "acct", 500), "ch_1")
    assert same(gateway.calls, [("acct", 500, "order-1")])
    assert same(store, {"order-1": "ch_1"})


@pytest.mark.clause("C4")
def test_a_stored_key_returns_its_charge_id_without_calling_the_gateway() -> None:
    gateway, store = Gateway("ch_new"), {"order-1": "ch_earlier"}
    with retries_requested() as granted:
        assert_success(run(make_app(gateway, store), "order-1", "acct", 500), "ch_earlier")
    assert same(gateway.calls, [])
    assert same(store, {"order-1": "ch_earlier"})
    assert same(granted, [])


@pytest.mark.clause("C4")
def test_only_the_key_decides_a_replay() -> None:
    gateway, store = Gateway("ch_1", "ch_2"), {}
    app = make_app(gateway, store)
    assert_success(run(app, "order-1", "acct_a", 500), "ch_1")
    assert_success(run(app, "order-1", "acct_b", 900), "ch_1")
    assert same(len(gateway.calls), 1)


@pytest.mark.clause("C4", "C6")
def test_different_keys_are_different_charges() -> None:
    gateway, store = Gateway("ch_1", "ch_2", "ch_3"), {}
    app = make_app(gateway, store)
    assert_success(run(app, "order-1", "acct", 500), "ch_1")
    assert_success(run(app, "order-2", "acct", 500), "ch_2")
    assert_success(run(app, "order-1", "acct", 500), "ch_1")
    assert_success(run(app, "order-3", "acct", 500), "ch_3")
    assert same(
        gateway.calls,
        [("acct", 500, "order-1"), ("acct", 500, "order-2"), ("acct", 500, "order-3")],
    )
    assert same(store, {"order-1": "ch_1", "order-2": "ch_2", "order-3": "ch_3"})


# ---------------------------------------------------------------- validation


@pytest.mark.clause("C3")
@pytest.mark.parametrize("amount", ["zero", "negative", "true", "false", "float", "str", "none"])
def test_an_invalid_amount_fails_with_value_error_without_charging(amount: str) -> None:
    value = {
        "zero": 0,
        "negative": -100,
        "true": True,
        "false": False,
        "float": 100.0,
        "str": "100",
        "none": None,
    }[amount]
    gateway, store = Gateway("ch_1"), {}
    with retries_requested() as granted:
        result = run(make_app(gateway, store), "order-1", "acct", value)
    assert same(result.state, "FAILURE"), f"state {result.state}, result {result.result!r}"
    assert isinstance(result.result, ValueError), f"failed with {result.result!r}"
    assert same(gateway.calls, []) and same(granted, []) and same(store, {})


@pytest.mark.clause("C3")
def test_the_smallest_amount_is_one_cent() -> None:
    gateway = Gateway("ch_1")
    assert_success(run(make_app(gateway, {}), "order-1", "acct", 1), "ch_1")
    assert same(gateway.calls, [("acct", 1, "order-1")])


# ---------------------------------------------------------------- retries


@pytest.mark.clause("C5", "C8", "C9")
def test_transient_failures_are_retried_with_doubling_countdowns() -> None:
    gateway, store = Gateway(*transient(3), "ch_4"), {}
    with retries_requested() as granted:
        assert_success(run(make_app(gateway, store), "order-1", "acct", 500), "ch_4")
    assert same(seconds(granted), [1.0, 2.0, 4.0])
    assert same(gateway.calls, [("acct", 500, "order-1")] * 4)
    assert same(store, {"order-1": "ch_4"})


@pytest.mark.clause("C8")
def test_a_subclass_of_the_transient_error_is_retried() -> None:
    rate_limited = subclass(TransientGatewayError, "RateLimited")
    gateway = Gateway(rate_limited("429"), TransientGatewayError("503"), "ch_3")
    with retries_requested() as granted:
        assert_success(run(make_app(gateway, {}), "order-1", "acct", 500), "ch_3")
    assert same(seconds(granted), [1.0, 2.0])


@pytest.mark.clause("C9")
@pytest.mark.parametrize(
    ("backoff", "cap", "expected"),
    [
        pytest.param(1, 60, [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0], id="defaults"),
        pytest.param(3, 20, [3.0, 6.0, 12.0, 20.0, 20.0, 20.0, 20.0, 20.0], id="capped-between"),
        pytest.param(2, 16, [2.0, 4.0, 8.0, 16.0, 16.0, 16.0, 16.0, 16.0], id="capped-exactly"),
        pytest.param(5, 5, [5.0] * 8, id="cap-equals-base"),
        pytest.param(7, 10_000, [7.0, 14.0, 28.0, 56.0, 112.0, 224.0, 448.0, 896.0], id="no-cap"),
    ],
)
def test_countdowns_double_up_to_the_cap(backoff: int, cap: int, expected: list[float]) -> None:
    gateway = Gateway(*transient(8), "ch_9")
    if (backoff, cap) == (1, 60):  # the defaults, left to make_app
        app = make_app(gateway, {}, max_retries=8)
    else:
        app = make_app(gateway, {}, max_retries=8, retry_backoff=backoff, retry_backoff_max=cap)
    with retries_requested() as granted:
        assert_success(run(app, "order-1", "acct", 500), "ch_9")
    assert same(seconds(granted), expected)
    assert same(len(gateway.calls), 9)


@pytest.mark.clause("C9", "C10")
def test_the_defaults_retry_three_times_after_1_2_and_4_seconds() -> None:
    errors = transient(4)
    gateway, store = Gateway(*errors), {}
    with retries_requested() as granted:
        assert_failure(run(make_app(gateway, store), "order-1", "acct", 500), errors[-1])
    assert same(seconds(granted), [1.0, 2.0, 4.0])
    assert same(len(gateway.calls), 4)


@pytest.mark.clause("C10")
@pytest.mark.parametrize("max_retries", [1, 2, 5])
def test_the_task_gives_up_after_max_retries_with_the_last_error(max_retries: int) -> None:
    errors = transient(max_retries + 1)
    gateway, store = Gateway(*errors, "never reached"), {}
    app = make_app(gateway, store, max_retries=max_retries, retry_backoff_max=1_000)
    with retries_requested() as granted:
        assert_failure(run(app, "order-1", "acct", 500), errors[-1])
    assert same(seconds(granted), [float(2**k) for k in range(max_retries)])
    assert same(len(gateway.calls), max_retries + 1)
    assert same(store, {})


@pytest.mark.clause("C10")
def test_the_last_allowed_attempt_may_still_succeed() -> None:
    gateway, store = Gateway(*transient(2), "ch_3"), {}
    with retries_requested() as granted:
        assert_success(run(make_app(gateway, store, max_retries=2), "order-1", "acct", 5), "ch_3")
    assert same(seconds(granted), [1.0, 2.0])
    assert same(store, {"order-1": "ch_3"})


@pytest.mark.clause("C10")
def test_max_retries_zero_means_a_single_attempt() -> None:
    error = TransientGatewayError("timeout")
    gateway = Gateway(error, "never reached")
    with retries_requested() as granted:
        assert_failure(run(make_app(gateway, {}, max_retries=0), "order-1", "acct", 500), error)
    assert same(granted, [])
    assert same(len(gateway.calls), 1)


@pytest.mark.clause("C5")
def test_every_retry_passes_the_same_idempotency_key_to_the_gateway() -> None:
    gateway = Gateway(*transient(2), "ch_3", "ch_4")
    app = make_app(gateway, {})
    assert_success(run(app, "order-1", "acct", 500), "ch_3")
    assert_success(run(app, "order-2", "acct", 600), "ch_4")
    assert same(gateway.calls, [("acct", 500, "order-1")] * 3 + [("acct", 600, "order-2")])


@pytest.mark.clause("C9", "C10")
def test_each_task_counts_its_own_retries() -> None:
    first_errors, second_errors = transient(2), transient(3)
    gateway = Gateway(*first_errors, "ch_1", TransientGatewayError("503"), "ch_2", *second_errors)
    app = make_app(gateway, {}, max_retries=2)
    with retries_requested() as granted:
        assert_success(run(app, "order-1", "acct", 500), "ch_1")
    assert same(seconds(granted), [1.0, 2.0])
    with retries_requested() as granted:
        assert_success(run(app, "order-2", "acct", 500), "ch_2")
    assert same(seconds(granted), [1.0])
    with retries_requested() as granted:
        assert_failure(run(app, "order-3", "acct", 500), second_errors[-1])
    assert same(seconds(granted), [1.0, 2.0])
    assert same(len(gateway.calls), 3 + 2 + 3)


@pytest.mark.clause("C11")
def test_a_retry_finds_a_charge_completed_meanwhile_by_a_duplicate_delivery() -> None:
    store: dict[str, str] = {}
    meanwhile = CompletedMeanwhile(store, "order-1", "ch_dup", TransientGatewayError("timeout"))
    gateway = Gateway(meanwhile, "ch_second")
    with retries_requested() as granted:
        assert_success(run(make_app(gateway, store), "order-1", "acct", 500), "ch_dup")
    assert same(seconds(granted), [1.0])
    assert same(len(gateway.calls), 1)
    assert same(store, {"order-1": "ch_dup"})


@pytest.mark.clause("C11")
def test_a_late_retry_also_looks_the_key_up() -> None:
    store: dict[str, str] = {}
    meanwhile = CompletedMeanwhile(store, "order-1", "ch_dup", TransientGatewayError("timeout"))
    gateway = Gateway(*transient(2), meanwhile, "ch_second")
    with retries_requested() as granted:
        assert_success(run(make_app(gateway, store), "order-1", "acct", 500), "ch_dup")
    assert same(seconds(granted), [1.0, 2.0, 4.0])
    assert same(len(gateway.calls), 3)


# ---------------------------------------------------------------- no retry


@pytest.mark.clause("C12")
@pytest.mark.parametrize(
    "kind",
    ["permanent", "permanent_subclass", "bare_gateway_error", "runtime", "timeout", "connection"],
)
def test_other_errors_fail_at_once_without_retry(kind: str) -> None:
    declined = subclass(PermanentGatewayError, "Declined")
    error = {
        "permanent": lambda: PermanentGatewayError("card declined"),
        "permanent_subclass": lambda: declined("insufficient funds"),
        "bare_gateway_error": lambda: GatewayError("unexpected answer"),
        "runtime": lambda: RuntimeError("bug"),
        "timeout": lambda: TimeoutError("a builtin timeout is not a TransientGatewayError"),
        "connection": lambda: ConnectionError("neither is a ConnectionError"),
    }[kind]()
    gateway, store = Gateway(error, "never reached"), {}
    with retries_requested() as granted:
        assert_failure(run(make_app(gateway, store), "order-1", "acct", 500), error)
    assert same(granted, [])
    assert same(len(gateway.calls), 1)
    assert same(store, {})


@pytest.mark.clause("C9", "C12")
def test_a_permanent_error_after_transient_ones_ends_the_retries() -> None:
    declined = PermanentGatewayError("card declined")
    gateway = Gateway(*transient(2), declined, "never reached")
    with retries_requested() as granted:
        assert_failure(run(make_app(gateway, {}, max_retries=5), "order-1", "acct", 500), declined)
    assert same(seconds(granted), [1.0, 2.0])
    assert same(len(gateway.calls), 3)


# ---------------------------------------------------------------- failures leave no trace


@pytest.mark.clause("C7", "C12")
def test_after_a_permanent_failure_the_same_key_charges_again() -> None:
    declined = PermanentGatewayError("card declined")
    gateway, store = Gateway(declined, "ch_2"), {}
    app = make_app(gateway, store)
    assert_failure(run(app, "order-1", "acct", 500), declined)
    assert same(store, {})
    assert_success(run(app, "order-1", "acct", 500), "ch_2")
    assert same(store, {"order-1": "ch_2"})
    assert same(len(gateway.calls), 2)


@pytest.mark.clause("C7", "C10")
def test_after_the_retries_ran_out_the_same_key_charges_again() -> None:
    errors = transient(3)
    gateway, store = Gateway(*errors, "ch_4"), {}
    app = make_app(gateway, store, max_retries=1)
    assert_failure(run(app, "order-1", "acct", 500), errors[1])
    assert same(store, {})
    with retries_requested() as granted:  # a new task: its retries count from zero again
        assert_success(run(app, "order-1", "acct", 500), "ch_4")
    assert same(seconds(granted), [1.0])
    assert same(store, {"order-1": "ch_4"})
    assert same(len(gateway.calls), 4)


@pytest.mark.clause("C3", "C7")
def test_a_refused_amount_leaves_no_trace_either() -> None:
    gateway, store = Gateway("ch_1"), {}
    app = make_app(gateway, store)
    assert isinstance(run(app, "order-1", "acct", 0).result, ValueError)
    assert same(store, {})
    assert_success(run(app, "order-1", "acct", 500), "ch_1")


# ---------------------------------------------------------------- the whole contract


@pytest.mark.clause("C5", "C6", "C7", "C8", "C9", "C10", "C12")
@settings(max_examples=60)
@given(
    max_retries=st.integers(0, 5),
    backoff=st.integers(1, 5),
    cap_factor=st.integers(1, 20),
    failures=st.integers(0, 7),
    ending=st.sampled_from(["ok", "permanent", "other"]),
)
def test_any_script_of_failures(
    max_retries: int, backoff: int, cap_factor: int, failures: int, ending: str
) -> None:
    cap = backoff * cap_factor
    errors = transient(failures)
    last: object = {
        "ok": "ch_end",
        "permanent": PermanentGatewayError("declined"),
        "other": KeyError("bug"),
    }[ending]
    gateway, store = Gateway(*errors, last, "never reached"), {}
    app = make_app(
        gateway, store, max_retries=max_retries, retry_backoff=backoff, retry_backoff_max=cap
    )
    with retries_requested() as granted:
        result = run(app, "key", "acct", 42)

    retried = min(failures, max_retries)
    assert same(seconds(granted), [float(min(backoff * 2**k, cap)) for k in range(retried)])
    if failures > max_retries:
        assert_failure(result, errors[max_retries])
        assert same(len(gateway.calls), max_retries + 1)
        assert same(store, {})
        return
    assert same(gateway.calls, [("acct", 42, "key")] * (failures + 1))
    if ending == "ok":
        assert_success(result, "ch_end")
        assert same(store, {"key": "ch_end"})
    else:
        assert_failure(result, last)  # type: ignore[arg-type]
        assert same(store, {})
