"""MUTANT: a group is added to the result when its second member is found, so the
groups come out ordered by their second index instead of their first.
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
    groups: list[list[int]] = []
    for index, customer in enumerate(customers):
        group = by_key.setdefault(normalise(customer), [])
        group.append(index)
        if len(group) == 2:  # a duplicate: report the group (later members are appended to it)
            groups.append(group)
    return groups
