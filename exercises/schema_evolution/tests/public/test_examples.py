"""Example tests for the schema evolution exercise (the graded suite is more thorough)."""

import pytest
from solution import MigrationError, upgrade

OLD = {
    "version": 1,
    "id": 7,
    "fullname": "Ada Lovelace",
    "email": "ada@example.com",
    "price": "12.5",
}
LATEST = {
    "version": 5,
    "id": 7,
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "price_cents": 1250,
    "currency": "USD",
    "tags": [],
}


def test_a_version_1_record_upgrades_to_the_latest_shape() -> None:
    assert upgrade(OLD) == LATEST
    assert OLD["version"] == 1 and "fullname" in OLD


def test_upgrading_the_latest_record_changes_nothing() -> None:
    assert upgrade(LATEST) == LATEST


def test_upgrade_to_an_intermediate_version() -> None:
    assert upgrade(OLD, target=2) == {
        "version": 2,
        "id": 7,
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "price": "12.5",
    }


def test_a_future_version_is_rejected() -> None:
    with pytest.raises(MigrationError):
        upgrade({**LATEST, "version": 6})
