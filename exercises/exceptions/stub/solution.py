"""Parse ``key = value`` config text into typed values, failing with precise, chained errors."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Converter = Callable[[str], Any]


class ConfigError(ValueError):
    """Base of every configuration error.

    Attribute ``line``: the 1-based line number at fault, or None (missing keys).
    ``str(error)`` contains ``line N`` whenever ``line`` is set.
    """


class ParseError(ConfigError):
    """A line that is not ``key = value`` (no ``=``, or an empty key)."""


class UnknownKeyError(ConfigError):
    """A key the schema does not know. Attributes ``key`` and ``line``."""


class DuplicateKeyError(ConfigError):
    """A key given a second time. Attributes ``key`` and ``line`` (of the repeat)."""


class InvalidValueError(ConfigError):
    """The converter raised; ``__cause__`` is its exception. Attributes ``key`` and ``line``."""


class MissingKeyError(ConfigError):
    """A schema key that never appeared and has no default. Attribute ``key``; ``line`` is None."""


def parse_config(
    text: str,
    schema: Mapping[str, Converter],
    *,
    defaults: Mapping[str, Any] | None = None,
    collect: bool = False,
) -> dict[str, Any]:
    """Return the typed value of every schema key parsed from ``key = value`` lines.

    ``collect=False``: raise the first ConfigError. ``collect=True``: raise an ExceptionGroup of
    every ConfigError. KeyboardInterrupt, SystemExit and other non-Exception BaseExceptions from a
    converter propagate unchanged. See the README for the exact rules.
    """
    raise NotImplementedError
