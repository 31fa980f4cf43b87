"""Idempotent, atomic money transfers between accounts, in SQLite.

Keep the exceptions and the Transfer data class as they are; implement Ledger.
"""

from __future__ import annotations

import os
import sqlite3  # noqa: F401  (call sqlite3.connect through the module, see the README)
from dataclasses import dataclass
from types import TracebackType


class TransferError(Exception):
    """A transfer was refused; nothing was changed."""


class UnknownAccount(TransferError):
    """An account id that was never opened."""


class InsufficientFunds(TransferError):
    """The source balance is lower than the amount."""


class IdempotencyConflict(TransferError):
    """The idempotency key was already used for a different request."""


@dataclass(frozen=True)
class Transfer:
    """A completed transfer, as recorded in the audit table (and returned on every replay)."""

    transfer_id: int
    idempotency_key: str
    source: str
    destination: str
    amount_cents: int
    source_balance_after: int
    destination_balance_after: int


class Ledger:
    """Accounts and transfers in the SQLite database at ``path``: one connection per instance."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        """Open one connection (sqlite3.connect(path, timeout=...)) and create missing tables."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def open_account(self, account_id: str, balance_cents: int = 0) -> None:
        """Create an account; ValueError for a negative balance or an id already in use."""
        raise NotImplementedError

    def balance(self, account_id: str) -> int:
        """The account's balance in cents; UnknownAccount if it does not exist."""
        raise NotImplementedError

    def transfer(
        self, idempotency_key: str, source: str, destination: str, amount_cents: int
    ) -> Transfer:
        """Move ``amount_cents`` from ``source`` to ``destination`` exactly once per key.

        Same key and same request: the recorded Transfer, nothing changes. Same key, different
        request: IdempotencyConflict. New key: UnknownAccount, InsufficientFunds, or the
        transfer done atomically with its audit row. ValueError for bad arguments.
        """
        raise NotImplementedError

    def audit_log(self) -> list[Transfer]:
        """Every completed transfer, in the order they were committed."""
        raise NotImplementedError
