"""A small streaming ETL: read order rows from CSV, clean and validate them, total them per country.

Rows flow one at a time from the csv reader through the pydantic model into the running
totals, so memory stays flat however large the input is. A row that fails is never dropped:
it becomes a ``Rejection`` carrying its line number and one reason per bad column, and
``rows_read == accepted + rejected`` always holds.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, TextIO, TypeAlias

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

COLUMNS = ("order_id", "email", "country", "amount", "date")

_ORDER_ID = re.compile(r"[0-9]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_COUNTRY = re.compile(r"[A-Z]{2}")
_AMOUNT = re.compile(r"([0-9]+)(?:\.([0-9]{1,2}))?")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_EU_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value.strip()


def _order_id(value: object) -> int:
    text = _text(value)
    if not _ORDER_ID.fullmatch(text) or int(text) < 1:
        raise ValueError(f"must be a whole number >= 1, got {text!r}")
    return int(text)


def _email(value: object) -> str:
    text = _text(value).lower()
    if not _EMAIL.fullmatch(text):
        raise ValueError(f"must look like name@domain, got {text!r}")
    return text


def _country(value: object) -> str:
    text = _text(value).upper()
    if not _COUNTRY.fullmatch(text):
        raise ValueError(f"must be a two-letter country code, got {text!r}")
    return text


def _amount_cents(value: object) -> int:
    """Parse the decimal text exactly (never through float) into integer cents."""
    text = _text(value)
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise ValueError(f"must be a positive amount with at most 2 decimals, got {text!r}")
    units, fraction = match.groups()
    cents = int(units) * 100 + int((fraction or "0").ljust(2, "0"))
    if cents == 0:
        raise ValueError("must be greater than zero")
    return cents


def _date(value: object) -> datetime.date:
    text = _text(value)
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = match.groups()
    elif match := _EU_DATE.fullmatch(text):
        day, month, year = match.groups()
    else:
        raise ValueError(f"must be YYYY-MM-DD or DD/MM/YYYY, got {text!r}")
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise ValueError(f"is not a calendar date: {text!r}") from None


class Order(BaseModel):
    """One clean order. Validate a raw CSV row (column name -> text) with ``model_validate``.

    Every field cleans its own column in a before-validator, so pydantic reports each bad
    column separately (located by column name) instead of stopping at the first.
    """

    model_config = ConfigDict(frozen=True)

    order_id: Annotated[int, BeforeValidator(_order_id)]
    email: Annotated[str, BeforeValidator(_email)]
    country: Annotated[str, BeforeValidator(_country)]
    amount_cents: Annotated[int, BeforeValidator(_amount_cents), Field(validation_alias="amount")]
    date: Annotated[datetime.date, BeforeValidator(_date)]


@dataclass(frozen=True)
class FieldError:
    """Why a column of a row was rejected; ``field`` is the column name, or "row"."""

    field: str
    message: str


@dataclass(frozen=True)
class Rejection:
    """A rejected row: the input line it starts on and one error per bad column."""

    line: int
    errors: tuple[FieldError, ...]


@dataclass
class Report:
    """The outcome of a run: counts, every rejection, and accepted amounts per country."""

    rows_read: int = 0
    accepted: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def rejected(self) -> int:
        return len(self.rejections)


# Evaluated aliases rather than inline unions: the signatures read the same, and a typo here
# fails at import instead of hiding in an annotation that is never evaluated.
Source: TypeAlias = str | TextIO  # the CSV text itself, or a text file-like object
Item: TypeAlias = Order | Rejection


def parse_orders(source: Source) -> Iterator[Item]:
    """Yield an ``Order`` or a ``Rejection`` for every row of ``source``, lazily, in order.

    ``source`` is the CSV text itself or a text file-like object.
    """
    lines = io.StringIO(source) if isinstance(source, str) else source
    reader = csv.reader(lines)
    header = _read_header(reader)
    last_line = reader.line_num
    for record in reader:
        # line_num counts physical lines read so far; a quoted field may span several,
        # so the row starts on the line after the previous row ended.
        first_line, last_line = last_line + 1, reader.line_num
        if not record:  # an empty line: not a row
            continue
        if len(record) != len(header):
            message = f"expected {len(header)} fields, got {len(record)}"
            yield Rejection(first_line, (FieldError("row", message),))
            continue
        try:
            yield Order.model_validate(dict(zip(header, record, strict=True)))
        except ValidationError as error:
            yield Rejection(first_line, _field_errors(error))


def summarize(source: Source) -> Report:
    """Run the whole pipeline and return counts, rejections and totals per country."""
    report = Report()
    for item in parse_orders(source):
        report.rows_read += 1
        if isinstance(item, Rejection):
            report.rejections.append(item)
        else:
            report.accepted += 1
            report.totals[item.country] = report.totals.get(item.country, 0) + item.amount_cents
    return report


def _read_header(reader: Iterator[list[str]]) -> list[str]:
    for record in reader:
        if record:
            header = [name.strip().lower() for name in record]
            missing = [name for name in COLUMNS if name not in header]
            if missing:
                raise ValueError(f"header lacks required columns: {', '.join(missing)}")
            return header
    raise ValueError("empty input: no header row")


def _field_errors(error: ValidationError) -> tuple[FieldError, ...]:
    return tuple(
        FieldError(str(detail["loc"][0]) if detail["loc"] else "row", detail["msg"])
        for detail in error.errors()
    )
