"""Idempotent, atomic money transfers between accounts, in SQLite.

Every transfer runs in one ``BEGIN IMMEDIATE`` transaction: it takes the database's write lock
*before* reading anything, so the idempotency-key lookup, the balance check and the updates all
see one consistent state that no other connection can change underneath them (no lost update,
no double spend of a key). The key is stored with the transfer in the same transaction, so a
transfer and its idempotency record exist together or not at all.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeAlias

LOCK_TIMEOUT_S = 60.0  # how long a connection waits for another one's write lock

# An evaluated alias, not an inline union: a typo here fails at import.
Path: TypeAlias = str | os.PathLike[str]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    account_id TEXT PRIMARY KEY,
    balance_cents INTEGER NOT NULL CHECK (balance_cents >= 0)
);
CREATE TABLE IF NOT EXISTS transfers (
    transfer_id INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL REFERENCES accounts (account_id),
    destination TEXT NOT NULL REFERENCES accounts (account_id),
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    source_balance_after INTEGER NOT NULL,
    destination_balance_after INTEGER NOT NULL
);
"""

_TRANSFER_COLUMNS = (
    "transfer_id, idempotency_key, source, destination, amount_cents,"
    " source_balance_after, destination_balance_after"
)


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
    """Accounts and transfers in the SQLite database at ``path``: one connection per instance.

    A Ledger is meant for one thread; concurrent threads each open their own Ledger on the same
    path, and SQLite's locking (waited for up to ``LOCK_TIMEOUT_S``) serialises their writes.
    """

    def __init__(self, path: Path) -> None:
        # isolation_level=None: no implicit transactions; every transaction is explicit below.
        self._db = sqlite3.connect(path, timeout=LOCK_TIMEOUT_S, isolation_level=None)
        self._db.execute("PRAGMA journal_mode = WAL")  # readers never block the writer
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()  # whatever happened in the block: an exception still propagates

    def open_account(self, account_id: str, balance_cents: int = 0) -> None:
        """Create an account; ValueError for a negative balance or an id already in use."""
        _check_cents(balance_cents, "balance_cents", minimum=0)
        try:
            with self._write():
                self._db.execute("INSERT INTO accounts VALUES (?, ?)", (account_id, balance_cents))
        except sqlite3.IntegrityError:
            raise ValueError(f"account {account_id!r} already exists") from None

    def balance(self, account_id: str) -> int:
        """The account's balance in cents; UnknownAccount if it does not exist."""
        return self._balance(account_id)

    def transfer(
        self, idempotency_key: str, source: str, destination: str, amount_cents: int
    ) -> Transfer:
        """Move ``amount_cents`` from ``source`` to ``destination`` exactly once per key.

        A key seen before returns the stored transfer if the request is the same, and raises
        IdempotencyConflict if it differs. A refused transfer records nothing, key included.
        """
        if not isinstance(idempotency_key, str) or not idempotency_key:
            raise ValueError("idempotency_key must be a non-empty str")
        _check_cents(amount_cents, "amount_cents", minimum=1)
        if source == destination:
            raise ValueError("source and destination must differ")

        with self._write():
            previous = self._db.execute(
                f"SELECT {_TRANSFER_COLUMNS} FROM transfers WHERE idempotency_key = ?",
                (idempotency_key,),
            ).fetchone()
            if previous is not None:
                stored = Transfer(*previous)
                if (stored.source, stored.destination, stored.amount_cents) != (
                    source,
                    destination,
                    amount_cents,
                ):
                    raise IdempotencyConflict(
                        f"key {idempotency_key!r} was used for a different transfer"
                    )
                return stored

            source_after = self._balance(source) - amount_cents
            destination_after = self._balance(destination) + amount_cents
            if source_after < 0:
                raise InsufficientFunds(f"{source!r} cannot pay {amount_cents} cents")
            update = "UPDATE accounts SET balance_cents = ? WHERE account_id = ?"
            self._db.execute(update, (source_after, source))
            self._db.execute(update, (destination_after, destination))
            cursor = self._db.execute(
                "INSERT INTO transfers (idempotency_key, source, destination, amount_cents,"
                " source_balance_after, destination_balance_after) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    idempotency_key,
                    source,
                    destination,
                    amount_cents,
                    source_after,
                    destination_after,
                ),
            )
            assert cursor.lastrowid is not None
            return Transfer(
                cursor.lastrowid,
                idempotency_key,
                source,
                destination,
                amount_cents,
                source_after,
                destination_after,
            )

    def audit_log(self) -> list[Transfer]:
        """Every completed transfer, in the order they were committed."""
        rows = self._db.execute(
            f"SELECT {_TRANSFER_COLUMNS} FROM transfers ORDER BY transfer_id"
        ).fetchall()
        return [Transfer(*row) for row in rows]

    def _balance(self, account_id: str) -> int:
        row = self._db.execute(
            "SELECT balance_cents FROM accounts WHERE account_id = ?", (account_id,)
        ).fetchone()
        if row is None:
            raise UnknownAccount(account_id)
        balance: int = row[0]
        return balance

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction: the lock is taken first, and any exception rolls it all back."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


def _check_cents(value: object, name: str, *, minimum: int) -> None:
    # bool is an int subclass, but True is not an amount of money.
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be an int number of cents, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
