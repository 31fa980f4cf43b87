"""Hidden suite for the secret_handling exercise."""

import contextlib
import json
import logging
import traceback
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
import solution
from exact import same
from hypothesis import given, settings
from hypothesis import strategies as st

DB_PASSWORD = "Pa55-w0rd-Q7z"
DATABASE_URL = f"postgresql://app:{DB_PASSWORD}@db.internal:5432/app"
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
API_TOKEN = "tok_live_9f8e7d6c5b4a"
ENV: dict[str, str] = {
    "DATABASE_URL": DATABASE_URL,
    "AWS_ACCESS_KEY_ID": KEY_ID,
    "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    "API_TOKEN": API_TOKEN,
    "AWS_REGION": "us-east-2",
    "HOME": "/root",
    "PATH": "/usr/bin",
}
REQUIRED = ["DATABASE_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
SECRET_VARIABLES = ["DATABASE_URL", "AWS_SECRET_ACCESS_KEY", "API_TOKEN"]
SECRET_ATTRIBUTES = ["database_url", "aws_secret_access_key", "api_token"]
SECRET_VALUES = {
    "database_url": DATABASE_URL,
    "aws_secret_access_key": SECRET_KEY,
    "api_token": API_TOKEN,
}
MASK = "**********"


def env(**changes: str | None) -> dict[str, str]:
    """ENV with some variables changed; None removes one."""
    result = dict(ENV)
    for name, value in changes.items():
        if value is None:
            result.pop(name, None)
        else:
            result[name] = value
    return result


def text(value: object) -> str:
    """`value` itself, once it is an exact str: a str subclass could answer `in` as it likes."""
    assert type(value) is str, f"expected a str, got {type(value).__qualname__}"
    return value


def variables(error: Any) -> set[str]:
    """The names in error.variables, each an exact str (`same` on a set checks that)."""
    return set(error.variables)


def spellings(value: str) -> list[str]:
    """The ways a leaked value could be written: raw, JSON-escaped, repr-escaped."""
    return [
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        repr(value)[1:-1],
    ]


def assert_nowhere(secrets: list[str], texts: dict[str, str]) -> None:
    for secret in secrets:
        for spelled in spellings(secret):
            for where, text in texts.items():
                assert spelled not in text, f"a secret value leaked into {where}: {text!r}"


def renderings(loaded: Any) -> dict[str, str]:
    texts = {
        "repr(settings)": text(repr(loaded)),
        "str(settings)": text(str(loaded)),
        "f-string": text(f"{loaded}"),
        "repr([settings])": text(repr([loaded])),
        "dump_settings": text(solution.dump_settings(loaded)),
    }
    for attribute in SECRET_ATTRIBUTES:
        value = getattr(loaded, attribute)
        if value is not None:
            texts[f"repr({attribute})"] = text(repr(value))
            texts[f"str({attribute})"] = text(str(value))
            texts[f"f'{{{attribute}}}'"] = text(f"{value}")
    return texts


def error_renderings(error: BaseException) -> dict[str, str]:
    return {
        "str(error)": text(str(error)),
        "repr(error)": text(repr(error)),
        "error.args": text(repr(error.args)),
        "traceback": "".join(traceback.format_exception(error)),
    }


class Capture(logging.Handler):
    """Collects every record (formatted with its traceback, if any) at every level."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.records: list[logging.LogRecord] = []
        self.texts: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if any(seen is record for seen in self.records):
            return  # seen through both handlers' loggers
        self.records.append(record)
        self.texts[f"log record {len(self.records)}"] = self.format(record)


@contextlib.contextmanager
def captured_logs() -> Iterator[Capture]:
    handler = Capture()
    root, named = logging.getLogger(), logging.getLogger("settings")
    old_level = root.level
    root.addHandler(handler)
    named.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        named.removeHandler(handler)
        root.setLevel(old_level)


def load_error(environ: dict[str, str]) -> Any:
    with pytest.raises(solution.SettingsError) as caught:
        solution.load_settings(environ)
    return caught.value


@pytest.fixture
def logs() -> Iterator[Capture]:
    with captured_logs() as handler:
        yield handler


# ---------------------------------------------------------------- loading


@pytest.mark.clause("C2", "C11")
def test_load_reads_every_variable() -> None:
    loaded = solution.load_settings(ENV)
    assert same(loaded.database_url.get_secret_value(), DATABASE_URL)
    assert same(loaded.aws_access_key_id, KEY_ID)
    assert same(loaded.aws_secret_access_key.get_secret_value(), SECRET_KEY)
    assert same(loaded.api_token.get_secret_value(), API_TOKEN)
    assert same(loaded.aws_region, "us-east-2")


@pytest.mark.clause("C8", "C9")
def test_optional_variables_default_to_none_and_eu_west_1() -> None:
    loaded = solution.load_settings(env(API_TOKEN=None, AWS_REGION=None))
    assert loaded.api_token is None
    assert same(loaded.aws_region, "eu-west-1")


@pytest.mark.clause("C3")
def test_empty_optional_variables_count_as_absent() -> None:
    loaded = solution.load_settings(env(API_TOKEN="", AWS_REGION=""))
    assert loaded.api_token is None
    assert same(loaded.aws_region, "eu-west-1")


@pytest.mark.clause("C3", "C16")
@pytest.mark.parametrize("name", REQUIRED)
def test_empty_required_variable_counts_as_missing(name: str) -> None:
    assert same(variables(load_error(env(**{name: ""}))), {name})


@pytest.mark.clause("C2")
def test_only_the_five_variables_are_read() -> None:
    loaded = solution.load_settings(
        {
            "DATABASE_URL": DATABASE_URL,
            "AWS_ACCESS_KEY_ID": KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "api_token": "lower-case names are other variables",
            "aws_region": "nonsense",
            "UNRELATED": "x",
        }
    )
    assert loaded.api_token is None
    assert same(loaded.aws_region, "eu-west-1")


@pytest.mark.clause("C2")
def test_variable_names_are_case_sensitive() -> None:
    error = load_error(env(DATABASE_URL=None) | {"database_url": DATABASE_URL})
    assert same(variables(error), {"DATABASE_URL"})


@pytest.mark.clause("C4")
def test_values_are_used_exactly_as_given() -> None:
    loaded = solution.load_settings(env(API_TOKEN="  spaced token\n"))
    assert same(loaded.api_token.get_secret_value(), "  spaced token\n")
    assert same(variables(load_error(env(AWS_REGION=" eu-west-1"))), {"AWS_REGION"})


@pytest.mark.clause("C5", "C6", "C7", "C8", "C9")
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "postgresql://x"),
        ("AWS_ACCESS_KEY_ID", "A" * 16),
        ("AWS_ACCESS_KEY_ID", "Z9" * 64),
        ("AWS_SECRET_ACCESS_KEY", "a/b+" * 10),
        ("AWS_SECRET_ACCESS_KEY", "0" * 40),
        ("AWS_REGION", "us-gov-west-1"),
        ("AWS_REGION", "ap-southeast-2"),
        ("API_TOKEN", "x"),
    ],
)
def test_boundary_valid_values_are_accepted(name: str, value: str) -> None:
    loaded = solution.load_settings(env(**{name: value}))
    attribute = getattr(loaded, name.lower())
    shown = attribute if isinstance(attribute, str) else attribute.get_secret_value()
    assert same(shown, value)


@pytest.mark.clause("C2")
def test_any_mapping_is_read_not_only_a_dict() -> None:
    class Environ(Mapping[str, str]):
        """A minimal read-only mapping, like os.environ without its extras."""

        def __init__(self, data: dict[str, str]) -> None:
            self._data = data

        def __getitem__(self, key: str) -> str:
            return self._data[key]

        def __iter__(self) -> Iterator[str]:
            return iter(self._data)

        def __len__(self) -> int:
            return len(self._data)

    loaded = solution.load_settings(Environ(env(AWS_REGION=None)))
    assert same(loaded.aws_access_key_id, KEY_ID)
    assert same(loaded.api_token.get_secret_value(), API_TOKEN)
    assert same(loaded.aws_region, "eu-west-1")
    error = load_error(Environ({"AWS_ACCESS_KEY_ID": KEY_ID, "API_TOKEN": ""}))
    assert same(variables(error), {"DATABASE_URL", "AWS_SECRET_ACCESS_KEY"})


@pytest.mark.clause("C4", "C8")
@pytest.mark.parametrize("token", [" ", "   ", "\n", " tok "])
def test_a_token_of_spaces_is_kept_as_given(token: str) -> None:
    loaded = solution.load_settings(env(API_TOKEN=token))
    assert same(loaded.api_token.get_secret_value(), token)


@pytest.mark.clause("C4", "C5")
@pytest.mark.parametrize("url", [" ", "\tpostgresql://db", "postgresql:// "])
def test_database_url_is_checked_as_given(url: str) -> None:
    if url.startswith("postgresql://"):
        loaded = solution.load_settings(env(DATABASE_URL=url))
        assert same(loaded.database_url.get_secret_value(), url)
    else:
        assert same(variables(load_error(env(DATABASE_URL=url))), {"DATABASE_URL"})


# ---------------------------------------------------------------- the secret type


@pytest.mark.clause("C11")
@pytest.mark.parametrize("attribute", SECRET_ATTRIBUTES)
def test_str_of_a_secret_is_ten_asterisks(attribute: str) -> None:
    loaded = solution.load_settings(ENV)
    assert same(str(getattr(loaded, attribute)), MASK)
    assert same(f"{getattr(loaded, attribute)}", MASK)


@pytest.mark.clause("C11")
@pytest.mark.parametrize("attribute", SECRET_ATTRIBUTES)
def test_repr_of_a_secret_shows_no_part_of_it(attribute: str) -> None:
    loaded = solution.load_settings(ENV)
    value = SECRET_VALUES[attribute]
    assert same(getattr(loaded, attribute).get_secret_value(), value)
    shown = text(repr(getattr(loaded, attribute)))
    for start in range(len(value) - 3):
        assert value[start : start + 4] not in shown, f"{shown!r} shows part of the secret"


@pytest.mark.clause("C10")
def test_non_secret_attributes_are_plain_strings() -> None:
    loaded = solution.load_settings(ENV)
    assert type(loaded.aws_access_key_id) is str
    assert type(loaded.aws_region) is str


# ---------------------------------------------------------------- renderings of settings


@pytest.mark.clause("C12")
def test_repr_shows_the_non_secret_values_but_no_secret() -> None:
    loaded = solution.load_settings(ENV)
    assert KEY_ID in text(repr(loaded))
    assert "us-east-2" in text(repr(loaded))
    assert_nowhere([DATABASE_URL, DB_PASSWORD, SECRET_KEY, API_TOKEN], renderings(loaded))


@pytest.mark.clause("C12")
def test_settings_without_a_token_render_without_secrets() -> None:
    loaded = solution.load_settings(env(API_TOKEN=None))
    assert_nowhere([DATABASE_URL, DB_PASSWORD, SECRET_KEY], renderings(loaded))


@pytest.mark.clause("C13")
def test_dump_settings_is_json_with_masked_secrets() -> None:
    dumped = json.loads(text(solution.dump_settings(solution.load_settings(ENV))))
    assert dumped == {
        "database_url": MASK,
        "aws_access_key_id": KEY_ID,
        "aws_secret_access_key": MASK,
        "api_token": MASK,
        "aws_region": "us-east-2",
    }


@pytest.mark.clause("C13")
def test_dump_settings_shows_an_absent_token_as_null() -> None:
    loaded = solution.load_settings(env(API_TOKEN=None))
    dumped = json.loads(text(solution.dump_settings(loaded)))
    assert dumped["api_token"] is None
    assert dumped["aws_region"] == "us-east-2"


# ---------------------------------------------------------------- logs


@pytest.mark.clause("C14")
def test_load_logs_an_info_record_on_the_settings_logger(logs: Capture) -> None:
    solution.load_settings(ENV)
    assert any(same(r.name, "settings") and same(r.levelno, logging.INFO) for r in logs.records), [
        (r.name, r.levelname, r.getMessage()) for r in logs.records
    ]


@pytest.mark.clause("C15")
def test_no_log_record_contains_a_secret_on_success(logs: Capture) -> None:
    loaded = solution.load_settings(ENV)
    # The settings really hold the secrets, so a rendering that leaked them would show here.
    assert same(loaded.database_url.get_secret_value(), DATABASE_URL)
    assert same(loaded.api_token.get_secret_value(), API_TOKEN)
    logging.getLogger("app").info("config: %s / %r", loaded, loaded)
    assert_nowhere([DATABASE_URL, DB_PASSWORD, SECRET_KEY, API_TOKEN], logs.texts)


@pytest.mark.clause("C15")
def test_no_log_record_contains_a_secret_on_failure(logs: Capture) -> None:
    bad_key = "this-is-not/a+valid=secret-access-key!!"
    error = load_error(env(AWS_SECRET_ACCESS_KEY=bad_key, AWS_REGION="moon"))
    logging.getLogger("app").exception("could not start", exc_info=error)
    assert_nowhere([DATABASE_URL, DB_PASSWORD, bad_key, API_TOKEN], logs.texts)


# ---------------------------------------------------------------- errors


@pytest.mark.clause("C1", "C16", "C17")
@pytest.mark.parametrize("name", REQUIRED)
def test_missing_required_variable_is_named(name: str) -> None:
    error = load_error(env(**{name: None}))
    assert isinstance(error, Exception)
    assert same(variables(error), {name})
    assert name in text(str(error))


@pytest.mark.clause("C16", "C17")
def test_every_missing_variable_is_named() -> None:
    error = load_error({"HOME": "/root"})
    assert same(variables(error), set(REQUIRED))
    for name in REQUIRED:
        assert name in text(str(error))


@pytest.mark.clause("C16", "C17")
def test_missing_and_invalid_variables_are_all_named() -> None:
    error = load_error(env(DATABASE_URL=None, AWS_SECRET_ACCESS_KEY="short", AWS_REGION="EU"))
    names = {"AWS_REGION", "AWS_SECRET_ACCESS_KEY", "DATABASE_URL"}
    assert same(variables(error), names)
    for name in names:
        assert name in text(str(error))


@pytest.mark.clause("C5", "C6", "C7", "C9", "C16", "C17", "C18")
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "postgres://app:Pa55-w0rd-Q7z@db/app"),
        ("DATABASE_URL", "mysql://app:Pa55-w0rd-Q7z@db/app"),
        ("DATABASE_URL", "postgresql://"),
        ("DATABASE_URL", "POSTGRESQL://app:Pa55-w0rd-Q7z@db/app"),
        ("DATABASE_URL", " postgresql://app:Pa55-w0rd-Q7z@db/app"),
        ("AWS_ACCESS_KEY_ID", "akiaiosfodnn7example"),
        ("AWS_ACCESS_KEY_ID", "A" * 15),
        ("AWS_ACCESS_KEY_ID", "A" * 129),
        ("AWS_ACCESS_KEY_ID", "AKIA-IOSFODNN7EXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY[:-1]),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY + "Z"),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY[:-1] + "="),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY[:-1] + "-"),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY[:-1] + "é"),
        ("AWS_REGION", "EU-WEST-1"),
        ("AWS_REGION", "eu-west"),
        ("AWS_REGION", "euwest1"),
        ("AWS_REGION", "eu-west-12"),
        ("AWS_REGION", "e-west-1"),
        ("AWS_REGION", "eu--1"),
        # re.match with "$" accepts a trailing newline; values are never stripped
        ("AWS_ACCESS_KEY_ID", KEY_ID + "\n"),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY + "\n"),
        ("AWS_REGION", "eu-west-1\n"),
        ("AWS_REGION", "eu-west-1 "),
        ("DATABASE_URL", "\npostgresql://app:Pa55-w0rd-Q7z@db/app"),
        # ASCII only: str.isdigit(), isupper(), isalnum() and "\\d" accept these
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMP\u0663E"),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPL\u00c9"),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPL\uff25"),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY[:-1] + "\u0663"),
        ("AWS_REGION", "eu-west-\u0663"),
        ("AWS_REGION", "eu-w\u00e9st-1"),
        ("AWS_REGION", "\u00e9u-west-1"),
    ],
)
def test_invalid_value_is_named_and_never_echoed(name: str, value: str) -> None:
    environ = env(**{name: value})
    error = load_error(environ)
    assert same(variables(error), {name})
    assert name in text(str(error))
    # Every secret in the environment, valid or not ("postgresql://" alone hides nothing).
    secrets = [environ[v] for v in SECRET_VARIABLES if environ[v] != "postgresql://"]
    assert_nowhere([*secrets, DB_PASSWORD], error_renderings(error))


@pytest.mark.clause("C18")
def test_valid_secrets_do_not_leak_when_another_variable_is_invalid() -> None:
    error = load_error(env(AWS_ACCESS_KEY_ID="bad id"))
    assert_nowhere([DATABASE_URL, DB_PASSWORD, SECRET_KEY, API_TOKEN], error_renderings(error))


@pytest.mark.clause("C18")
def test_the_error_traceback_carries_no_chained_secret() -> None:
    bad_url = "mysql://root:Sup3r-S3cret-77@db/app"
    error = load_error(env(DATABASE_URL=bad_url))
    chain_texts = error_renderings(error)
    cause = error.__cause__
    if cause is not None:
        chain_texts["str(__cause__)"] = text(str(cause))
    assert_nowhere([bad_url, "Sup3r-S3cret-77"], chain_texts)


@pytest.mark.clause("C1", "C16")
@pytest.mark.parametrize(
    "changes",
    [
        {"DATABASE_URL": None},
        {"AWS_SECRET_ACCESS_KEY": "short", "AWS_REGION": "moon", "DATABASE_URL": "mysql://x"},
        {"AWS_ACCESS_KEY_ID": "", "AWS_REGION": "EU"},
    ],
)
def test_error_variables_is_a_tuple_naming_each_variable_once(changes: dict[str, Any]) -> None:
    error = load_error(env(**changes))
    assert isinstance(error, Exception)
    assert type(error.variables) is tuple, type(error.variables).__qualname__
    assert same(sorted(error.variables), sorted(changes))


@pytest.mark.clause("C1", "C16")
def test_settings_error_is_raised_not_a_bare_key_error() -> None:
    with pytest.raises(solution.SettingsError):
        solution.load_settings({})


# ---------------------------------------------------------------- properties


MARKED = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40).map(
    lambda text: "zq-" + text
)


@pytest.mark.clause("C12", "C15")
@settings(max_examples=60)
@given(token=MARKED, url_rest=MARKED)
def test_property_arbitrary_secrets_never_appear_in_any_rendering_or_log(
    token: str, url_rest: str
) -> None:
    url = "postgresql://" + url_rest
    with captured_logs() as logs:
        loaded = solution.load_settings(env(API_TOKEN=token, DATABASE_URL=url))
    assert same(loaded.api_token.get_secret_value(), token)
    assert same(loaded.database_url.get_secret_value(), url)
    assert_nowhere([token, url_rest], renderings(loaded) | logs.texts)


SECRET_KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+"


@pytest.mark.clause("C7", "C12")
@settings(max_examples=40)
@given(key=st.text(SECRET_KEY_CHARS, min_size=40, max_size=40))
def test_property_any_well_formed_secret_key_loads_and_stays_hidden(key: str) -> None:
    loaded = solution.load_settings(env(AWS_SECRET_ACCESS_KEY=key))
    assert same(loaded.aws_secret_access_key.get_secret_value(), key)
    assert_nowhere([key], renderings(loaded))


@pytest.mark.clause("C7", "C15", "C18")
@settings(max_examples=60)
@given(
    key=st.one_of(
        st.text(SECRET_KEY_CHARS, min_size=12, max_size=39),
        st.text(SECRET_KEY_CHARS, min_size=41, max_size=60),
        st.tuples(
            st.text(SECRET_KEY_CHARS, min_size=39, max_size=39),
            st.characters(exclude_characters=SECRET_KEY_CHARS),
            st.integers(min_value=0, max_value=39),
        ).map(lambda t: t[0][: t[2]] + t[1] + t[0][t[2] :]),
    )
)
def test_property_a_malformed_secret_key_is_named_but_never_echoed(key: str) -> None:
    with captured_logs() as logs:
        error = load_error(env(AWS_SECRET_ACCESS_KEY=key))
    assert same(variables(error), {"AWS_SECRET_ACCESS_KEY"})
    assert_nowhere([key, DATABASE_URL, API_TOKEN], error_renderings(error) | logs.texts)
