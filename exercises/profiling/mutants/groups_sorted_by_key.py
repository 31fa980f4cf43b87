"""MUTANT: the groups are sorted by their key "for a deterministic order" instead of
kept in the order of their first index.
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
        by_key.setdefault(normalise(customer), []).append(index)
    return [group for _, group in sorted(by_key.items()) if len(group) > 1]
