"""Schema evolution: upgrade stored records through a chain of versioned migrations.

Each migration knows only its own step (``n -> n + 1``); ``upgrade`` deep-copies the record once
and applies the steps in order to that private copy. Copying first is what keeps the caller's
record (and any list inside it) untouched, and running the steps in place on the copy keeps each
one a few lines long.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from typing import Any

LATEST_VERSION = 5

Record = dict[str, Any]

# [0-9], not \d: \d also matches other scripts' digits ("١٢"), which are not prices here.
_PRICE = re.compile(r"([0-9]+)(?:\.([0-9]{1,2}))?")


class MigrationError(ValueError):
    """A record cannot be upgraded: bad or unsupported version, or a field a step needs is bad."""


def upgrade(record: Mapping[str, Any], target: int = LATEST_VERSION) -> Record:
    """Return a new dict: ``record`` migrated step by step to version ``target``.

    Upgrading a record that is already at ``target`` returns an equal copy, which makes
    ``upgrade`` idempotent. The input is never modified and the result shares no mutable
    object with it.
    """
    version = _check_version(record.get("version"), "record version")
    target = _check_version(target, "target version")
    if target < version:
        raise MigrationError(f"cannot downgrade a version {version} record to version {target}")
    upgraded = copy.deepcopy(dict(record))
    for step in range(version, target):
        _MIGRATIONS[step](upgraded)
        upgraded["version"] = step + 1
    return upgraded


def _check_version(version: object, what: str) -> int:
    # bool is a subclass of int, but True is not a schema version.
    if not isinstance(version, int) or isinstance(version, bool):
        raise MigrationError(f"{what} must be an int, got {version!r}")
    if not 1 <= version <= LATEST_VERSION:
        raise MigrationError(
            f"unsupported {what} {version}: known versions are 1 to {LATEST_VERSION}"
        )
    return version


def _take_str(record: Record, field: str) -> str:
    """Remove and return a string field the current step consumes, or explain what is wrong."""
    if field not in record:
        raise MigrationError(f"version {record['version']} record has no {field!r} field")
    value = record.pop(field)
    if not isinstance(value, str):
        raise MigrationError(f"field {field!r} must be a str, got {value!r}")
    return value


def _v1_to_v2(record: Record) -> None:
    """Rename ``fullname`` to ``name``."""
    record["name"] = _take_str(record, "fullname")


def _v2_to_v3(record: Record) -> None:
    """Add ``currency`` and ``tags``; each record gets its own new list."""
    record.setdefault("currency", "USD")
    record.setdefault("tags", [])


def _v3_to_v4(record: Record) -> None:
    """``price`` (decimal string, in units) becomes ``price_cents`` (int), exactly.

    Parsed as text, never through float: ``float("0.29") * 100`` is ``28.999999999999996``.
    """
    price = _take_str(record, "price")
    match = _PRICE.fullmatch(price)
    if match is None:
        raise MigrationError(
            f"field 'price' is not a decimal amount with at most 2 places: {price!r}"
        )
    units, fraction = match.groups()
    record["price_cents"] = int(units) * 100 + int((fraction or "0").ljust(2, "0"))


def _v4_to_v5(record: Record) -> None:
    """Split ``name`` into ``first_name`` (first word) and ``last_name`` (the rest, stripped)."""
    words = _take_str(record, "name").split(maxsplit=1)
    record["first_name"] = words[0] if words else ""
    record["last_name"] = words[1].strip() if len(words) > 1 else ""


_MIGRATIONS: dict[int, Callable[[Record], None]] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4,
    4: _v4_to_v5,
}
