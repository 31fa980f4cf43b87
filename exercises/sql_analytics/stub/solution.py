"""SQL on SQLite: an idempotent upsert of a change feed, and three window-function queries.

Keep ``UpsertCounts`` as it is; implement ``upsert_payments`` and replace the three query
constants with your SQL (one SELECT statement each; the tests run them).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple


class UpsertCounts(NamedTuple):
    """What a batch did: new payments, payments whose content changed, and all other records."""

    inserted: int
    updated: int
    unchanged: int


def upsert_payments(conn: sqlite3.Connection, rows: Iterable[Mapping[str, Any]]) -> UpsertCounts:
    """Apply the records in order, in one transaction committed before returning.

    New payment: inserted with version 1. Newer ``updated_at`` and different content: content
    and ``updated_at`` replaced, version + 1. Newer and identical: only ``updated_at`` moves up.
    Equal or older ``updated_at``: nothing changes. All or nothing on any error.
    """
    raise NotImplementedError


# (account_id, payment_id, event_time, amount_cents, balance_cents) per settled payment.
RUNNING_BALANCES = "SELECT * FROM replace_with_your_running_balances_query"

# (account_id, merchant, total_cents, rank) with rank <= :n, per account.
TOP_MERCHANTS = "SELECT * FROM replace_with_your_top_merchants_query"

# (account_id, day, day_cents, change_cents, rolling_7d_cents) per account and active day.
DAILY_TOTALS = "SELECT * FROM replace_with_your_daily_totals_query"
