"""Schema evolution: upgrade stored records through a chain of versioned migrations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LATEST_VERSION = 5


class MigrationError(ValueError):
    """A record cannot be upgraded: bad or unsupported version, or a field a step needs is bad."""


def upgrade(record: Mapping[str, Any], target: int = LATEST_VERSION) -> dict[str, Any]:
    """Return a new dict: ``record`` migrated step by step to version ``target``.

    1 -> 2 renames ``fullname`` to ``name``; 2 -> 3 adds ``currency="USD"`` and ``tags=[]``
    when missing; 3 -> 4 turns ``price`` (decimal str) into ``price_cents`` (int); 4 -> 5
    splits ``name`` into ``first_name`` and ``last_name``. Idempotent; never modifies
    ``record``; raises MigrationError for bad, unknown or future versions and bad fields.
    """
    raise NotImplementedError
