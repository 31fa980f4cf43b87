"""Example tests for the exceptions exercise (the graded suite is more thorough)."""

import pytest
from solution import ConfigError, InvalidValueError, MissingKeyError, parse_config

SCHEMA = {"host": str, "port": int}


def test_parses_typed_values_and_skips_comments() -> None:
    text = "# settings\nhost = db.internal\n\nport = 5432\n"
    assert parse_config(text, SCHEMA) == {"host": "db.internal", "port": 5432}


def test_invalid_value_carries_line_key_and_cause() -> None:
    with pytest.raises(InvalidValueError) as excinfo:
        parse_config("host = h\nport = fifty\n", SCHEMA)
    error = excinfo.value
    assert error.line == 2 and error.key == "port"
    assert isinstance(error.__cause__, ValueError)
    assert isinstance(error, ConfigError) and isinstance(error, ValueError)


def test_collect_mode_raises_an_exception_group() -> None:
    with pytest.raises(ExceptionGroup) as excinfo:
        parse_config("port = x\n", SCHEMA, collect=True)
    kinds = [type(error) for error in excinfo.value.exceptions]
    assert kinds == [InvalidValueError, MissingKeyError]
