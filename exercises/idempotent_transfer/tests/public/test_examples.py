"""Example tests for the idempotent transfer exercise (the graded suite is more thorough)."""

from pathlib import Path

import pytest
from solution import IdempotencyConflict, InsufficientFunds, Ledger


def test_transfer_and_replay(tmp_path: Path) -> None:
    with Ledger(tmp_path / "bank.db") as bank:
        bank.open_account("alice", 10_000)
        bank.open_account("bob")
        first = bank.transfer("req-1", "alice", "bob", 2_500)
        assert bank.transfer("req-1", "alice", "bob", 2_500) == first
        assert (bank.balance("alice"), bank.balance("bob")) == (7_500, 2_500)
        assert bank.audit_log() == [first]


def test_same_key_different_request_is_a_conflict(tmp_path: Path) -> None:
    with Ledger(tmp_path / "bank.db") as bank:
        bank.open_account("alice", 10_000)
        bank.open_account("bob")
        bank.transfer("req-1", "alice", "bob", 2_500)
        with pytest.raises(IdempotencyConflict):
            bank.transfer("req-1", "alice", "bob", 9_999)


def test_insufficient_funds_changes_nothing(tmp_path: Path) -> None:
    with Ledger(tmp_path / "bank.db") as bank:
        bank.open_account("alice", 100)
        bank.open_account("bob")
        with pytest.raises(InsufficientFunds):
            bank.transfer("req-2", "alice", "bob", 101)
        assert (bank.balance("alice"), bank.balance("bob")) == (100, 0)
        assert bank.audit_log() == []
