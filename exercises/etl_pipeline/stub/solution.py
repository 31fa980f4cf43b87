"""A small streaming ETL: read order rows from CSV, clean and validate them, total them per country.

Keep the data classes below as they are; implement ``Order``'s cleaning and validation and the
two functions.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from pydantic import BaseModel, ConfigDict

COLUMNS = ("order_id", "email", "country", "amount", "date")


class Order(BaseModel):
    """One clean order. ``Order.model_validate(raw_row)`` cleans and validates a dict of raw
    column texts keyed by column name ("amount" fills ``amount_cents``) and raises
    pydantic.ValidationError with one error per invalid column.
    """

    model_config = ConfigDict(frozen=True)

    order_id: int
    email: str
    country: str
    amount_cents: int
    date: datetime.date


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


def parse_orders(source: str | TextIO) -> Iterator[Order | Rejection]:
    """Yield an ``Order`` or a ``Rejection`` for every row of ``source``, lazily, in order.

    ``source`` is the CSV text itself or a text file-like object. Raises ValueError for a
    missing header or a missing required column.
    """
    raise NotImplementedError


def summarize(source: str | TextIO) -> Report:
    """Run the whole pipeline and return counts, rejections and totals per country."""
    raise NotImplementedError
