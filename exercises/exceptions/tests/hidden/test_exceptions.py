"""Hidden suite for the exceptions exercise: parse_config, its error hierarchy and propagation."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import solution
from exact import same
from hypothesis import given, settings
from hypothesis import strategies as st
from solution import (
    ConfigError,
    DuplicateKeyError,
    InvalidValueError,
    MissingKeyError,
    ParseError,
    UnknownKeyError,
    parse_config,
)

BOOLS = {"true": True, "false": False}


def strict_bool(text: str) -> bool:
    return BOOLS[text]  # KeyError for anything else: not a ValueError


class Recorder:
    """A converter wrapper that records the value texts it was called with."""

    def __init__(self, convert: Callable[[str], Any] = str) -> None:
        self.calls: list[str] = []
        self.convert = convert

    def __call__(self, text: str) -> Any:
        self.calls.append(text)
        return self.convert(text)


class Boom(Exception):
    """A custom converter failure, not a ValueError."""


SCHEMA: dict[str, Callable[[str], Any]] = {"host": str, "port": int, "debug": strict_bool}


def group_of(excinfo: pytest.ExceptionInfo[BaseException]) -> list[ConfigError]:
    group = excinfo.value
    assert isinstance(group, ExceptionGroup), f"expected an ExceptionGroup, got {group!r}"
    errors = list(group.exceptions)
    assert all(isinstance(error, ConfigError) for error in errors)
    return errors  # type: ignore[return-value]


def text_of(error: BaseException) -> str:
    """``str(error)``, required to be a real str (a subclass could claim to contain anything)."""
    text = str(error)
    assert type(text) is str, f"str(error) is a {type(text).__qualname__}, not a str"
    return text


def same_kinds_and_lines(
    errors: list[ConfigError], expected: list[tuple[type[ConfigError], int | None]]
) -> bool:
    """Each error is of exactly the expected class (by identity) with exactly the expected line."""
    return len(errors) == len(expected) and all(
        type(error) is kind and same(error.line, line)
        for error, (kind, line) in zip(errors, expected, strict=True)
    )


# --------------------------------------------------------------------------- hierarchy


@pytest.mark.clause("C1")
@pytest.mark.parametrize(
    "name",
    ["ParseError", "UnknownKeyError", "DuplicateKeyError", "InvalidValueError", "MissingKeyError"],
)
def test_every_error_is_a_config_error_and_a_value_error(name: str) -> None:
    cls = getattr(solution, name)
    assert issubclass(cls, ConfigError)
    assert issubclass(cls, ValueError)


@pytest.mark.clause("C1")
def test_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


# --------------------------------------------------------------------------- parsing


@pytest.mark.clause("C13", "C17")
def test_parses_typed_values_with_their_converters() -> None:
    text = "host = db.internal\nport = 5432\ndebug = true\n"
    assert same(parse_config(text, SCHEMA), {"host": "db.internal", "port": 5432, "debug": True})


@pytest.mark.clause("C6")
def test_text_and_schema_may_be_passed_by_keyword_the_options_only_by_keyword() -> None:
    assert same(parse_config(text="a = 1", schema={"a": int}), {"a": 1})
    assert same(parse_config(schema={"a": int}, text="", defaults={"a": 2}), {"a": 2})
    with pytest.raises(TypeError):
        parse_config("", {"a": int}, {"a": 2})  # type: ignore[misc]


@pytest.mark.clause("C8")
def test_blank_whitespace_and_comment_lines_are_skipped() -> None:
    text = "\n   \n# a comment\n    # an indented comment\n\t\nhost = h\n#port = 1\nport = 2\ndebug=false"
    assert same(parse_config(text, SCHEMA), {"host": "h", "port": 2, "debug": False})


@pytest.mark.clause("C9")
def test_key_and_value_are_stripped_of_surrounding_whitespace() -> None:
    recorder = Recorder()
    result = parse_config("   name   =   two words  \t", {"name": recorder})
    assert same(result, {"name": "two words"})
    assert same(recorder.calls, ["two words"])


@pytest.mark.clause("C8", "C9")
def test_unicode_whitespace_counts_as_whitespace() -> None:
    # str.strip() and str.isspace() know more than " \t": no-break and ideographic spaces too.
    text = "\u00a0\u3000\nhost\u00a0=\u3000db\u00a0\n\u2003# comment\nport = 1"
    assert same(parse_config(text, {"host": str, "port": int}), {"host": "db", "port": 1})


@pytest.mark.clause("C9")
def test_line_is_split_at_the_first_equals_sign() -> None:
    text = "dsn = postgres://u:p@h/db?sslmode=require&x=1"
    assert same(
        parse_config(text, {"dsn": str}), {"dsn": "postgres://u:p@h/db?sslmode=require&x=1"}
    )


@pytest.mark.clause("C9")
def test_a_value_of_only_equals_signs_is_kept() -> None:
    assert same(parse_config("sep = ==", {"sep": str}), {"sep": "=="})


@pytest.mark.clause("C9", "C13")
def test_an_empty_value_is_passed_to_the_converter() -> None:
    recorder = Recorder()
    assert same(parse_config("name =", {"name": recorder}), {"name": ""})
    assert same(recorder.calls, [""])


@pytest.mark.clause("C8")
def test_a_hash_after_the_value_is_part_of_the_value() -> None:
    assert same(parse_config("title = a # b", {"title": str}), {"title": "a # b"})


@pytest.mark.clause("C7")
def test_windows_line_endings_are_handled() -> None:
    text = "host = h\r\nport = 1\r\ndebug = true\r\n"
    assert same(parse_config(text, SCHEMA), {"host": "h", "port": 1, "debug": True})


@pytest.mark.clause("C7")
def test_every_line_boundary_of_splitlines_ends_a_line() -> None:
    # \r alone, \u2028 (line separator) and \x0c (form feed) end lines for str.splitlines().
    text = "host = h\rport = 1\u2028debug = true\x0cno equals sign"
    with pytest.raises(ParseError) as excinfo:
        parse_config(text, SCHEMA)
    assert same(excinfo.value.line, 4)
    assert same(
        parse_config("host = h\rport = 1\u2028debug = true", SCHEMA),
        {
            "host": "h",
            "port": 1,
            "debug": True,
        },
    )


@pytest.mark.clause("C13")
def test_each_converter_is_called_once_with_the_value_text() -> None:
    host, port = Recorder(), Recorder(int)
    parse_config("port = 8080\nhost = example.org", {"host": host, "port": port})
    assert same(host.calls, ["example.org"])
    assert same(port.calls, ["8080"])


@pytest.mark.clause("C14")
def test_defaults_fill_missing_keys_as_is_without_conversion() -> None:
    port = Recorder(int)
    result = parse_config(
        "host = h",
        {"host": str, "port": port, "debug": strict_bool},
        defaults={"port": "not converted", "debug": None},
    )
    assert same(result, {"host": "h", "port": "not converted", "debug": None})
    assert same(port.calls, [])


@pytest.mark.clause("C14")
def test_a_value_in_the_text_wins_over_its_default() -> None:
    assert same(parse_config("port = 1", {"port": int}, defaults={"port": 99}), {"port": 1})


@pytest.mark.clause("C16", "C17")
def test_result_has_exactly_the_schema_keys_and_ignores_extra_defaults() -> None:
    result = parse_config("a = 1", {"a": int, "b": int}, defaults={"b": 2, "zzz": 3})
    assert same(result, {"a": 1, "b": 2})


@pytest.mark.clause("C14", "C17")
def test_empty_text_with_every_key_defaulted() -> None:
    assert same(parse_config("", {"a": int}, defaults={"a": 5}), {"a": 5})
    assert same(parse_config("", {}), {})


@pytest.mark.clause("C17")
def test_result_is_a_new_dict_not_the_defaults() -> None:
    defaults = {"a": 1}
    result = parse_config("", {"a": int}, defaults=defaults)
    assert same(result, {"a": 1})
    result["a"] = 2
    assert same(defaults, {"a": 1})


# --------------------------------------------------------------------------- errors, stop mode


@pytest.mark.clause("C10", "C2", "C3")
def test_a_line_without_equals_is_a_parse_error_with_its_line_number() -> None:
    with pytest.raises(ParseError) as excinfo:
        parse_config("host = h\nport 80\n", SCHEMA)
    assert same(excinfo.value.line, 2)
    assert "line 2" in text_of(excinfo.value)


@pytest.mark.clause("C10")
@pytest.mark.parametrize("line", ["= 5", "   =5", "\t = x = y"])
def test_an_empty_key_is_a_parse_error(line: str) -> None:
    with pytest.raises(ParseError) as excinfo:
        parse_config(line, {"": str, "x": str})
    assert same(excinfo.value.line, 1)


@pytest.mark.clause("C11", "C2", "C3", "C4")
def test_an_unknown_key_is_an_unknown_key_error_with_key_and_line() -> None:
    with pytest.raises(UnknownKeyError) as excinfo:
        parse_config("host = h\n\ncolour = red\n", SCHEMA)
    error = excinfo.value
    assert same((error.key, error.line), ("colour", 3))
    assert "colour" in text_of(error) and "line 3" in text_of(error)


@pytest.mark.clause("C11", "C12")
def test_a_repeated_unknown_key_is_unknown_each_time_not_a_duplicate() -> None:
    # Only a key that passed the schema check counts as having appeared.
    with pytest.raises(ExceptionGroup) as excinfo:
        parse_config("colour = red\ncolour = blue\nport = 1", {"port": int}, collect=True)
    errors = group_of(excinfo)
    assert same_kinds_and_lines(errors, [(UnknownKeyError, 1), (UnknownKeyError, 2)])


@pytest.mark.clause("C11")
def test_keys_are_case_sensitive() -> None:
    with pytest.raises(UnknownKeyError) as excinfo:
        parse_config("Port = 1", {"port": int})
    assert same(excinfo.value.key, "Port")


@pytest.mark.clause("C12", "C3", "C4")
def test_a_repeated_key_is_a_duplicate_key_error_and_its_converter_is_not_called_again() -> None:
    port = Recorder(int)
    with pytest.raises(DuplicateKeyError) as excinfo:
        parse_config("port = 1\nhost = h\n port = 2", {"port": port, "host": str})
    error = excinfo.value
    assert same((error.key, error.line), ("port", 3))
    assert "port" in text_of(error) and "line 3" in text_of(error)
    assert same(port.calls, ["1"])


@pytest.mark.clause("C5", "C3", "C4")
def test_invalid_value_error_is_raised_from_the_converter_exception() -> None:
    original = ValueError("not a port")

    def converter(text: str) -> int:
        raise original

    with pytest.raises(InvalidValueError) as excinfo:
        parse_config("# c\nport = abc", {"port": converter})
    error = excinfo.value
    assert error.__cause__ is original
    assert same((error.key, error.line), ("port", 2))
    assert "port" in text_of(error) and "line 2" in text_of(error)


@pytest.mark.clause("C5", "C13")
def test_int_conversion_failure_is_chained() -> None:
    with pytest.raises(InvalidValueError) as excinfo:
        parse_config("host = h\nport = fifty", SCHEMA, defaults={"debug": True})
    assert isinstance(excinfo.value.__cause__, ValueError)
    assert same(excinfo.value.line, 2)


@pytest.mark.clause("C13")
@pytest.mark.parametrize(
    ("converter", "value", "cause"),
    [
        (strict_bool, "yes", KeyError),
        (Decimal, "1.2.3", ArithmeticError),
        (lambda text: 1 / int(text), "0", ZeroDivisionError),
        (lambda text: text.no_such_method(), "x", AttributeError),
    ],
    ids=["KeyError", "decimal-InvalidOperation", "ZeroDivisionError", "AttributeError"],
)
def test_any_exception_subclass_from_a_converter_becomes_invalid_value_error(
    converter: Callable[[str], Any], value: str, cause: type[Exception]
) -> None:
    with pytest.raises(InvalidValueError) as excinfo:
        parse_config(f"key = {value}", {"key": converter})
    assert isinstance(excinfo.value.__cause__, cause)
    assert same(excinfo.value.key, "key")


@pytest.mark.clause("C13")
def test_a_custom_exception_from_a_converter_becomes_invalid_value_error() -> None:
    original = Boom("custom failure")

    def converter(text: str) -> str:
        raise original

    with pytest.raises(InvalidValueError) as excinfo:
        parse_config("a = 1", {"a": converter})
    assert excinfo.value.__cause__ is original


@pytest.mark.clause("C15", "C2", "C4")
def test_a_missing_key_error_has_the_key_and_no_line() -> None:
    with pytest.raises(MissingKeyError) as excinfo:
        parse_config("host = h\ndebug = true", SCHEMA)
    error = excinfo.value
    assert same(error.key, "port")
    assert error.line is None
    assert "port" in text_of(error)


@pytest.mark.clause("C15")
def test_missing_keys_are_reported_in_schema_order() -> None:
    with pytest.raises(MissingKeyError) as excinfo:
        parse_config("", {"zeta": str, "alpha": str, "mid": str}, defaults={"zeta": ""})
    assert same(excinfo.value.key, "alpha")


@pytest.mark.clause("C7", "C2")
def test_line_numbers_count_blank_and_comment_lines() -> None:
    text = "\n# header\n\nhost = h\n   \n# port below\nport = x\n"
    with pytest.raises(InvalidValueError) as excinfo:
        parse_config(text, SCHEMA)
    assert same(excinfo.value.line, 7)


@pytest.mark.clause("C18")
def test_stop_mode_raises_the_first_error_and_converts_no_later_line() -> None:
    a, b = Recorder(int), Recorder(int)
    text = "a = 1\nb = oops\nnonsense line\na = 2\nb = 3"
    with pytest.raises(InvalidValueError) as excinfo:
        parse_config(text, {"a": a, "b": b})
    assert same(excinfo.value.line, 2)
    assert same(a.calls, ["1"])
    assert same(b.calls, ["oops"])


@pytest.mark.clause("C18")
def test_stop_mode_a_parse_error_comes_before_a_later_invalid_value() -> None:
    with pytest.raises(ParseError) as excinfo:
        parse_config("host\nport = x", SCHEMA)
    assert same(excinfo.value.line, 1)


@pytest.mark.clause("C18")
def test_stop_mode_a_line_error_wins_over_missing_keys() -> None:
    with pytest.raises(UnknownKeyError):
        parse_config("colour = red", SCHEMA)


@pytest.mark.clause("C18")
def test_stop_mode_raises_a_single_config_error_not_a_group() -> None:
    with pytest.raises(ConfigError) as excinfo:
        parse_config("a\nb\nc", {"a": str})
    assert not isinstance(excinfo.value, BaseExceptionGroup)


# --------------------------------------------------------------------------- collect mode


@pytest.mark.clause("C19")
def test_collect_mode_groups_every_error_line_errors_first_then_missing_keys() -> None:
    text = "\n".join(
        [
            "port = x",  # 1 invalid
            "# fine",  # 2
            "colour = red",  # 3 unknown
            "just words",  # 4 parse
            "port = 8080",  # 5 duplicate
            "= 1",  # 6 parse
        ]
    )
    with pytest.raises(ExceptionGroup) as excinfo:
        parse_config(
            text,
            {"port": int, "host": str, "name": str, "debug": strict_bool},
            defaults={"name": "n"},
            collect=True,
        )
    errors = group_of(excinfo)
    assert same_kinds_and_lines(
        errors,
        [
            (InvalidValueError, 1),
            (UnknownKeyError, 3),
            (ParseError, 4),
            (DuplicateKeyError, 5),
            (ParseError, 6),
            (MissingKeyError, None),
            (MissingKeyError, None),
        ],
    )
    assert same([e.key for e in errors[-2:]], ["host", "debug"])  # type: ignore[attr-defined]


@pytest.mark.clause("C19")
def test_collect_mode_a_single_error_is_still_raised_as_a_group() -> None:
    with pytest.raises(ExceptionGroup) as excinfo:
        parse_config("port = x", {"port": int}, collect=True)
    errors = group_of(excinfo)
    assert len(errors) == 1
    assert type(errors[0]) is InvalidValueError
    assert isinstance(errors[0].__cause__, ValueError)


@pytest.mark.clause("C19")
def test_collect_mode_a_single_missing_key_is_raised_as_a_group() -> None:
    with pytest.raises(ExceptionGroup) as excinfo:
        parse_config("", {"port": int}, collect=True)
    errors = group_of(excinfo)
    assert len(errors) == 1
    assert type(errors[0]) is MissingKeyError
    assert same(errors[0].key, "port")  # type: ignore[attr-defined]


@pytest.mark.clause("C19", "C5")
def test_collect_mode_each_invalid_value_keeps_its_own_cause() -> None:
    causes = {"a": Boom("a"), "b": ValueError("b")}

    def failing(key: str) -> Callable[[str], Any]:
        def convert(text: str) -> Any:
            raise causes[key]

        return convert

    with pytest.raises(ExceptionGroup) as excinfo:
        parse_config("a = 1\nb = 2", {"a": failing("a"), "b": failing("b")}, collect=True)
    errors = group_of(excinfo)
    assert len(errors) == 2
    assert errors[0].__cause__ is causes["a"]
    assert errors[1].__cause__ is causes["b"]
    assert same([e.line for e in errors], [1, 2])


@pytest.mark.clause("C19")
def test_collect_mode_processes_every_line() -> None:
    a, b, c = Recorder(int), Recorder(int), Recorder(int)
    with pytest.raises(ExceptionGroup):
        parse_config("a = x\nbad\nb = 2\nc = y", {"a": a, "b": b, "c": c}, collect=True)
    assert same((a.calls, b.calls, c.calls), (["x"], ["2"], ["y"]))


@pytest.mark.clause("C20")
def test_collect_mode_a_key_whose_value_failed_is_not_missing() -> None:
    with pytest.raises(ExceptionGroup) as excinfo:
        parse_config("port = x", {"port": int}, collect=True)
    errors = group_of(excinfo)
    assert len(errors) == 1
    assert type(errors[0]) is InvalidValueError


@pytest.mark.clause("C12")
def test_collect_mode_a_repeat_of_a_key_whose_value_failed_is_a_duplicate() -> None:
    port = Recorder(int)
    with pytest.raises(ExceptionGroup) as excinfo:
        parse_config("port = x\nport = 1", {"port": port}, collect=True)
    assert same_kinds_and_lines(group_of(excinfo), [(InvalidValueError, 1), (DuplicateKeyError, 2)])
    assert same(port.calls, ["x"])


@pytest.mark.clause("C19")
def test_collect_mode_without_errors_returns_the_values() -> None:
    text = "host = h\nport = 1"
    assert same(
        parse_config(text, SCHEMA, defaults={"debug": True}, collect=True),
        {"host": "h", "port": 1, "debug": True},
    )


# --------------------------------------------------------------------------- requests to stop


STOPPERS = [KeyboardInterrupt, SystemExit, GeneratorExit]


@pytest.mark.clause("C21")
@pytest.mark.parametrize("collect", [False, True], ids=["stop-mode", "collect-mode"])
@pytest.mark.parametrize("kind", STOPPERS, ids=lambda kind: kind.__name__)
def test_a_request_to_stop_from_a_converter_propagates_unchanged_and_ends_parsing(
    kind: type[BaseException], collect: bool
) -> None:
    signal = kind()
    later = Recorder(int)

    def interrupted(text: str) -> Any:
        raise signal

    with pytest.raises(BaseException) as excinfo:
        parse_config(
            "a = 1\nb = 2\nc = 3", {"a": int, "b": interrupted, "c": later}, collect=collect
        )
    assert excinfo.value is signal
    assert type(excinfo.value) is kind
    assert same(later.calls, [])


@pytest.mark.clause("C21")
def test_keyboard_interrupt_after_collected_errors_is_not_grouped_or_wrapped() -> None:
    signal = KeyboardInterrupt()

    def interrupted(text: str) -> Any:
        raise signal

    with pytest.raises(KeyboardInterrupt) as excinfo:
        parse_config("a = x\nunknown = 1\nb = 2", {"a": int, "b": interrupted}, collect=True)
    assert excinfo.value is signal


@pytest.mark.clause("C21")
def test_system_exit_keeps_its_code() -> None:
    def leave(text: str) -> Any:
        raise SystemExit(3)

    with pytest.raises(SystemExit) as excinfo:
        parse_config("a = 1", {"a": leave})
    assert same(excinfo.value.code, 3)


# --------------------------------------------------------------------------- properties

KEYS = ["alpha", "beta", "gamma", "delta"]
padding = st.text(" \t", max_size=2)
filler = st.sampled_from(["", "   ", "# comment", "  # indented = comment", "\t"])


@st.composite
def config_texts(draw: st.DrawFn) -> tuple[list[str], dict[str, int]]:
    """Lines assigning an int to a random subset of KEYS, in random order, with filler lines."""
    chosen = draw(st.lists(st.sampled_from(KEYS), unique=True))
    values = {key: draw(st.integers(-(10**6), 10**6)) for key in chosen}
    lines: list[str] = []
    for key in chosen:
        lines += draw(st.lists(filler, max_size=2))
        lines.append(
            f"{draw(padding)}{key}{draw(padding)}={draw(padding)}{values[key]}{draw(padding)}"
        )
    lines += draw(st.lists(filler, max_size=2))
    return lines, values


@pytest.mark.clause("C8", "C9", "C14")
@settings(max_examples=150, report_multiple_bugs=False)
@given(config_texts(), st.booleans())
def test_property_valid_text_parses_to_its_values_with_defaults_for_the_rest(
    generated: tuple[list[str], dict[str, int]], collect: bool
) -> None:
    lines, values = generated
    defaults = {key: f"default-{key}" for key in KEYS}
    result = parse_config(
        "\n".join(lines), dict.fromkeys(KEYS, int), defaults=defaults, collect=collect
    )
    assert same(result, {**defaults, **values})


bad_lines = st.sampled_from(
    [
        ("no equals sign here", ParseError),
        ("  = 12", ParseError),
        ("unknown_key = 1", UnknownKeyError),
        ("alpha = not-a-number", InvalidValueError),
    ]
)


@pytest.mark.clause("C2", "C18", "C19")
@settings(max_examples=150, report_multiple_bugs=False)
@given(config_texts(), st.data())
def test_property_error_line_numbers_are_the_1_based_positions_of_the_bad_lines(
    generated: tuple[list[str], dict[str, int]], data: st.DataObject
) -> None:
    lines, _ = generated
    lines = [line for line in lines if "alpha" not in line]  # alpha is kept for the bad value
    inserted = data.draw(
        st.lists(st.tuples(st.integers(0, len(lines) + 5), bad_lines), min_size=1, max_size=3)
    )
    expected: list[tuple[type[ConfigError], int]] = []
    for position, (bad, kind) in inserted:
        index = min(position, len(lines))
        lines.insert(index, bad)
        expected = [(k, n + 1 if n >= index + 1 else n) for k, n in expected]
        expected.append((kind, index + 1))
    expected.sort(key=lambda item: item[1])
    # Only the first "alpha = ..." counts as invalid; later ones are duplicates.
    seen_alpha = False
    final = []
    for kind, number in expected:
        if kind is InvalidValueError:
            kind = DuplicateKeyError if seen_alpha else InvalidValueError
            seen_alpha = True
        final.append((kind, number))
    text = "\n".join(lines)
    schema = dict.fromkeys(KEYS, int)
    defaults = dict.fromkeys(KEYS, 0)

    with pytest.raises(ConfigError) as single:
        parse_config(text, schema, defaults=defaults)
    assert same_kinds_and_lines([single.value], final[:1])

    with pytest.raises(ExceptionGroup) as grouped:
        parse_config(text, schema, defaults=defaults, collect=True)
    assert same_kinds_and_lines(group_of(grouped), final)
