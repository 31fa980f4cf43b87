"""Canary tests: outcomes only the host knows, planted in every hidden suite.

The test process runs the candidate's code, so whatever it reports could be forged — by
patching pytest's reports, the plugin, or writing the result stream by hand. Each run gets a few
extra tests with random names, half of which must fail; whether one passes depends on a hash
the candidate would have to compute. A blanket forgery ("everything passed") reports a failing
canary as passed, and the exercise is `tampered`. Canaries run first (their file sorts first),
so a forger cannot reach the real tests without passing them, and they never appear in reports.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

COUNT = 4


@dataclass(frozen=True)
class Canaries:
    file: str  # the test module's name in the suite's folder
    nonces: dict[str, str]  # test name -> nonce
    passes: dict[str, bool]  # test name -> whether it must pass

    def nodeid(self, name: str) -> str:
        return f"{self.file}::{name}"

    @property
    def expected(self) -> dict[str, str]:
        """Node id -> the outcome an honest run reports."""
        return {self.nodeid(n): "passed" if ok else "failed" for n, ok in self.passes.items()}

    def source(self) -> str:
        lines = ["import hashlib", ""]
        for name, nonce in self.nonces.items():
            parity = _parity(nonce) if self.passes[name] else 1 - _parity(nonce)
            lines += [
                f"def {name}():",
                f'    assert int(hashlib.sha256(b"{nonce}").hexdigest(), 16) % 2 == {parity}',
                "",
            ]
        return "\n".join(lines)


def _parity(nonce: str) -> int:
    return int(hashlib.sha256(nonce.encode()).hexdigest(), 16) % 2


def make_canaries(count: int = COUNT) -> Canaries:
    """`count` canaries (at least two), half of them failing, with unguessable names."""
    names = [f"test_{secrets.token_hex(6)}" for _ in range(max(count, 2))]
    passes = {name: index % 2 == 0 for index, name in enumerate(names)}
    order = sorted(names)  # the order in the file says nothing about which must fail
    return Canaries(
        file=f"test_0{secrets.token_hex(6)}.py",
        nonces={name: secrets.token_hex(16) for name in order},
        passes={name: passes[name] for name in order},
    )
