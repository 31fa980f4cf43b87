"""Canary tests: outcomes only the host knows, planted at both ends of every hidden suite.

The test process runs the candidate's code, so whatever it reports could be forged — by
patching pytest's reports or the plugin, or by writing the result stream by hand. Each run gets
extra tests with random names in a module that sorts first and one that sorts last; half of them
must fail, and which ones depends on a hash the code would have to compute. A blanket forgery
("everything passed") reports a failing canary as passed; a forged stream that skips to the end
lacks the last canaries. Either way the exercise is `tampered`. Canaries never appear in reports.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class Canary:
    file: str
    name: str
    nonce: str
    passes: bool

    @property
    def nodeid(self) -> str:
        return f"{self.file}::{self.name}"

    def source(self) -> str:
        parity = _parity(self.nonce) if self.passes else 1 - _parity(self.nonce)
        digest = f'int(hashlib.sha256(b"{self.nonce}").hexdigest(), 16)'
        return f"def {self.name}():\n    assert {digest} % 2 == {parity}\n"


@dataclass(frozen=True)
class Canaries:
    canaries: tuple[Canary, ...]

    @property
    def expected(self) -> dict[str, str]:
        """Node id -> the outcome an honest run reports."""
        return {c.nodeid: "passed" if c.passes else "failed" for c in self.canaries}

    def files(self) -> dict[str, str]:
        """Module name -> source, to be written into the suite's folder."""
        sources: dict[str, str] = {}
        for canary in self.canaries:
            sources[canary.file] = (
                sources.get(canary.file, "import hashlib\n") + "\n\n" + canary.source()
            )
        return sources


def _parity(nonce: str) -> int:
    return int(hashlib.sha256(nonce.encode()).hexdigest(), 16) % 2


def make_canaries() -> Canaries:
    """Two canaries in a module that runs first and two in one that runs last: one of each pair fails."""
    canaries = []
    for file in (f"test_0{secrets.token_hex(6)}.py", f"test_zzzz{secrets.token_hex(6)}.py"):
        names = sorted(f"test_{secrets.token_hex(6)}" for _ in range(2))
        failing = secrets.choice(names)
        canaries += [Canary(file, name, secrets.token_hex(16), name != failing) for name in names]
    return Canaries(tuple(canaries))
