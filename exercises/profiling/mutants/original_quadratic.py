"""MUTANT: the original code, unchanged: correct but quadratic (normalise is called
for every pair of records).
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
    groups: list[list[int]] = []
    grouped: list[int] = []
    for i, first in enumerate(customers):
        if i in grouped:
            continue
        group = [i]
        for j in range(i + 1, len(customers)):
            if normalise(customers[j]) == normalise(first):
                group.append(j)
                grouped.append(j)
        if len(group) > 1:
            groups.append(group)
    return groups
