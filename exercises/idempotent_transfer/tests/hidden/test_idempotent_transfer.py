"""Hidden suite for the idempotent transfer exercise."""

from __future__ import annotations

import dataclasses
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from exact import same
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from solution import (
    IdempotencyConflict,
    InsufficientFunds,
    Ledger,
    Transfer,
    TransferError,
    UnknownAccount,
)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "ledger.db")


@pytest.fixture
def ledger(db: str) -> Iterator[Ledger]:
    with Ledger(db) as opened:
        opened.open_account("alice", 10_000)
        opened.open_account("bob")
        opened.open_account("carol", 500)
        yield opened


def balances(ledger: Ledger, accounts: list[str]) -> dict[str, int]:
    found = {account: ledger.balance(account) for account in accounts}
    assert all(type(cents) is int for cents in found.values()), f"balances not ints: {found}"
    return found


TRANSFER_FIELDS: dict[str, type] = {
    "transfer_id": int,
    "idempotency_key": str,
    "source": str,
    "destination": str,
    "amount_cents": int,
    "source_balance_after": int,
    "destination_balance_after": int,
}


def checked(transfer: object) -> Transfer:
    """A Transfer whose every field has exactly its declared type (so == on them is honest)."""
    assert isinstance(transfer, Transfer), f"expected a Transfer, got {transfer!r}"
    for name, kind in TRANSFER_FIELDS.items():
        value = getattr(transfer, name)
        assert type(value) is kind, f"Transfer.{name} is {value!r}, not a {kind.__name__}"
    return transfer


def fields(transfer: object) -> tuple[Any, ...]:
    """A Transfer's field values, type-checked, as a plain tuple."""
    checked(transfer)
    return tuple(getattr(transfer, name) for name in TRANSFER_FIELDS)


def same_transfer(actual: object, expected: object) -> bool:
    """Two Transfers with exactly the same fields (never asks the Transfer's own __eq__)."""
    return same(fields(actual), fields(expected))


def audit(ledger: Ledger) -> list[Transfer]:
    """The audit log, a list of type-checked Transfers."""
    log = ledger.audit_log()
    assert type(log) is list, f"audit_log() returned a {type(log).__qualname__}, not a list"
    return [checked(row) for row in log]


def same_log(log: list[Transfer], expected: list[Transfer]) -> bool:
    return same([fields(row) for row in log], [fields(row) for row in expected])


def check_audit_replays(ledger: Ledger, opening: dict[str, int]) -> list[Transfer]:
    """Replaying the audit log from the opening balances must give every balance-after value
    and the current balances; ids increase; each key appears once."""
    log = audit(ledger)
    current = dict(opening)
    ids = [row.transfer_id for row in log]
    assert ids == sorted(ids) and len(set(ids)) == len(ids), f"transfer ids out of order: {ids}"
    assert all(isinstance(i, int) and i > 0 for i in ids)
    keys = [row.idempotency_key for row in log]
    assert len(set(keys)) == len(keys), "an idempotency key has more than one audit row"
    for row in log:
        assert row.amount_cents > 0
        current[row.source] -= row.amount_cents
        current[row.destination] += row.amount_cents
        assert current[row.source] >= 0, f"negative balance after {row}"
        assert same(
            (row.source_balance_after, row.destination_balance_after),
            (current[row.source], current[row.destination]),
        ), f"audit row disagrees with a replay of the log: {row}"
    assert same(balances(ledger, list(opening)), current)
    return log


# ---------------------------------------------------------------- accounts


@pytest.mark.clause("C1", "C2", "C6")
def test_one_connection_through_sqlite3_connect_with_a_long_timeout_closed_on_exit(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_connect = sqlite3.connect
    opened: list[tuple[tuple[Any, ...], dict[str, Any], sqlite3.Connection]] = []

    def connect(*args: Any, **kwargs: Any) -> Any:
        connection = real_connect(*args, **kwargs)
        opened.append((args, kwargs, connection))
        return connection

    monkeypatch.setattr(sqlite3, "connect", connect)
    ledger = Ledger(db)
    with ledger as entered:
        assert entered is ledger
        entered.open_account("a", 5)
        assert same(entered.balance("a"), 5)
    assert len(opened) == 1, f"{len(opened)} connections opened by one Ledger"
    args, kwargs, connection = opened[0]
    timeout = kwargs.get("timeout", args[1] if len(args) > 1 else 5.0)
    assert timeout >= 30, f"sqlite3.connect(..., timeout={timeout!r}): wait at least 30 s"
    assert "factory" not in kwargs
    with pytest.raises(sqlite3.ProgrammingError):
        connection.execute("SELECT 1")  # closed by the with statement


@pytest.mark.clause("C6")
def test_close_closes_the_connection(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = sqlite3.connect
    opened: list[sqlite3.Connection] = []

    def connect(*args: Any, **kwargs: Any) -> Any:
        opened.append(real_connect(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(sqlite3, "connect", connect)
    ledger = Ledger(db)
    ledger.open_account("a")
    ledger.close()
    assert len(opened) == 1
    with pytest.raises(sqlite3.ProgrammingError):
        opened[0].execute("SELECT 1")


@pytest.mark.clause("C4")
def test_transfer_is_a_frozen_dataclass(ledger: Ledger) -> None:
    done = ledger.transfer("k", "alice", "bob", 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        done.amount_cents = 2  # type: ignore[misc]


@pytest.mark.clause("C8", "C9")
def test_open_account_and_balance(ledger: Ledger) -> None:
    assert same(ledger.balance("alice"), 10_000)
    assert same(ledger.balance("bob"), 0)


@pytest.mark.clause("C5", "C9")
def test_unknown_account_balance_raises(ledger: Ledger) -> None:
    with pytest.raises(UnknownAccount):
        ledger.balance("mallory")
    assert issubclass(UnknownAccount, TransferError)


@pytest.mark.clause("C8")
def test_open_account_rejects_a_duplicate_id(ledger: Ledger) -> None:
    with pytest.raises(ValueError):
        ledger.open_account("alice", 1)
    assert same(ledger.balance("alice"), 10_000)


@pytest.mark.clause("C8")
@pytest.mark.parametrize("bad", [-1, 1.5, True, "100", None])
def test_open_account_rejects_bad_balances(ledger: Ledger, bad: Any) -> None:
    with pytest.raises(ValueError):
        ledger.open_account("dave", bad)


@pytest.mark.clause("C7", "C12")
def test_everything_persists_across_ledgers_on_the_same_path(db: str) -> None:
    with Ledger(db) as first:
        first.open_account("a", 100)
        first.open_account("b")
        done = first.transfer("k1", "a", "b", 30)
    with Ledger(db) as second:
        assert same((second.balance("a"), second.balance("b")), (70, 30))
        assert same_log(audit(second), [done])
        assert same_transfer(second.transfer("k1", "a", "b", 30), done)
        assert same(second.balance("a"), 70)


@pytest.mark.clause("C1", "C7")
def test_two_ledgers_open_at_once_see_each_others_writes(db: str) -> None:
    with Ledger(db) as one, Ledger(db) as two:
        one.open_account("a", 100)
        two.open_account("b")
        two.transfer("k", "a", "b", 40)
        assert same((one.balance("a"), one.balance("b")), (60, 40))


# ---------------------------------------------------------------- transfers


@pytest.mark.clause("C10", "C16", "C18")
def test_transfer_moves_money_and_returns_the_record(ledger: Ledger) -> None:
    done = ledger.transfer("req-1", "alice", "bob", 2_500)
    assert isinstance(done, Transfer)
    assert type(done.transfer_id) is int and done.transfer_id > 0
    assert same(
        (done.idempotency_key, done.source, done.destination, done.amount_cents),
        ("req-1", "alice", "bob", 2_500),
    )
    assert same((done.source_balance_after, done.destination_balance_after), (7_500, 2_500))
    assert same(balances(ledger, ["alice", "bob"]), {"alice": 7_500, "bob": 2_500})
    assert same_log(audit(ledger), [done])


@pytest.mark.clause("C15")
def test_transferring_the_whole_balance_leaves_zero(ledger: Ledger) -> None:
    done = ledger.transfer("all", "carol", "bob", 500)
    assert same((done.source_balance_after, done.destination_balance_after), (0, 500))
    assert same(ledger.balance("carol"), 0)


@pytest.mark.clause("C5", "C15", "C17")
def test_insufficient_funds_changes_nothing(ledger: Ledger) -> None:
    with pytest.raises(InsufficientFunds):
        ledger.transfer("too-much", "carol", "bob", 501)
    assert same(balances(ledger, ["carol", "bob"]), {"carol": 500, "bob": 0})
    assert same(audit(ledger), [])
    assert issubclass(InsufficientFunds, TransferError)


@pytest.mark.clause("C17")
def test_a_refused_key_can_be_retried_once_funds_arrive(ledger: Ledger) -> None:
    with pytest.raises(InsufficientFunds):
        ledger.transfer("pay-rent", "bob", "carol", 300)
    ledger.transfer("salary", "alice", "bob", 1_000)
    done = ledger.transfer("pay-rent", "bob", "carol", 300)
    assert same((done.source_balance_after, done.destination_balance_after), (700, 800))
    assert same([t.idempotency_key for t in audit(ledger)], ["salary", "pay-rent"])


@pytest.mark.clause("C14", "C17")
@pytest.mark.parametrize(("source", "destination"), [("mallory", "bob"), ("alice", "mallory")])
def test_unknown_account_in_a_transfer_changes_nothing(
    ledger: Ledger, source: str, destination: str
) -> None:
    with pytest.raises(UnknownAccount):
        ledger.transfer("k", source, destination, 100)
    assert same(balances(ledger, ["alice", "bob"]), {"alice": 10_000, "bob": 0})
    assert same(audit(ledger), [])
    ledger.open_account("mallory")
    ledger.transfer("k", "alice", "mallory", 100)  # the refused key was not recorded


@pytest.mark.clause("C14")
@pytest.mark.parametrize(
    ("source", "destination"), [("bob", "mallory"), ("mallory", "bob"), ("mallory", "eve")]
)
def test_unknown_account_takes_precedence_over_insufficient_funds(
    ledger: Ledger, source: str, destination: str
) -> None:
    with pytest.raises(UnknownAccount):
        ledger.transfer("k", source, destination, 1_000_000)
    assert same(
        balances(ledger, ["alice", "bob", "carol"]), {"alice": 10_000, "bob": 0, "carol": 500}
    )
    assert same(audit(ledger), [])


@pytest.mark.clause("C15", "C17")
@pytest.mark.parametrize("amount", [10_001, 2**63 - 1, 2**63, 2**64 + 5, 10**30])
def test_any_amount_above_the_balance_is_insufficient_funds(ledger: Ledger, amount: int) -> None:
    with pytest.raises(InsufficientFunds):
        ledger.transfer("big", "alice", "bob", amount)
    assert same(balances(ledger, ["alice", "bob"]), {"alice": 10_000, "bob": 0})
    assert same(audit(ledger), [])
    done = ledger.transfer("big", "alice", "bob", 10_000)  # the refused key was not recorded
    assert same((done.source_balance_after, done.destination_balance_after), (0, 10_000))


@pytest.mark.clause("C11")
@pytest.mark.parametrize("amount", [0, -100, 1.5, True, "100", None])
def test_bad_amounts_are_value_errors(ledger: Ledger, amount: Any) -> None:
    with pytest.raises(ValueError):
        ledger.transfer("k", "alice", "bob", amount)
    assert same(ledger.balance("alice"), 10_000)
    assert same(audit(ledger), [])


@pytest.mark.clause("C11")
def test_same_source_and_destination_is_a_value_error(ledger: Ledger) -> None:
    with pytest.raises(ValueError):
        ledger.transfer("k", "alice", "alice", 100)
    twin = "".join(["ali", "ce"])  # equal to "alice", but another object
    with pytest.raises(ValueError):
        ledger.transfer("k", "alice", twin, 100)
    assert same(ledger.balance("alice"), 10_000)
    assert same(audit(ledger), [])


@pytest.mark.clause("C11", "C12")
@pytest.mark.parametrize("key", [" ", "\t", "0", "None"])
def test_any_non_empty_str_is_a_key(ledger: Ledger, key: str) -> None:
    done = ledger.transfer(key, "alice", "bob", 100)
    assert same(checked(done).idempotency_key, key)
    assert same_transfer(ledger.transfer(key, "alice", "bob", 100), done)
    assert same(ledger.balance("alice"), 9_900)


@pytest.mark.clause("C11")
@pytest.mark.parametrize("key", ["", None, 42])
def test_bad_keys_are_value_errors(ledger: Ledger, key: Any) -> None:
    with pytest.raises(ValueError):
        ledger.transfer(key, "alice", "bob", 100)
    assert same(audit(ledger), [])


@pytest.mark.clause("C10", "C18")
def test_transfer_ids_increase_and_balances_after_are_recorded(ledger: Ledger) -> None:
    first = ledger.transfer("1", "alice", "bob", 100)
    second = ledger.transfer("2", "bob", "carol", 40)
    third = ledger.transfer("3", "carol", "alice", 540)
    assert checked(first).transfer_id < checked(second).transfer_id < checked(third).transfer_id
    assert same((second.source_balance_after, second.destination_balance_after), (60, 540))
    assert same((third.source_balance_after, third.destination_balance_after), (0, 10_440))
    assert same_log(audit(ledger), [first, second, third])
    check_audit_replays(ledger, {"alice": 10_000, "bob": 0, "carol": 500})


# ---------------------------------------------------------------- idempotency


@pytest.mark.clause("C12")
def test_replaying_a_key_returns_the_same_transfer_and_moves_nothing(ledger: Ledger) -> None:
    first = ledger.transfer("req-1", "alice", "bob", 2_500)
    for _ in range(3):
        assert same_transfer(ledger.transfer("req-1", "alice", "bob", 2_500), first)
    assert same(balances(ledger, ["alice", "bob"]), {"alice": 7_500, "bob": 2_500})
    assert same_log(audit(ledger), [first])


@pytest.mark.clause("C12")
def test_replay_returns_the_original_balances_after_later_transfers(ledger: Ledger) -> None:
    first = ledger.transfer("req-1", "alice", "bob", 2_500)
    ledger.transfer("req-2", "alice", "bob", 1_000)
    again = ledger.transfer("req-1", "alice", "bob", 2_500)
    assert same_transfer(again, first)
    assert same((again.source_balance_after, again.destination_balance_after), (7_500, 2_500))


@pytest.mark.clause("C12")
def test_replay_succeeds_even_when_the_transfer_would_now_be_refused(ledger: Ledger) -> None:
    first = ledger.transfer("drain", "carol", "bob", 500)
    assert same(ledger.balance("carol"), 0)
    assert same_transfer(ledger.transfer("drain", "carol", "bob", 500), first)
    assert same(ledger.balance("bob"), 500)


@pytest.mark.clause("C7", "C12")
def test_replay_from_another_ledger_on_the_same_database(ledger: Ledger, db: str) -> None:
    first = ledger.transfer("req-1", "alice", "bob", 2_500)
    with Ledger(db) as other:
        assert same_transfer(other.transfer("req-1", "alice", "bob", 2_500), first)
    assert same(ledger.balance("alice"), 7_500)


@pytest.mark.parametrize(
    ("source", "destination", "amount"),
    [
        ("alice", "bob", 2_501),
        ("alice", "carol", 2_500),
        ("carol", "bob", 2_500),
        ("bob", "alice", 2_500),
        ("alice", "bob", 2**64),
    ],
)
@pytest.mark.clause("C5", "C13")
def test_same_key_with_a_different_request_is_a_conflict(
    ledger: Ledger, source: str, destination: str, amount: int
) -> None:
    first = ledger.transfer("req-1", "alice", "bob", 2_500)
    with pytest.raises(IdempotencyConflict):
        ledger.transfer("req-1", source, destination, amount)
    assert same(
        balances(ledger, ["alice", "bob", "carol"]), {"alice": 7_500, "bob": 2_500, "carol": 500}
    )
    assert same_log(audit(ledger), [first])
    assert issubclass(IdempotencyConflict, TransferError)


class LedgerMachine(RuleBasedStateMachine):
    """One Ledger against a model: balances, audit log, replays, conflicts and refusals."""

    accounts = st.sampled_from(["a", "b", "c", "ghost"])
    amounts = st.sampled_from([1, 50, 99, 100, 150, 400])

    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.TemporaryDirectory()
        self.ledger = Ledger(str(Path(self.dir.name) / "machine.db"))
        self.opening = {"a": 300, "b": 100, "c": 0}
        for account, cents in self.opening.items():
            self.ledger.open_account(account, cents)
        self.model = dict(self.opening)
        self.done: dict[str, Transfer] = {}
        self.refused: list[tuple[str, str, str, int]] = []
        self.next_key = 0

    def teardown(self) -> None:
        self.ledger.close()
        self.dir.cleanup()

    def _attempt(self, key: str, source: str, destination: str, amount: int) -> None:
        if source == destination:
            return
        if key in self.done:
            stored = self.done[key]
            if (stored.source, stored.destination, stored.amount_cents) == (
                source,
                destination,
                amount,
            ):
                assert same_transfer(self.ledger.transfer(key, source, destination, amount), stored)
            else:
                with pytest.raises(IdempotencyConflict):
                    self.ledger.transfer(key, source, destination, amount)
            return
        if source not in self.model or destination not in self.model:
            with pytest.raises(UnknownAccount):
                self.ledger.transfer(key, source, destination, amount)
        elif self.model[source] < amount:
            with pytest.raises(InsufficientFunds):
                self.ledger.transfer(key, source, destination, amount)
            self.refused.append((key, source, destination, amount))
        else:
            done = self.ledger.transfer(key, source, destination, amount)
            self.model[source] -= amount
            self.model[destination] += amount
            assert same(
                fields(done)[1:],
                (key, source, destination, amount, self.model[source], self.model[destination]),
            )
            self.done[key] = done

    @rule(source=accounts, destination=accounts, amount=amounts)
    def new_transfer(self, source: str, destination: str, amount: int) -> None:
        self.next_key += 1
        self._attempt(f"key-{self.next_key}", source, destination, amount)

    @rule(data=st.data())
    def replay_a_used_key(self, data: st.DataObject) -> None:
        if self.done:
            key = data.draw(st.sampled_from(sorted(self.done)))
            stored = self.done[key]
            self._attempt(key, stored.source, stored.destination, stored.amount_cents)

    @rule(data=st.data(), amount=amounts)
    def reuse_a_key_for_another_amount(self, data: st.DataObject, amount: int) -> None:
        if self.done:
            key = data.draw(st.sampled_from(sorted(self.done)))
            stored = self.done[key]
            self._attempt(key, stored.source, stored.destination, amount)

    @rule(data=st.data())
    def retry_a_refused_key(self, data: st.DataObject) -> None:
        if self.refused:
            self._attempt(*data.draw(st.sampled_from(self.refused)))

    @invariant()
    def balances_and_audit_match_the_model(self) -> None:
        assert same(balances(self.ledger, list(self.opening)), self.model)
        log = check_audit_replays(self.ledger, self.opening)
        assert same(
            {row.idempotency_key: fields(row) for row in log},
            {key: fields(row) for key, row in self.done.items()},
        )


LedgerMachine.TestCase.settings = settings(max_examples=15, stateful_step_count=12)
test_ledger_state_machine_matches_a_model = pytest.mark.clause(
    "C8", "C9", "C10", "C12", "C13", "C14", "C15", "C16", "C17", "C18"
)(LedgerMachine.TestCase)


# ---------------------------------------------------------------- concurrency

ACCOUNTS = [f"acct{i}" for i in range(5)]
OPENING = 20_000
THREADS = 8
PER_THREAD = 50


def planned(thread: int, i: int) -> tuple[str, str, str, int]:
    """The i-th request of a thread: every 10th one is a key shared by all threads."""
    if i % 10 == 0:
        return f"shared-{i}", "acct0", "acct1", 500 + i
    source = ACCOUNTS[(thread + i) % 5]
    destination = ACCOUNTS[(thread + 3 * i + 1) % 5]
    if destination == source:
        destination = ACCOUNTS[(ACCOUNTS.index(source) + 1) % 5]
    amount = (thread * 7919 + i * 104729) % 9000 + 1
    return f"t{thread}-{i}", source, destination, amount


@pytest.mark.clause("C1", "C3", "C12", "C18")
def test_concurrent_threads_conserve_money_and_record_each_key_once(db: str) -> None:
    with Ledger(db) as setup:
        for account in ACCOUNTS:
            setup.open_account(account, OPENING)
    barrier = threading.Barrier(THREADS, timeout=30)
    results: dict[int, list[Transfer | None]] = {}
    errors: list[str] = []

    def work(thread: int) -> None:
        outcomes: list[Transfer | None] = []
        try:
            with Ledger(db) as own:
                barrier.wait()
                for i in range(PER_THREAD):
                    try:
                        outcomes.append(own.transfer(*planned(thread, i)))
                    except InsufficientFunds:
                        outcomes.append(None)
        except Exception as error:
            barrier.abort()  # do not leave the other threads waiting for this one
            errors.append(f"thread {thread}: {error!r}")
        results[thread] = outcomes

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "threads still running after 120 s"
    assert errors == []

    with Ledger(db) as check:
        final = balances(check, ACCOUNTS)
        assert all(cents >= 0 for cents in final.values()), final
        assert sum(final.values()) == OPENING * len(ACCOUNTS), "money was created or lost"
        log = check_audit_replays(check, dict.fromkeys(ACCOUNTS, OPENING))
    by_key = {row.idempotency_key: row for row in log}
    succeeded: dict[str, list[Transfer]] = {}
    for outcomes in results.values():
        for outcome in outcomes:
            if outcome is not None:
                succeeded.setdefault(checked(outcome).idempotency_key, []).append(outcome)
    assert set(by_key) == set(succeeded), "audit keys differ from the successful transfers"
    for key, returned in succeeded.items():
        assert all(same_transfer(t, by_key[key]) for t in returned), (
            f"threads got different results for {key}"
        )


class Interleaver:
    """Runs a second transfer ("B", in another thread) just before the N-th SQL statement of
    the transfer under test ("A", in this thread). B's connection gets timeout=0, so if A holds
    the write lock B fails at once instead of waiting: the interleaving is forced, not timed."""

    JOIN_TIMEOUT_S = 20.0

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.a_thread: int | None = None
        self.target = 0
        self.seen = 0
        self.b_action: Callable[[], None] = lambda: None
        self.b_thread: threading.Thread | None = None
        self.connects = 0
        real_connect = sqlite3.connect
        harness = self

        class HookedCursor(sqlite3.Cursor):
            def execute(self, *args: Any, **kwargs: Any) -> Any:
                harness.before_statement()
                return super().execute(*args, **kwargs)

            def executemany(self, *args: Any, **kwargs: Any) -> Any:
                harness.before_statement()
                return super().executemany(*args, **kwargs)

            def executescript(self, *args: Any, **kwargs: Any) -> Any:
                harness.before_statement()
                return super().executescript(*args, **kwargs)

        class HookedConnection(sqlite3.Connection):
            def cursor(self, *args: Any, **kwargs: Any) -> Any:
                if not args and "factory" not in kwargs:
                    kwargs["factory"] = HookedCursor
                return super().cursor(*args, **kwargs)

            def execute(self, *args: Any, **kwargs: Any) -> Any:
                harness.before_statement()
                return super().execute(*args, **kwargs)

            def executemany(self, *args: Any, **kwargs: Any) -> Any:
                harness.before_statement()
                return super().executemany(*args, **kwargs)

            def executescript(self, *args: Any, **kwargs: Any) -> Any:
                harness.before_statement()
                return super().executescript(*args, **kwargs)

            def commit(self) -> None:
                harness.before_statement()
                super().commit()

        def connect(*args: Any, **kwargs: Any) -> Any:
            harness.connects += 1
            if threading.get_ident() != harness.a_thread:
                # B: never wait for a lock
                if len(args) > 1:
                    args = (args[0], 0.0, *args[2:])
                else:
                    kwargs["timeout"] = 0.0
            kwargs["factory"] = HookedConnection
            return real_connect(*args, **kwargs)

        monkeypatch.setattr(sqlite3, "connect", connect)

    def before_statement(self) -> None:
        if threading.get_ident() != self.a_thread or not self.target:
            return
        self.seen += 1
        if self.seen == self.target:
            self.b_thread = threading.Thread(target=self.b_action)
            self.b_thread.start()
            self.b_thread.join(timeout=self.JOIN_TIMEOUT_S)
            assert not self.b_thread.is_alive(), (
                "a second connection waited for a lock although it was opened with timeout=0:"
                " set the lock wait with sqlite3.connect(..., timeout=...)"
            )


@dataclass
class Outcome:
    result: Transfer | None = None
    error: BaseException | None = None


def run_interleaved(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    a_request: tuple[str, str, str, int],
    b_request: tuple[str, str, str, int],
) -> list[tuple[int, Outcome, Outcome, str]]:
    """For N = 1, 2, ...: a fresh database, and B's request run before A's N-th statement."""
    harness = Interleaver(monkeypatch)
    runs = []
    for position in range(1, 60):
        path = str(tmp_path / f"interleaved-{position}.db")
        harness.a_thread = threading.get_ident()
        harness.target = 0
        with Ledger(path) as setup:
            setup.open_account("source", 1_000)
            setup.open_account("a_dest")
            setup.open_account("b_dest")
        a, b = Outcome(), Outcome()

        def run_b(path: str = path, b: Outcome = b) -> None:
            try:
                with Ledger(path) as other:
                    b.result = other.transfer(*b_request)
            except Exception as error:  # locked out by A: allowed, it must change nothing
                b.error = error

        harness.b_action = run_b
        with Ledger(path) as own:
            harness.seen, harness.target = 0, position
            try:
                a.result = own.transfer(*a_request)
            except Exception as error:
                a.error = error
            finally:
                harness.target = 0
        if harness.seen < position:  # A has fewer statements: every position was tried
            break
        runs.append((position, a, b, path))
    assert harness.connects > 0, "sqlite3.connect was not called through the sqlite3 module"
    assert runs, "the transfer ran no SQL statement through its connection"
    return runs


@pytest.mark.clause("C2", "C3")
def test_no_lost_update_when_another_transfer_runs_between_any_two_statements(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = run_interleaved(
        tmp_path, monkeypatch, ("A", "source", "a_dest", 100), ("B", "source", "b_dest", 10)
    )
    assert runs[0][2].result is not None, "B could not transfer although A held no lock yet"
    for position, a, b, path in runs:
        assert a.error is None, f"B before statement {position}: A failed with {a.error!r}"
        with Ledger(path) as check:
            final = balances(check, ["source", "a_dest", "b_dest"])
            assert sum(final.values()) == 1_000, (
                f"B ran before statement {position} of A: money is not conserved {final}"
            )
            log = check_audit_replays(check, {"source": 1_000, "a_dest": 0, "b_dest": 0})
        expected_keys = ["A"] + (["B"] if b.result is not None else [])
        assert same(sorted(t.idempotency_key for t in log), expected_keys)
        assert same(final["source"], 1_000 - 100 - (10 if b.result is not None else 0))


@pytest.mark.clause("C2", "C3", "C12")
def test_same_key_sent_between_any_two_statements_transfers_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    request = ("K", "source", "a_dest", 100)
    runs = run_interleaved(tmp_path, monkeypatch, request, request)
    for position, a, b, path in runs:
        assert a.error is None, f"same key sent before statement {position}: A got {a.error!r}"
        assert a.result is not None
        if b.result is not None:
            assert same_transfer(b.result, a.result), (
                f"same key, different results (position {position})"
            )
        with Ledger(path) as check:
            assert same(check.balance("source"), 900), f"same key transferred twice ({position})"
            assert len(audit(check)) == 1
