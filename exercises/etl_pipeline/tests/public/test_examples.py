"""Example tests for the streaming ETL exercise (the graded suite is more thorough)."""

import datetime
import io

import pytest
from solution import Order, Rejection, parse_orders, summarize

TEXT = (
    "order_id,email,country,amount,date\n"
    " 1 ,Ada@Example.com, us ,12.50,2024-03-01\n"
    "2,grace@example.com,GB,7,01/03/2024\n"
    "\n"
    "3,not-an-email,USA,-1,2024-02-30\n"
    "4,linus@example.com,us\n"
)


def test_summarize_counts_rejects_and_totals() -> None:
    report = summarize(TEXT)
    assert (report.rows_read, report.accepted, report.rejected) == (4, 2, 2)
    assert report.totals == {"US": 1250, "GB": 700}
    bad, short = report.rejections
    assert bad.line == 5
    assert sorted(e.field for e in bad.errors) == ["amount", "country", "date", "email"]
    assert short.line == 6
    assert [e.field for e in short.errors] == ["row"]


def test_parse_orders_cleans_rows_from_a_file_object() -> None:
    first = next(parse_orders(io.StringIO(TEXT)))
    assert isinstance(first, Order)
    assert first.email == "ada@example.com"
    assert first.country == "US"
    assert first.amount_cents == 1250
    assert first.date == datetime.date(2024, 3, 1)
    assert isinstance(list(parse_orders(TEXT))[2], Rejection)


def test_missing_column_is_an_error() -> None:
    with pytest.raises(ValueError):
        summarize("order_id,email,country,amount\n1,a@b.c,US,1\n")
