"""Hidden suite for the SQL analytics exercise.

Part 1 drives ``upsert_payments`` on connections in both transaction modes and reads the table
back with the suite's own SQL. Part 2 runs the candidate's query strings itself and compares the
rows with examples and with a pure-Python oracle on generated tables.
"""

from __future__ import annotations

import datetime
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import solution
from exact import same
from feeds import FeedBroken, generated, records_then_failure
from hypothesis import given, settings
from hypothesis import strategies as st

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
CONTENT = ("account_id", "merchant", "amount_cents", "status", "event_time")
COLUMNS = ("payment_id", *CONTENT, "updated_at", "version")
MODES = pytest.mark.parametrize("mode", ["", None], ids=["implicit", "autocommit"])

Row = tuple[Any, ...]


def connect(mode: str | None = "") -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=mode)
    conn.execute(CREATE_TABLE_PAYMENTS)
    conn.commit()
    return conn


def payment(payment_id: str, **changes: Any) -> dict[str, Any]:
    """A record of the feed: a settled 12.00 payment at Books, change number 1."""
    record: dict[str, Any] = {
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


def stored(record: dict[str, Any], version: int) -> Row:
    """The table row a record becomes, with that version."""
    return (*(record[name] for name in COLUMNS[:-1]), version)


def table(conn: sqlite3.Connection) -> list[Row]:
    """Every row of the table, read with the suite's own query, in payment_id order."""
    query = f"SELECT {', '.join(COLUMNS)} FROM payments ORDER BY payment_id"
    return conn.execute(query).fetchall()


def counts(result: Any) -> tuple[int, int, int]:
    """An UpsertCounts as a plain tuple, its fields read by name and type-checked."""
    assert isinstance(result, solution.UpsertCounts), f"expected UpsertCounts, got {result!r}"
    fields = (result.inserted, result.updated, result.unchanged)
    assert all(type(field) is int for field in fields), f"counts are not ints: {fields!r}"
    return fields


def upsert(conn: sqlite3.Connection, rows: Any) -> tuple[int, int, int]:
    found = counts(solution.upsert_payments(conn, rows))
    assert same(conn.in_transaction, False), "upsert_payments left a transaction open"
    return found


def seeded(mode: str | None, *records: dict[str, Any]) -> sqlite3.Connection:
    """A connection whose table holds these records (version 1), written by the suite."""
    conn = connect(mode)
    conn.executemany(
        f"INSERT INTO payments VALUES ({', '.join('?' * len(COLUMNS))})",
        [stored(record, 1) for record in records],
    )
    conn.commit()
    return conn


# ==================================================================== Part 1: the upsert


@pytest.mark.clause("C1", "C6")
@MODES
def test_new_payments_are_inserted_as_given_with_version_1(mode: str | None) -> None:
    conn = connect(mode)
    batch = [
        payment("p1"),
        payment("p2", account_id="acc-2", merchant=None, amount_cents=-350, updated_at=7),
        payment("p3", status="pending", event_time="2024-02-29 23:59:59", updated_at=0),
    ]
    assert same(upsert(conn, batch), (3, 0, 0))
    assert same(table(conn), [stored(record, 1) for record in batch])


@pytest.mark.clause("C2")
@MODES
@pytest.mark.parametrize(
    ("column", "old", "new"),
    [
        ("account_id", "acc-1", "acc-2"),
        ("merchant", "Books", "Cafe"),
        ("merchant", None, "Cafe"),
        ("merchant", "Books", None),
        ("amount_cents", 1200, 1250),
        ("amount_cents", 1200, -1200),
        ("status", "pending", "settled"),
        ("event_time", "2024-03-01 09:00:00", "2024-03-01 09:00:01"),
    ],
)
def test_a_newer_record_with_any_column_changed_replaces_the_content(
    mode: str | None, column: str, old: Any, new: Any
) -> None:
    original = payment("p1", updated_at=3, **{column: old})
    conn = seeded(mode, original, payment("p2"))
    changed = payment("p1", updated_at=4, **{column: new})
    assert same(upsert(conn, [changed]), (0, 1, 0))
    assert same(table(conn), [stored(changed, 2), stored(payment("p2"), 1)])


@pytest.mark.clause("C2")
@MODES
def test_every_content_change_adds_one_to_the_version(mode: str | None) -> None:
    conn = seeded(mode, payment("p1", status="pending", updated_at=10))
    steps = [
        payment("p1", status="settled", updated_at=20),
        payment("p1", status="settled", amount_cents=1100, updated_at=25),
        payment("p1", status="failed", amount_cents=1100, merchant=None, updated_at=1000),
    ]
    for version, record in enumerate(steps, start=2):
        assert same(upsert(conn, [record]), (0, 1, 0))
        assert same(table(conn), [stored(record, version)])


@pytest.mark.clause("C3")
@MODES
@pytest.mark.parametrize("merchant", ["Books", None])
def test_a_newer_identical_record_only_moves_updated_at(
    mode: str | None, merchant: str | None
) -> None:
    conn = seeded(mode, payment("p1", merchant=merchant, updated_at=2))
    newer = payment("p1", merchant=merchant, updated_at=9)
    assert same(upsert(conn, [newer]), (0, 0, 1))
    assert same(table(conn), [stored(newer, 1)])


@pytest.mark.clause("C3", "C4")
@MODES
def test_a_change_older_than_an_identical_newer_record_is_stale(mode: str | None) -> None:
    conn = seeded(mode, payment("p1", status="settled", updated_at=1))
    assert same(upsert(conn, [payment("p1", status="settled", updated_at=5)]), (0, 0, 1))
    assert same(upsert(conn, [payment("p1", status="failed", updated_at=3)]), (0, 0, 1))
    assert same(table(conn), [stored(payment("p1", status="settled", updated_at=5), 1)])


@pytest.mark.clause("C2", "C3")
@MODES
def test_version_counts_content_changes_not_newer_records(mode: str | None) -> None:
    conn = seeded(mode, payment("p1", merchant=None, updated_at=1))
    batch = [
        payment("p1", merchant=None, updated_at=2),
        payment("p1", merchant="Cafe", updated_at=3),
        payment("p1", merchant="Cafe", updated_at=4),
        payment("p1", merchant=None, updated_at=5),
        payment("p1", merchant=None, updated_at=6),
    ]
    assert same(upsert(conn, batch), (0, 2, 3))
    assert same(table(conn), [stored(batch[-1], 3)])


@pytest.mark.clause("C4")
@MODES
@pytest.mark.parametrize("updated_at", [4, 3, 0, -1], ids=["equal", "older", "zero", "negative"])
def test_an_equal_or_older_record_changes_nothing_even_with_new_content(
    mode: str | None, updated_at: int
) -> None:
    original = payment("p1", status="pending", merchant=None, updated_at=4)
    conn = seeded(mode, original)
    late = payment("p1", status="settled", merchant="Cafe", amount_cents=9, updated_at=updated_at)
    assert same(upsert(conn, [late]), (0, 0, 1))
    assert same(table(conn), [stored(original, 1)])


@pytest.mark.clause("C4")
@MODES
def test_a_repeated_record_changes_nothing(mode: str | None) -> None:
    original = payment("p1", merchant=None, updated_at=4)
    conn = seeded(mode, original)
    assert same(upsert(conn, [dict(original)]), (0, 0, 1))
    assert same(table(conn), [stored(original, 1)])


@pytest.mark.clause("C5")
@MODES
def test_records_of_one_payment_in_a_batch_apply_in_order(mode: str | None) -> None:
    conn = connect(mode)
    batch = [
        payment("p1", status="pending", updated_at=1),  # inserted
        payment("p1", status="settled", updated_at=3),  # updated, version 2
        payment("p1", status="failed", updated_at=2),  # stale
        payment("p1", status="settled", updated_at=3),  # repeat
        payment("p1", status="settled", updated_at=4),  # identical, newer
        payment("p1", status="failed", updated_at=4),  # equal updated_at
        payment("p1", status="failed", amount_cents=0, updated_at=6),  # updated, version 3
    ]
    assert same(upsert(conn, batch), (1, 2, 4))
    assert same(table(conn), [stored(batch[-1], 3)])


@pytest.mark.clause("C5")
@MODES
def test_a_newer_record_first_hides_older_ones_later_in_the_batch(mode: str | None) -> None:
    conn = connect(mode)
    batch = [
        payment("p2", amount_cents=500, updated_at=9),
        payment("p1", updated_at=1),
        payment("p2", amount_cents=400, updated_at=8),
        payment("p2", amount_cents=300, updated_at=1),
    ]
    assert same(upsert(conn, batch), (2, 0, 2))
    assert same(table(conn), [stored(batch[1], 1), stored(batch[0], 1)])


@pytest.mark.clause("C6")
@MODES
@pytest.mark.parametrize("kind", ["list", "tuple", "generator"])
def test_an_empty_batch_changes_nothing(mode: str | None, kind: str) -> None:
    conn = seeded(mode, payment("p1"))
    rows: Any = {"list": [], "tuple": (), "generator": generated([])}[kind]
    assert same(upsert(conn, rows), (0, 0, 0))
    assert same(table(conn), [stored(payment("p1"), 1)])


@pytest.mark.clause("C6")
def test_upsert_counts_is_a_named_tuple_in_field_order() -> None:
    assert issubclass(solution.UpsertCounts, tuple)
    assert same(solution.UpsertCounts._fields, ("inserted", "updated", "unchanged"))
    conn = seeded("", payment("p1"), payment("p2"))
    result = solution.upsert_payments(
        conn, [payment("p1", updated_at=5, amount_cents=1), payment("p2"), payment("p3")]
    )
    assert same(counts(result), (1, 1, 1))
    assert same((result[0], result[1], result[2]), (1, 1, 1))


@pytest.mark.clause("C6", "C7")
@MODES
def test_running_the_same_batch_again_changes_nothing(mode: str | None) -> None:
    conn = seeded(mode, payment("p1", updated_at=1), payment("p2", merchant=None, updated_at=5))
    batch = [
        payment("p1", status="pending", updated_at=2),
        payment("p2", merchant=None, updated_at=6),
        payment("p3", merchant=None),
        payment("p3", merchant="Cafe", updated_at=2),
        payment("p4", account_id="acc-2"),
        payment("p1", status="failed", updated_at=1),
    ]
    assert same(upsert(conn, batch), (2, 2, 2))
    after_first = table(conn)
    assert same(upsert(conn, batch), (0, 0, 6))
    assert same(table(conn), after_first)
    assert same(upsert(conn, list(reversed(batch))), (0, 0, 6))
    assert same(table(conn), after_first)


@pytest.mark.clause("C8")
@MODES
@pytest.mark.parametrize("kind", ["tuple", "generator"])
def test_rows_may_be_any_iterable(mode: str | None, kind: str) -> None:
    conn = seeded(mode, payment("p1"))
    batch = [payment("p1", amount_cents=5, updated_at=2), payment("p2"), payment("p3")]
    rows: Any = tuple(batch) if kind == "tuple" else generated(batch)
    assert same(upsert(conn, rows), (2, 1, 0))
    assert same(table(conn), [stored(batch[0], 2), stored(batch[1], 1), stored(batch[2], 1)])


@pytest.mark.clause("C8")
@MODES
def test_extra_keys_are_ignored(mode: str | None) -> None:
    conn = connect(mode)
    record = {**payment("p1"), "currency": "EUR", "note": "first", "source": None}
    assert same(upsert(conn, [record]), (1, 0, 0))
    assert same(table(conn), [stored(payment("p1"), 1)])


@pytest.mark.clause("C8")
@MODES
def test_values_are_bound_not_pasted_into_the_sql(mode: str | None) -> None:
    conn = connect(mode)
    hostile = "O'Brien's \"Deli\"; DROP TABLE payments; --"
    batch = [
        payment("p'1", merchant=hostile, account_id='acc "1"'),
        payment("p2", merchant="?", event_time="2024-03-01 09:00:00' OR '1'='1"),
        payment("p3", merchant=":merchant"),
    ]
    assert same(upsert(conn, batch), (3, 0, 0))
    assert same(upsert(conn, [payment("p'1", merchant=hostile + "!", updated_at=2)]), (0, 1, 0))
    expected = [stored(payment("p'1", merchant=hostile + "!", updated_at=2), 2)]
    assert same(table(conn), [*expected, stored(batch[1], 1), stored(batch[2], 1)])


@pytest.mark.clause("C9")
@MODES
def test_a_successful_batch_is_committed(mode: str | None) -> None:
    conn = seeded(mode, payment("p1"))
    batch = [payment("p1", status="failed", updated_at=2), payment("p2")]
    assert same(upsert(conn, batch), (1, 1, 0))
    conn.rollback()
    assert same(table(conn), [stored(batch[0], 2), stored(batch[1], 1)])


@pytest.mark.clause("C9")
def test_a_batch_is_visible_to_another_connection(tmp_path: Any) -> None:
    path = str(tmp_path / "payments.db")
    writer = sqlite3.connect(path)
    writer.execute(CREATE_TABLE_PAYMENTS)
    writer.commit()
    assert same(upsert(writer, [payment("p1"), payment("p2")]), (2, 0, 0))
    reader = sqlite3.connect(path)
    assert same(table(reader), [stored(payment("p1"), 1), stored(payment("p2"), 1)])
    reader.close()
    writer.close()


def failing_batches() -> Iterator[Any]:
    """Batches that insert, update and skip before the database refuses a record."""
    good = [
        payment("p1", status="settled", updated_at=2),  # update of the seeded p1
        payment("p3"),  # insert
        payment("p2", updated_at=0),  # stale
    ]
    yield pytest.param([*good, payment("p4", status="refunded")], id="check-constraint")
    yield pytest.param([*good, payment("p4", account_id=None)], id="not-null")
    yield pytest.param([*good, payment("p1", amount_cents=None, updated_at=3)], id="bad-update")


@pytest.mark.clause("C10")
@MODES
@pytest.mark.parametrize("batch", list(failing_batches()))
def test_a_refused_record_rolls_back_the_whole_batch(
    mode: str | None, batch: list[dict[str, Any]]
) -> None:
    conn = seeded(mode, payment("p1", status="pending"), payment("p2"))
    before = table(conn)
    with pytest.raises(sqlite3.IntegrityError):
        solution.upsert_payments(conn, batch)
    assert same(conn.in_transaction, False), "a failed batch left its transaction open"
    assert same(table(conn), before)
    assert same(upsert(conn, [payment("p5")]), (1, 0, 0)), "the connection is still usable"
    assert same(table(conn), [*before, stored(payment("p5"), 1)])


@pytest.mark.clause("C10", "C8")
@MODES
def test_a_feed_that_fails_part_way_rolls_back_and_propagates(mode: str | None) -> None:
    conn = seeded(mode, payment("p1", status="pending"))
    before = table(conn)
    feed = records_then_failure([payment("p1", updated_at=2), payment("p2"), payment("p3")])
    with pytest.raises(FeedBroken):
        solution.upsert_payments(conn, feed)
    assert same(conn.in_transaction, False), "a failed batch left its transaction open"
    assert same(table(conn), before)


@pytest.mark.clause("C11", "C9", "C10")
def test_autocommit_connection_gets_one_transaction_per_batch() -> None:
    conn = connect(None)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    with pytest.raises(sqlite3.IntegrityError):
        solution.upsert_payments(conn, [payment("p1"), payment("p2", status="bogus")])
    conn.set_trace_callback(None)
    assert same(table(conn), []), f"records committed one by one; statements: {statements}"
    assert same(conn.in_transaction, False)
    assert same(upsert(conn, [payment("p1"), payment("p2")]), (2, 0, 0))
    assert same(conn.isolation_level, None)
    assert same(len(table(conn)), 2)


@pytest.mark.clause("C11")
@MODES
def test_the_connections_settings_are_left_as_they_were(mode: str | None) -> None:
    conn = connect(mode)
    upsert(conn, [payment("p1")])
    assert same(conn.isolation_level, mode)
    assert conn.row_factory is None, "upsert_payments changed the connection's row_factory"
    with pytest.raises(sqlite3.IntegrityError):
        solution.upsert_payments(conn, [payment("p2", status="bogus")])
    assert same(conn.isolation_level, mode)
    conn.execute("INSERT INTO payments VALUES ('x', 'a', NULL, 1, 'settled', 't', 1, 1)")
    assert same(conn.in_transaction, mode == ""), "implicit transactions behave as before"
    conn.rollback()


# ------------------------------------------------------------ Part 1: generated feeds

PAYMENT_IDS = st.sampled_from(["p1", "p2", "p10", "q"])
RECORDS = st.fixed_dictionaries(
    {
        "payment_id": PAYMENT_IDS,
        "account_id": st.sampled_from(["acc-1", "acc-2"]),
        "merchant": st.sampled_from(["Books", "Cafe", None]),
        "amount_cents": st.sampled_from([1200, -1200, 0]),
        "status": st.sampled_from(["pending", "settled"]),
        "event_time": st.sampled_from(["2024-03-01 09:00:00", "2024-03-01 09:00:01"]),
        "updated_at": st.integers(min_value=0, max_value=6),
    }
)


def apply_to_model(model: dict[str, dict[str, Any]], record: dict[str, Any]) -> str:
    """The README's rules for one record, on a dict of stored rows; which count it adds to."""
    current = model.get(record["payment_id"])
    content = {name: record[name] for name in CONTENT}
    if current is None:
        model[record["payment_id"]] = {**content, "updated_at": record["updated_at"], "version": 1}
        return "inserted"
    if record["updated_at"] <= current["updated_at"]:
        return "unchanged"
    current["updated_at"] = record["updated_at"]
    if all(current[name] == content[name] for name in CONTENT):
        return "unchanged"
    current.update(content)
    current["version"] += 1
    return "updated"


def model_table(model: dict[str, dict[str, Any]]) -> list[Row]:
    return [
        (payment_id, *(row[name] for name in COLUMNS[1:]))
        for payment_id, row in sorted(model.items())
    ]


@pytest.mark.clause("C1", "C2", "C3", "C4", "C5", "C6", "C7")
@settings(max_examples=100)
@given(
    batches=st.lists(st.lists(RECORDS, max_size=8), min_size=1, max_size=4),
    mode=st.sampled_from(["", None]),
)
def test_property_generated_feeds_match_the_rules(
    batches: list[list[dict[str, Any]]], mode: str | None
) -> None:
    conn = connect(mode)
    model: dict[str, dict[str, Any]] = {}
    for batch in batches:
        outcomes = [apply_to_model(model, record) for record in batch]
        expected = tuple(outcomes.count(kind) for kind in ("inserted", "updated", "unchanged"))
        assert same(upsert(conn, batch), expected)
        assert same(table(conn), model_table(model))
        assert same(upsert(conn, batch), (0, 0, len(batch)))
        assert same(table(conn), model_table(model))


# ==================================================================== Part 2: the queries

QUERY_NAMES = ("RUNNING_BALANCES", "TOP_MERCHANTS", "DAILY_TOTALS")


def run(name: str, conn: sqlite3.Connection, n: int = 3) -> list[Row]:
    """Run the candidate's query string the way the README says: one statement, dict params."""
    query = getattr(solution, name)
    assert type(query) is str, f"{name} must be a str holding one SELECT statement"
    params = {"n": n} if name == "TOP_MERCHANTS" else {}
    return conn.execute(query, params).fetchall()


def pay(
    payment_id: str,
    account_id: str,
    amount_cents: int,
    event_time: str,
    merchant: str | None = "Books",
    status: str = "settled",
) -> Row:
    """A table row for the query tests (updated_at and version do not matter there)."""
    return (payment_id, account_id, merchant, amount_cents, status, event_time, 1, 1)


def filled(rows: list[Row]) -> sqlite3.Connection:
    conn = connect()
    conn.executemany(f"INSERT INTO payments VALUES ({', '.join('?' * len(COLUMNS))})", rows)
    conn.commit()
    return conn


# ------------------------------------------------------------ common rules


@pytest.mark.clause("C12")
@pytest.mark.parametrize("name", QUERY_NAMES)
def test_pending_and_failed_payments_are_ignored(name: str) -> None:
    settled = [
        pay("p1", "acc-1", 1000, "2024-03-01 09:00:00", "Books"),
        pay("p2", "acc-1", 300, "2024-03-02 09:00:00", "Cafe"),
    ]
    others = [
        pay("p0", "acc-1", 5000, "2024-03-01 08:00:00", "Cafe", status="pending"),
        pay("p3", "acc-1", 7000, "2024-03-01 09:00:00", "Deli", status="failed"),
        pay("p4", "acc-2", 100, "2024-03-01 09:00:00", "Books", status="pending"),
        pay("p5", "acc-1", 9000, "2024-02-28 09:00:00", "Books", status="failed"),
    ]
    assert same(run(name, filled(settled + others)), run(name, filled(settled)))
    assert same(run(name, filled(others)), [])
    assert len(run(name, filled(settled))) == 2


@pytest.mark.clause("C13")
@pytest.mark.parametrize("name", QUERY_NAMES)
def test_an_empty_table_gives_no_rows(name: str) -> None:
    assert same(run(name, connect()), [])


@pytest.mark.clause("C13")
@pytest.mark.parametrize("name", QUERY_NAMES)
def test_amounts_are_integers(name: str) -> None:
    rows = [
        pay("p1", "acc-1", 1, "2024-03-01 09:00:00", "Books"),
        pay("p2", "acc-1", 2, "2024-03-01 10:00:00", "Cafe"),
        pay("p3", "acc-1", 4, "2024-03-03 09:00:00", "Cafe"),
    ]
    for row in run(name, filled(rows)):
        amounts = row[2:] if name != "RUNNING_BALANCES" else row[3:]
        assert all(type(value) is int for value in amounts if value is not None), row


# ------------------------------------------------------------ RUNNING_BALANCES


@pytest.mark.clause("C14", "C15")
def test_running_balances_per_account_in_time_order() -> None:
    rows = [
        pay("p5", "acc-2", 700, "2024-03-02 09:00:00"),
        pay("p1", "acc-1", 1000, "2024-03-03 09:00:00"),
        pay("p2", "acc-1", -250, "2024-03-01 12:00:00"),
        pay("p3", "acc-2", 50, "2024-03-01 12:00:00"),
        pay("p4", "acc-1", 400, "2024-03-02 08:00:00", merchant=None),
    ]
    assert same(
        run("RUNNING_BALANCES", filled(rows)),
        [
            ("acc-1", "p2", "2024-03-01 12:00:00", -250, -250),
            ("acc-1", "p4", "2024-03-02 08:00:00", 400, 150),
            ("acc-1", "p1", "2024-03-03 09:00:00", 1000, 1150),
            ("acc-2", "p3", "2024-03-01 12:00:00", 50, 50),
            ("acc-2", "p5", "2024-03-02 09:00:00", 700, 750),
        ],
    )


@pytest.mark.clause("C14")
def test_running_balances_order_accounts_and_times_as_text() -> None:
    rows = [
        pay("a", "b-2", 1, "2024-03-01 09:00:00"),
        pay("b", "B-1", 2, "2024-03-01 09:00:00"),
        pay("c", "a-10", 4, "2024-03-01 09:00:00"),
        pay("d", "a-9", 8, "2024-03-01 09:00:00"),
    ]
    accounts = [row[0] for row in run("RUNNING_BALANCES", filled(rows))]
    assert same(accounts, ["B-1", "a-10", "a-9", "b-2"])


@pytest.mark.clause("C16")
def test_payments_in_the_same_second_get_distinct_balances_in_payment_id_order() -> None:
    rows = [
        pay("p9", "acc-1", 100, "2024-03-01 09:00:00"),
        pay("p10", "acc-1", 20, "2024-03-01 09:00:00"),
        pay("p0", "acc-1", 3, "2024-03-01 08:59:59"),
        pay("p8", "acc-1", 4000, "2024-03-01 09:00:01"),
        pay("p7", "acc-2", 50000, "2024-03-01 09:00:00"),
    ]
    assert same(
        run("RUNNING_BALANCES", filled(rows)),
        [
            ("acc-1", "p0", "2024-03-01 08:59:59", 3, 3),
            ("acc-1", "p10", "2024-03-01 09:00:00", 20, 23),
            ("acc-1", "p9", "2024-03-01 09:00:00", 100, 123),
            ("acc-1", "p8", "2024-03-01 09:00:01", 4000, 4123),
            ("acc-2", "p7", "2024-03-01 09:00:00", 50000, 50000),
        ],
    )


# ------------------------------------------------------------ TOP_MERCHANTS


@pytest.mark.clause("C17")
def test_merchant_totals_include_refunds_and_leave_out_null_merchants() -> None:
    rows = [
        pay("p1", "acc-1", 1000, "2024-03-01 09:00:00", "Books"),
        pay("p2", "acc-1", -1000, "2024-03-02 09:00:00", "Books"),
        pay("p3", "acc-1", 300, "2024-03-02 09:00:00", "Cafe"),
        pay("p4", "acc-1", -50, "2024-03-02 09:00:00", "Deli"),
        pay("p5", "acc-1", 99999, "2024-03-02 09:00:00", None),
        pay("p6", "acc-1", 88888, "2024-03-03 09:00:00", None),
        pay("p7", "acc-2", 20, "2024-03-03 09:00:00", None),
    ]
    assert same(
        run("TOP_MERCHANTS", filled(rows), n=10),
        [("acc-1", "Cafe", 300, 1), ("acc-1", "Books", 0, 2), ("acc-1", "Deli", -50, 3)],
    )


@pytest.mark.clause("C18", "C19")
def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    rows = [
        pay("p1", "acc-1", 90, "2024-03-01 09:00:00", "Cafe"),
        pay("p2", "acc-1", 90, "2024-03-01 09:00:00", "Books"),
        pay("p3", "acc-1", 50, "2024-03-01 09:00:00", "Deli"),
        pay("p4", "acc-1", 40, "2024-03-01 09:00:00", "Eats"),
    ]
    conn = filled(rows)
    expected = [
        ("acc-1", "Books", 90, 1),
        ("acc-1", "Cafe", 90, 1),
        ("acc-1", "Deli", 50, 3),
        ("acc-1", "Eats", 40, 4),
    ]
    for n in range(1, 6):
        wanted = [row for row in expected if row[3] <= n]
        assert same(run("TOP_MERCHANTS", conn, n=n), wanted), f"n = {n}"


@pytest.mark.clause("C19")
def test_every_merchant_tied_at_the_cut_off_is_kept() -> None:
    rows = [
        pay("p1", "acc-1", 100, "2024-03-01 09:00:00", "Books"),
        pay("p2", "acc-1", 70, "2024-03-01 09:00:00", "Deli"),
        pay("p3", "acc-1", 70, "2024-03-01 09:00:00", "Cafe"),
        pay("p4", "acc-1", 70, "2024-03-01 09:00:00", "Eats"),
        pay("p5", "acc-1", 10, "2024-03-01 09:00:00", "Fuel"),
    ]
    assert same(
        run("TOP_MERCHANTS", filled(rows), n=2),
        [
            ("acc-1", "Books", 100, 1),
            ("acc-1", "Cafe", 70, 2),
            ("acc-1", "Deli", 70, 2),
            ("acc-1", "Eats", 70, 2),
        ],
    )


@pytest.mark.clause("C18", "C19")
def test_merchants_are_ranked_within_each_account() -> None:
    rows = [
        pay("p1", "acc-2", 5000, "2024-03-01 09:00:00", "Books"),
        pay("p2", "acc-2", 4000, "2024-03-01 09:00:00", "Cafe"),
        pay("p3", "acc-1", 30, "2024-03-01 09:00:00", "Cafe"),
        pay("p4", "acc-1", 20, "2024-03-01 09:00:00", "Books"),
        pay("p5", "acc-1", 25, "2024-03-02 09:00:00", "Books"),
        pay("p6", "acc-3", 1, "2024-03-02 09:00:00", "Deli"),
    ]
    assert same(
        run("TOP_MERCHANTS", filled(rows), n=1),
        [("acc-1", "Books", 45, 1), ("acc-2", "Books", 5000, 1), ("acc-3", "Deli", 1, 1)],
    )
    assert same(
        run("TOP_MERCHANTS", filled(rows), n=2),
        [
            ("acc-1", "Books", 45, 1),
            ("acc-1", "Cafe", 30, 2),
            ("acc-2", "Books", 5000, 1),
            ("acc-2", "Cafe", 4000, 2),
            ("acc-3", "Deli", 1, 1),
        ],
    )


# ------------------------------------------------------------ DAILY_TOTALS


@pytest.mark.clause("C20")
def test_one_row_per_account_and_day() -> None:
    rows = [
        pay("p1", "acc-1", 100, "2024-03-01 23:59:59"),
        pay("p2", "acc-1", 20, "2024-03-02 00:00:00"),
        pay("p3", "acc-1", 3, "2024-03-02 12:00:00", merchant=None),
        pay("p4", "acc-1", -23, "2024-03-02 23:00:00"),
        pay("p5", "acc-2", 7, "2024-03-01 00:00:00"),
        pay("p6", "acc-1", 1, "2024-02-29 00:00:00"),
    ]
    result = run("DAILY_TOTALS", filled(rows))
    assert same(
        [row[:3] for row in result],
        [
            ("acc-1", "2024-02-29", 1),
            ("acc-1", "2024-03-01", 100),
            ("acc-1", "2024-03-02", 0),
            ("acc-2", "2024-03-01", 7),
        ],
    )


@pytest.mark.clause("C21")
def test_change_is_against_the_previous_active_day_and_null_on_the_first() -> None:
    rows = [
        pay("p1", "acc-1", 500, "2024-03-01 09:00:00"),
        pay("p2", "acc-1", 200, "2024-03-05 09:00:00"),
        pay("p3", "acc-1", 200, "2024-04-30 09:00:00"),
        pay("p4", "acc-2", 900, "2024-03-03 09:00:00"),
        pay("p5", "acc-2", 0, "2024-03-04 09:00:00"),
    ]
    result = run("DAILY_TOTALS", filled(rows))
    assert same(
        [row[:4] for row in result],
        [
            ("acc-1", "2024-03-01", 500, None),
            ("acc-1", "2024-03-05", 200, -300),
            ("acc-1", "2024-04-30", 200, 0),
            ("acc-2", "2024-03-03", 900, None),
            ("acc-2", "2024-03-04", 0, -900),
        ],
    )


@pytest.mark.clause("C22")
def test_rolling_sum_covers_seven_calendar_days_not_seven_rows() -> None:
    rows = [
        pay("p1", "acc-1", 1, "2024-02-25 09:00:00"),
        pay("p2", "acc-1", 10, "2024-02-26 09:00:00"),
        pay("p3", "acc-1", 100, "2024-02-29 09:00:00"),
        pay("p4", "acc-1", 1000, "2024-03-03 09:00:00"),  # 2024-02-26 .. 03-03 (leap year)
        pay("p5", "acc-1", 10000, "2024-03-04 09:00:00"),  # 2024-02-27 .. 03-04
        pay("p6", "acc-1", 100000, "2024-03-11 09:00:00"),  # 03-05 .. 03-11: alone
        pay("p7", "acc-2", 7, "2024-03-04 09:00:00"),
    ]
    result = run("DAILY_TOTALS", filled(rows))
    assert same(
        [(row[0], row[1], row[4]) for row in result],
        [
            ("acc-1", "2024-02-25", 1),
            ("acc-1", "2024-02-26", 11),
            ("acc-1", "2024-02-29", 111),
            ("acc-1", "2024-03-03", 1110),
            ("acc-1", "2024-03-04", 11100),
            ("acc-1", "2024-03-11", 100000),
            ("acc-2", "2024-03-04", 7),
        ],
    )


@pytest.mark.clause("C22")
def test_rolling_sum_over_every_active_day_of_a_week() -> None:
    rows = [
        pay(f"p{day}", "acc-1", 2**day, f"2024-12-{day:02d} 1{day % 10}:00:00")
        for day in range(25, 32)
    ] + [pay("q1", "acc-1", 2**10, "2025-01-01 00:00:00")]
    result = run("DAILY_TOTALS", filled(rows))
    expected = [sum(2**d for d in range(25, day + 1)) for day in range(25, 32)]
    expected.append(2**10 + sum(2**d for d in range(26, 32)))
    assert same([row[4] for row in result], expected)


# ------------------------------------------------------------ Part 2: generated tables


def oracle_running(rows: list[Row]) -> list[Row]:
    settled = sorted(
        (row for row in rows if row[4] == "settled"), key=lambda row: (row[1], row[5], row[0])
    )
    balances: dict[str, int] = defaultdict(int)
    result = []
    for payment_id, account_id, _merchant, amount, _status, event_time, *_ in settled:
        balances[account_id] += amount
        result.append((account_id, payment_id, event_time, amount, balances[account_id]))
    return result


def oracle_top(rows: list[Row], n: int) -> list[Row]:
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for _id, account_id, merchant, amount, status, *_ in rows:
        if status == "settled" and merchant is not None:
            totals[account_id, merchant] += amount
    result = []
    for (account_id, merchant), total in totals.items():
        rank = 1 + sum(
            1 for (other, _), value in totals.items() if other == account_id and value > total
        )
        if rank <= n:
            result.append((account_id, merchant, total, rank))
    return sorted(result, key=lambda row: (row[0], row[3], row[1]))


def oracle_daily(rows: list[Row]) -> list[Row]:
    days: dict[tuple[str, str], int] = defaultdict(int)
    for _id, account_id, _merchant, amount, status, event_time, *_ in rows:
        if status == "settled":
            days[account_id, event_time[:10]] += amount
    result: list[Row] = []
    previous: dict[str, int] = {}
    for account_id, day in sorted(days):
        today = datetime.date.fromisoformat(day)
        window = sum(
            cents
            for (other, other_day), cents in days.items()
            if other == account_id
            and 0 <= (today - datetime.date.fromisoformat(other_day)).days <= 6
        )
        cents = days[account_id, day]
        change = cents - previous[account_id] if account_id in previous else None
        previous[account_id] = cents
        result.append((account_id, day, cents, change, window))
    return result


@st.composite
def payment_tables(draw: st.DrawFn) -> list[Row]:
    """Small tables dense in ties: same second, same totals, same day, gaps of a few days."""
    numbers = draw(st.lists(st.integers(min_value=0, max_value=40), unique=True, max_size=25))
    start = datetime.date(2024, 2, 20)
    rows = []
    for number in numbers:
        day = start + datetime.timedelta(days=draw(st.integers(min_value=0, max_value=20)))
        clock = draw(st.sampled_from(["00:00:00", "09:30:00", "23:59:59"]))
        rows.append(
            pay(
                f"p{number}",
                draw(st.sampled_from(["acc-1", "acc-2", "acc-10"])),
                draw(st.sampled_from([100, 100, 250, -100, 0]) | st.integers(-500, 1000)),
                f"{day.isoformat()} {clock}",
                draw(st.sampled_from(["Books", "Cafe", "Deli", "Eats", None])),
                draw(st.sampled_from(["settled", "settled", "settled", "pending", "failed"])),
            )
        )
    return rows


@pytest.mark.clause("C12", "C13", "C14", "C15", "C16")
@settings(max_examples=100)
@given(rows=payment_tables())
def test_property_running_balances_match_the_oracle(rows: list[Row]) -> None:
    assert same(run("RUNNING_BALANCES", filled(rows)), oracle_running(rows))


@pytest.mark.clause("C12", "C13", "C17", "C18", "C19")
@settings(max_examples=100)
@given(rows=payment_tables(), n=st.integers(min_value=1, max_value=5))
def test_property_top_merchants_match_the_oracle(rows: list[Row], n: int) -> None:
    assert same(run("TOP_MERCHANTS", filled(rows), n=n), oracle_top(rows, n))


@pytest.mark.clause("C12", "C13", "C20", "C21", "C22")
@settings(max_examples=100)
@given(rows=payment_tables())
def test_property_daily_totals_match_the_oracle(rows: list[Row]) -> None:
    assert same(run("DAILY_TOTALS", filled(rows)), oracle_daily(rows))
