"""Functions handed to the candidate's ``top_allocations`` (kept out of the test module, whose
globals must stay out of candidate code's reach). Line offsets from ``def`` are fixed: the
suite finds each allocation's line as ``co_firstlineno + offset``."""

from __future__ import annotations

BIG = 3_000_000
MEDIUM = 2_000_000
SMALL = 1_000_000
TEMPORARY = 8_000_000


def allocate() -> list[bytearray]:
    big = bytearray(BIG)  # +1
    medium = bytearray(MEDIUM)  # +2
    small = bytearray(SMALL)  # +3
    return [small, big, medium]


def allocate_and_free() -> bytearray:
    temporary = bytearray(TEMPORARY)  # +1
    kept = bytearray(SMALL)  # +2
    del temporary
    return kept


def allocate_in_a_loop() -> list[bytes]:
    return [bytes(1000) for _ in range(2000)]  # +1: 2,000 blocks, one site


class Boom(Exception):
    pass


def allocate_and_raise() -> None:
    kept = bytearray(SMALL)  # noqa: F841
    raise Boom("from func")
