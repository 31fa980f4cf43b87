"""MUTANT: normalise is inlined "to save a function call" and the inlined copy
keeps all the phone digits instead of the last 10.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Customer:
    name: str
    email: str
    phone: str


def normalise(customer: Customer) -> tuple[str, str]:
    """The identity of a customer: email without surrounding spaces, lower-cased, and the last
    10 digits of the phone number (so "+1 (555) 010-9999" matches "555.010.9999")."""
    email = customer.email.strip().lower()
    digits = "".join(ch for ch in customer.phone if ch.isdigit())
    return email, digits[-10:]


def find_duplicates(customers: Sequence[Customer]) -> list[list[int]]:
    """Group the indices of the customers that share the same ``normalise`` key.

    Only groups of two or more are returned; each group lists its indices in increasing order,
    and the groups are ordered by their first (smallest) index.
    """
    by_key: dict[tuple[str, str], list[int]] = {}
    for index, customer in enumerate(customers):
        key = (customer.email.strip().lower(), "".join(filter(str.isdigit, customer.phone)))
        by_key.setdefault(key, []).append(index)
    return [group for group in by_key.values() if len(group) > 1]
