"""Example tests for the SQL analytics exercise (the graded suite is more thorough)."""

import sqlite3

import pytest
from solution import DAILY_TOTALS, RUNNING_BALANCES, TOP_MERCHANTS, UpsertCounts, upsert_payments

CREATE_TABLE_PAYMENTS = """
CREATE TABLE payments (
    payment_id   TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL,
    merchant     TEXT,
    amount_cents INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'settled', 'failed')),
    event_time   TEXT NOT NULL,
    updated_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL
)
"""


@pytest.fixture(params=["", None], ids=["implicit-transactions", "autocommit"])
def conn(request: pytest.FixtureRequest) -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:", isolation_level=request.param)
    connection.execute(CREATE_TABLE_PAYMENTS)
    connection.commit()
    return connection


def payment(payment_id: str, **changes: object) -> dict[str, object]:
    record = {
        "payment_id": payment_id,
        "account_id": "acc-1",
        "merchant": "Books",
        "amount_cents": 1200,
        "status": "settled",
        "event_time": "2024-03-01 09:00:00",
        "updated_at": 1,
    }
    record.update(changes)
    return record


def test_the_readme_example(conn: sqlite3.Connection) -> None:
    batch = [
        payment("p1"),
        payment("p2", merchant="Cafe", amount_cents=450, status="pending"),
    ]
    assert upsert_payments(conn, batch) == UpsertCounts(inserted=2, updated=0, unchanged=0)
    assert upsert_payments(conn, batch) == UpsertCounts(0, 0, 2)
    settled = {**batch[1], "status": "settled", "updated_at": 2}
    assert upsert_payments(conn, [settled, batch[1]]) == UpsertCounts(0, 1, 1)

    assert conn.execute(RUNNING_BALANCES).fetchall() == [
        ("acc-1", "p1", "2024-03-01 09:00:00", 1200, 1200),
        ("acc-1", "p2", "2024-03-01 09:00:00", 450, 1650),
    ]
    assert conn.execute(TOP_MERCHANTS, {"n": 1}).fetchall() == [("acc-1", "Books", 1200, 1)]
    assert conn.execute(DAILY_TOTALS).fetchall() == [("acc-1", "2024-03-01", 1650, None, 1650)]


def test_a_stale_change_does_not_overwrite_a_newer_one(conn: sqlite3.Connection) -> None:
    upsert_payments(conn, [payment("p1", status="settled", updated_at=5)])
    counts = upsert_payments(conn, [payment("p1", status="pending", updated_at=3)])
    assert counts == UpsertCounts(0, 0, 1)
    assert conn.execute("SELECT status, updated_at, version FROM payments").fetchall() == [
        ("settled", 5, 1)
    ]


def test_a_failing_batch_changes_nothing(conn: sqlite3.Connection) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        upsert_payments(conn, [payment("p1"), payment("p2", status="refunded")])
    assert conn.execute("SELECT COUNT(*) FROM payments").fetchone() == (0,)
    assert not conn.in_transaction


def test_top_merchants_keeps_ties() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute(CREATE_TABLE_PAYMENTS)
    rows = [
        ("p1", "acc-1", "Books", 900, "settled", "2024-03-01 09:00:00", 1, 1),
        ("p2", "acc-1", "Cafe", 900, "settled", "2024-03-02 09:00:00", 1, 1),
        ("p3", "acc-1", "Deli", 500, "settled", "2024-03-03 09:00:00", 1, 1),
    ]
    conn.executemany("INSERT INTO payments VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    assert conn.execute(TOP_MERCHANTS, {"n": 1}).fetchall() == [
        ("acc-1", "Books", 900, 1),
        ("acc-1", "Cafe", 900, 1),
    ]
    assert conn.execute(TOP_MERCHANTS, {"n": 2}).fetchall() == [
        ("acc-1", "Books", 900, 1),
        ("acc-1", "Cafe", 900, 1),
    ]
