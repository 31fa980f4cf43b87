"""MUTANT: the converter call is guarded by a bare `except:`, so KeyboardInterrupt, SystemExit
and GeneratorExit raised by a converter are swallowed into an InvalidValueError.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Converter = Callable[[str], Any]


class ConfigError(ValueError):
    """Base of every configuration error; ``line`` is 1-based, or None when no line is at fault."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line is not None else message)
        self.line = line


class ParseError(ConfigError):
    """A line that is not ``key = value``."""


class KeyedError(ConfigError):
    """An error about one key (kept apart so the key is always available as ``key``)."""

    def __init__(self, message: str, *, key: str, line: int | None = None) -> None:
        super().__init__(message, line=line)
        self.key = key


class UnknownKeyError(KeyedError):
    """A key the schema does not know."""


class DuplicateKeyError(KeyedError):
    """A key given a second time."""


class InvalidValueError(KeyedError):
    """The key's converter rejected the value; ``__cause__`` is the converter's exception."""


class MissingKeyError(KeyedError):
    """A schema key that never appeared and has no default."""


def _parse_line(
    number: int,
    line: str,
    schema: Mapping[str, Converter],
    seen: set[str],
    values: dict[str, Any],
) -> None:
    """Handle one non-blank, non-comment line: store its value or raise its ConfigError."""
    key, sep, raw = line.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key:
        raise ParseError(f"expected 'key = value', got {line.strip()!r}", line=number)
    if key not in schema:
        raise UnknownKeyError(f"unknown key {key!r}", key=key, line=number)
    if key in seen:
        raise DuplicateKeyError(f"duplicate key {key!r}", key=key, line=number)
    seen.add(key)
    try:
        values[key] = schema[key](raw)
    except BaseException as err:  # a bare except, in effect
        raise InvalidValueError(
            f"invalid value for {key!r}: {raw!r} ({err})", key=key, line=number
        ) from err


def parse_config(
    text: str,
    schema: Mapping[str, Converter],
    *,
    defaults: Mapping[str, Any] | None = None,
    collect: bool = False,
) -> dict[str, Any]:
    """Return the typed values of every schema key, or raise (see the README for the rules).

    With ``collect=False`` the first ConfigError propagates as is; with ``collect=True`` every
    error is gathered and raised together as an ExceptionGroup.
    """
    defaults = defaults or {}
    values: dict[str, Any] = {}
    seen: set[str] = set()
    errors: list[ConfigError] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            _parse_line(number, line, schema, seen, values)
        except ConfigError as err:
            if not collect:
                raise
            errors.append(err)
    for key in schema:
        if key in seen:
            continue
        if key in defaults:
            values[key] = defaults[key]
        else:
            error = MissingKeyError(f"missing key {key!r}", key=key)
            if not collect:
                raise error
            errors.append(error)
    if errors:
        raise ExceptionGroup(f"{len(errors)} configuration error(s)", errors)
    return {key: values[key] for key in schema}
