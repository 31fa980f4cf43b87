"""SQL on SQLite: an idempotent upsert of a change feed, and three window-function queries.

The upsert is one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` per record, so the rules live in
the database where the row is: the ``WHERE`` lets only a newer ``updated_at`` through (a stale or
repeated change is a no-op), and ``version`` grows only when the content really differs, compared
with ``IS NOT`` because ``NULL <> NULL`` is NULL, not false. An explicit ``BEGIN`` makes the batch
one transaction whatever the connection's ``isolation_level`` (with ``None``, ``with conn:`` would
not start one).

The queries are constants the caller runs; each one is a single statement, so the engine does
all the work.
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


_STORED_VERSION = "SELECT version FROM payments WHERE payment_id = :payment_id"

# Unqualified columns in DO UPDATE are the stored row's values; `excluded` is the record.
_UPSERT = """
INSERT INTO payments
    (payment_id, account_id, merchant, amount_cents, status, event_time, updated_at, version)
VALUES
    (:payment_id, :account_id, :merchant, :amount_cents, :status, :event_time, :updated_at, 1)
ON CONFLICT (payment_id) DO UPDATE SET
    account_id = excluded.account_id,
    merchant = excluded.merchant,
    amount_cents = excluded.amount_cents,
    status = excluded.status,
    event_time = excluded.event_time,
    updated_at = excluded.updated_at,
    version = version + (
        account_id IS NOT excluded.account_id
        OR merchant IS NOT excluded.merchant
        OR amount_cents IS NOT excluded.amount_cents
        OR status IS NOT excluded.status
        OR event_time IS NOT excluded.event_time
    )
WHERE excluded.updated_at > payments.updated_at
RETURNING version
"""


def upsert_payments(conn: sqlite3.Connection, rows: Iterable[Mapping[str, Any]]) -> UpsertCounts:
    """Apply the records in order, in one transaction, and count what each one did.

    Comparing the ``(version,)`` row before and after each statement tells the three outcomes
    apart: no stored row means inserted, a higher version means updated, anything else (no row
    returned, or the same version) means unchanged.
    """
    inserted = updated = unchanged = 0
    conn.execute("BEGIN")
    try:
        for record in rows:
            before = conn.execute(_STORED_VERSION, record).fetchone()
            after = conn.execute(_UPSERT, record).fetchone()
            if before is None:
                inserted += 1
            elif after is not None and after > before:
                updated += 1
            else:
                unchanged += 1
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    return UpsertCounts(inserted, updated, unchanged)


# The explicit ROWS frame makes payments with the same event_time distinct steps: the default
# frame (RANGE ... CURRENT ROW) would give peers in the ORDER BY one shared total.
RUNNING_BALANCES = """
SELECT
    account_id,
    payment_id,
    event_time,
    amount_cents,
    SUM(amount_cents) OVER (
        PARTITION BY account_id
        ORDER BY event_time, payment_id
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS balance_cents
FROM payments
WHERE status = 'settled'
ORDER BY account_id, event_time, payment_id
"""

# RANK (not ROW_NUMBER or DENSE_RANK) keeps every merchant tied at the cut-off and skips ranks
# after a tie.
TOP_MERCHANTS = """
WITH totals AS (
    SELECT account_id, merchant, SUM(amount_cents) AS total_cents
    FROM payments
    WHERE status = 'settled' AND merchant IS NOT NULL
    GROUP BY account_id, merchant
),
ranked AS (
    SELECT
        account_id,
        merchant,
        total_cents,
        RANK() OVER (PARTITION BY account_id ORDER BY total_cents DESC) AS merchant_rank
    FROM totals
)
SELECT account_id, merchant, total_cents, merchant_rank
FROM ranked
WHERE merchant_rank <= :n
ORDER BY account_id, merchant_rank, merchant
"""

# One row per active day first; then a RANGE frame over the day number covers 7 calendar days
# whatever days are missing (a ROWS frame would cover 7 active days).
DAILY_TOTALS = """
WITH days AS (
    SELECT account_id, date(event_time) AS day, SUM(amount_cents) AS day_cents
    FROM payments
    WHERE status = 'settled'
    GROUP BY account_id, day
)
SELECT
    account_id,
    day,
    day_cents,
    day_cents - LAG(day_cents) OVER by_day AS change_cents,
    SUM(day_cents) OVER (by_day RANGE BETWEEN 6 PRECEDING AND CURRENT ROW) AS rolling_7d_cents
FROM days
WINDOW by_day AS (PARTITION BY account_id ORDER BY julianday(day))
ORDER BY account_id, day
"""
