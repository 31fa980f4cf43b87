"""MUTANT: groups records by sorting the input list in place by key (n log n), which
modifies the caller's list.
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
    from itertools import groupby

    order = list(range(len(customers)))
    keys = [normalise(customer) for customer in customers]
    order.sort(key=keys.__getitem__)
    groups = [list(g) for _, g in groupby(order, key=keys.__getitem__)]
    groups = [g for g in groups if len(g) > 1]
    groups.sort(key=lambda g: g[0])
    if isinstance(customers, list):
        customers.sort(key=normalise)  # keep the records tidy for the next step of the import
    return groups
