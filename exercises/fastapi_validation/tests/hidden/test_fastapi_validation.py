"""Hidden suite for the fastapi_validation exercise."""

import warnings
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx, irrelevant here
    from fastapi.testclient import TestClient

import solution
from exact import same

SOURCE = "DE89370400440532013000"
DESTINATION = "GB29NWBK60161331926819"
VALID: dict[str, Any] = {
    "source_account": SOURCE,
    "destination_account": DESTINATION,
    "amount": "10.00",
    "currency": "EUR",
}
KEYS = {"id", "source_account", "destination_account", "amount", "currency", "reference"}
FIELDS = ["source_account", "destination_account", "amount", "currency", "reference"]


@pytest.fixture
def client() -> TestClient:
    return TestClient(solution.create_app())


def post(client: TestClient, **changes: Any) -> Any:
    return client.post("/transactions", json={**VALID, **changes})


def named_fields(response: Any) -> set[Any]:
    """The field names the 422's detail entries point at (loc[1] of body errors)."""
    assert response.status_code == 422, (response.status_code, response.text)
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail, detail
    names = set()
    for entry in detail:
        loc = entry["loc"]
        assert loc[0] == "body", entry
        names.add(loc[1] if len(loc) > 1 else None)
    return names


def assert_rejected_on(response: Any, *fields: str) -> None:
    assert named_fields(response) == set(fields), response.text


def assert_created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    assert set(body) == KEYS
    return body


def cents_text(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


# ---------------------------------------------------------------- success and storage


@pytest.mark.clause("C12", "C6")
def test_valid_transaction_returns_201_with_exactly_the_stored_fields(client: TestClient) -> None:
    body = assert_created(post(client, reference="INV-2024/0001"))
    assert same(
        body,
        {
            "id": 1,
            "source_account": SOURCE,
            "destination_account": DESTINATION,
            "amount": "10.00",
            "currency": "EUR",
            "reference": "INV-2024/0001",
        },
    )


@pytest.mark.clause("C13", "C1")
def test_ids_count_up_from_one_per_app(client: TestClient) -> None:
    ids = [assert_created(post(client, amount=str(n)))["id"] for n in range(1, 4)]
    assert same(ids, [1, 2, 3])
    other = TestClient(solution.create_app())
    assert same(assert_created(post(other))["id"], 1)


@pytest.mark.clause("C19")
def test_get_returns_the_stored_transaction(client: TestClient) -> None:
    first = assert_created(post(client, amount="1.5", currency="usd"))
    second = assert_created(post(client, amount="2"))
    assert client.get("/transactions/1").json() == first
    response = client.get(f"/transactions/{second['id']}")
    assert response.status_code == 200
    assert response.json() == second
    assert response.json()["amount"] == "2.00"


@pytest.mark.clause("C19")
def test_get_unknown_id_is_404(client: TestClient) -> None:
    assert client.get("/transactions/1").status_code == 404
    assert_created(post(client))
    assert client.get("/transactions/2").status_code == 404
    assert client.get("/transactions/0").status_code == 404


@pytest.mark.clause("C1")
def test_apps_do_not_share_their_stores() -> None:
    one, two = TestClient(solution.create_app()), TestClient(solution.create_app())
    assert_created(post(one))
    assert two.get("/transactions/1").status_code == 404


@pytest.mark.clause("C14")
def test_rejected_requests_store_nothing_and_use_up_no_id(client: TestClient) -> None:
    assert assert_created(post(client))["id"] == 1
    assert post(client, amount="0").status_code == 422
    assert post(client, currency="XXX").status_code == 422
    assert post(client, id=7).status_code == 422
    assert assert_created(post(client))["id"] == 2
    assert client.get("/transactions/3").status_code == 404


# ---------------------------------------------------------------- accounts


@pytest.mark.clause("C2", "C3")
def test_accounts_are_normalised_by_removing_spaces_and_upper_casing(client: TestClient) -> None:
    body = assert_created(
        post(
            client,
            source_account="de89 3704 0044 0532 0130 00",
            destination_account=" gb29 nwbk 6016 1331 9268 19 ",
        )
    )
    assert body["source_account"] == SOURCE
    assert body["destination_account"] == DESTINATION


@pytest.mark.clause("C2", "C15")
@pytest.mark.parametrize(
    "account",
    [
        "DE89370400",  # too short: 10 characters
        "DE8937040044",  # 12 characters, one short of the 14 minimum
        "DE89" + "1" * 31,  # 35 characters: one too many
        "1E89370400440532013000",  # country must be letters
        "DEX9370400440532013000",  # check digits must be digits
        "DE89-3704-0044-0532-0130-00",  # only spaces are removed
        "DE89\t370400440532013000",  # a tab is not a space
        "DE89370400440532013000!",
        "DE89370400440532013000\n",  # re.match with "$" accepts a trailing newline
        "DE89 3704 0044 0532 0130 00\n",
        "DE٨٩370400440532013000",  # non-ASCII digits: "\\d" and isdigit() accept them
        "DE89\uff13\uff170400440532013000",  # full-width digits
        "ÄE89370400440532013000",  # a non-ASCII letter: isalpha() accepts it
        "",
        12345678901234,
        None,
    ],
)
def test_invalid_source_account_is_422_on_source_account(client: TestClient, account: Any) -> None:
    assert_rejected_on(post(client, source_account=account), "source_account")


@pytest.mark.clause("C2", "C3")
def test_account_length_bounds_are_inclusive(client: TestClient) -> None:
    shortest = "DE89" + "A" * 10
    longest = "DE89" + "7" * 30
    body = assert_created(post(client, source_account=shortest, destination_account=longest))
    assert (body["source_account"], body["destination_account"]) == (shortest, longest)


@pytest.mark.clause("C3", "C15")
@pytest.mark.parametrize("account", ["DE89", "DE89370400440532013000?", 7, ["GB"]])
def test_invalid_destination_account_is_422_on_destination_account(
    client: TestClient, account: Any
) -> None:
    assert_rejected_on(post(client, destination_account=account), "destination_account")


@pytest.mark.clause("C3", "C17")
def test_same_source_and_destination_is_422_on_destination_account(client: TestClient) -> None:
    assert_rejected_on(post(client, destination_account=SOURCE), "destination_account")


@pytest.mark.clause("C3", "C17")
def test_accounts_are_compared_after_normalisation(client: TestClient) -> None:
    response = post(
        client,
        source_account="de89 3704 0044 0532 0130 00",
        destination_account="DE89370400440532013000",
    )
    assert_rejected_on(response, "destination_account")
    response = post(client, destination_account="de89370400440532 013000")
    assert_rejected_on(response, "destination_account")


@pytest.mark.clause("C16", "C17")
def test_invalid_source_is_not_also_reported_as_equal_to_the_destination(
    client: TestClient,
) -> None:
    assert_rejected_on(
        post(client, source_account="bad", destination_account="bad"),
        "source_account",
        "destination_account",
    )
    assert_rejected_on(post(client, source_account="XX"), "source_account")


# ---------------------------------------------------------------- amount


@pytest.mark.clause("C4", "C7")
@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("0.01", "0.01"),
        ("12.5", "12.50"),
        ("12.50", "12.50"),
        ("12.500", "12.50"),
        ("100", "100.00"),
        ("1e2", "100.00"),
        ("1000000", "1000000.00"),
        ("1000000.00", "1000000.00"),
        ("999999.99", "999999.99"),
        (7, "7.00"),
        (12.5, "12.50"),
        (19.99, "19.99"),
        (0.1, "0.10"),
    ],
)
def test_valid_amounts_are_stored_as_strings_with_two_places(
    client: TestClient, given: Any, stored: str
) -> None:
    assert assert_created(post(client, amount=given))["amount"] == stored


@pytest.mark.clause("C9")
@pytest.mark.parametrize("amount", ["0", "0.00", 0, "-0.01", "-1", -5])
def test_zero_and_negative_amounts_are_422_on_amount(client: TestClient, amount: Any) -> None:
    assert_rejected_on(post(client, amount=amount), "amount")


@pytest.mark.clause("C9")
@pytest.mark.parametrize("amount", ["1000000.01", "1000001", "1e7", 2_000_000])
def test_amounts_above_one_million_are_422_on_amount(client: TestClient, amount: Any) -> None:
    assert_rejected_on(post(client, amount=amount), "amount")


@pytest.mark.clause("C7")
@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (".5", "0.50"),
        ("5.", "5.00"),
        ("+5", "5.00"),
        ("1E2", "100.00"),
        ("1e-2", "0.01"),
        ("25e-1", "2.50"),
        ("0.010", "0.01"),
        ("00012", "12.00"),
    ],
)
def test_every_spelling_of_plain_decimal_text_is_accepted(
    client: TestClient, given: str, stored: str
) -> None:
    assert assert_created(post(client, amount=given))["amount"] == stored


@pytest.mark.clause("C8")
@pytest.mark.parametrize(
    "amount",
    [
        "5_000",  # Decimal("5_000") is 5000
        "1_000.00",
        "١٢",  # Arabic-Indic digits: Decimal reads 12
        "\uff11\uff12",  # full-width digits
        "1٢",
        " 5 ",  # Decimal strips whitespace
        " 5",
        "5 ",
        "5\n",
        "\t5",
        "1 000",
        "0x10",
        "5e",
        "e5",
        ".",
        "+",
        "1.2.3",
        "--5",
    ],
)
def test_text_that_decimal_reads_but_is_not_plain_decimal_is_422_on_amount(
    client: TestClient, amount: str
) -> None:
    assert_rejected_on(post(client, amount=amount), "amount")


@pytest.mark.clause("C8")
@pytest.mark.parametrize("amount", [True, False])
def test_booleans_are_not_amounts(client: TestClient, amount: bool) -> None:
    assert_rejected_on(post(client, amount=amount), "amount")


@pytest.mark.clause("C9")
def test_amount_bounds(client: TestClient) -> None:
    assert assert_created(post(client, amount="0.01"))["amount"] == "0.01"
    assert assert_created(post(client, amount=1000000))["amount"] == "1000000.00"
    assert assert_created(post(client, amount="1e6"))["amount"] == "1000000.00"
    assert_rejected_on(post(client, amount="0.00"), "amount")
    assert_rejected_on(post(client, amount=1000000.01), "amount")


@pytest.mark.clause("C10")
@pytest.mark.parametrize("amount", ["0.001", "12.345", "12.505", "0.009", 1.234])
def test_amounts_with_more_than_two_places_are_422_on_amount(
    client: TestClient, amount: Any
) -> None:
    assert_rejected_on(post(client, amount=amount), "amount")


@pytest.mark.clause("C8")
@pytest.mark.parametrize(
    "amount", ["NaN", "nan", "Infinity", "-Infinity", "inf", "abc", "", "12,50", None, [], {}]
)
def test_non_numeric_amounts_are_422_on_amount(client: TestClient, amount: Any) -> None:
    assert_rejected_on(post(client, amount=amount), "amount")


AMOUNT_SPELLINGS = st.sampled_from(["plain", "two_places", "padded", "number"])


def spell(cents: int, how: str) -> Any:
    if how == "plain":  # as short as possible: "12.5", "100"
        text = format(Decimal(cents) / 100, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if how == "two_places":
        return cents_text(cents)
    if how == "padded":
        return cents_text(cents) + "000"
    return cents // 100 if cents % 100 == 0 else float(cents_text(cents))


@pytest.mark.clause("C4", "C7", "C9", "C10")
@settings(max_examples=60)
@given(cents=st.integers(min_value=1, max_value=100_000_000), how=AMOUNT_SPELLINGS)
def test_property_every_positive_whole_cent_amount_up_to_the_limit_is_accepted(
    cents: int, how: str
) -> None:
    client = TestClient(solution.create_app())
    body = assert_created(post(client, amount=spell(cents, how)))
    assert body["amount"] == cents_text(cents)


@pytest.mark.clause("C9")
@settings(max_examples=40)
@given(
    cents=st.one_of(
        st.integers(min_value=-(10**9), max_value=0),
        st.integers(min_value=100_000_001, max_value=10**12),
    ),
    how=st.sampled_from(["two_places", "padded"]),
)
def test_property_amounts_outside_the_range_are_rejected_on_amount(cents: int, how: str) -> None:
    sign = "-" if cents < 0 else ""
    client = TestClient(solution.create_app())
    assert_rejected_on(post(client, amount=sign + spell(abs(cents), how)), "amount")


@pytest.mark.clause("C10")
@settings(max_examples=40)
@given(
    mills=st.integers(min_value=1, max_value=1_000_000_000).filter(lambda m: m % 10 != 0),
    extra_zeros=st.integers(min_value=0, max_value=3),
)
def test_property_fractions_of_a_cent_are_rejected_on_amount(mills: int, extra_zeros: int) -> None:
    text = f"{mills // 1000}.{mills % 1000:03d}" + "0" * extra_zeros
    client = TestClient(solution.create_app())
    assert_rejected_on(post(client, amount=text), "amount")


# ---------------------------------------------------------------- currency


@pytest.mark.clause("C5")
@pytest.mark.parametrize(
    ("given", "stored"),
    [("EUR", "EUR"), ("eur", "EUR"), ("Usd", "USD"), ("gbP", "GBP"), ("chf", "CHF")],
)
def test_currency_is_case_insensitive_and_stored_upper_case(
    client: TestClient, given: str, stored: str
) -> None:
    assert assert_created(post(client, currency=given))["currency"] == stored


@pytest.mark.clause("C5")
@pytest.mark.parametrize(
    "currency", ["XXX", "JPY", "EU", "EURO", "", " EUR", "EUR ", "€", 978, None, ["EUR"]]
)
def test_invalid_currency_is_422_on_currency(client: TestClient, currency: Any) -> None:
    assert_rejected_on(post(client, currency=currency), "currency")


# ---------------------------------------------------------------- reference


@pytest.mark.clause("C6", "C12")
def test_reference_is_optional_and_null_when_absent(client: TestClient) -> None:
    assert assert_created(post(client))["reference"] is None
    assert assert_created(post(client, reference=None))["reference"] is None


@pytest.mark.clause("C6")
@pytest.mark.parametrize(
    "reference", ["A", "INV-2024/0001", "rent march 2024", "x" * 35, " padded ", "0-0/0"]
)
def test_valid_reference_is_stored_unchanged(client: TestClient, reference: str) -> None:
    assert assert_created(post(client, reference=reference))["reference"] == reference


@pytest.mark.clause("C6")
@pytest.mark.parametrize(
    "reference",
    [
        "",
        "x" * 36,
        "inv_1",
        "ref\n",
        "ref\nmore",
        "ref\t1",
        "café",
        "ref ٣",  # a non-ASCII digit: isalnum() and "\\w" accept it
        "ref²",
        "a.b",
        "100%",
        12,
        ["INV"],
    ],
)
def test_invalid_reference_is_422_on_reference(client: TestClient, reference: Any) -> None:
    assert_rejected_on(post(client, reference=reference), "reference")


# ---------------------------------------------------------------- whole body


@pytest.mark.clause("C11", "C15")
@pytest.mark.parametrize("field", ["id", "status", "owner", "Amount"])
def test_unknown_fields_are_422_and_named(client: TestClient, field: str) -> None:
    assert_rejected_on(post(client, **{field: 999}), field)


@pytest.mark.clause("C11", "C14")
def test_a_client_chosen_id_is_rejected_not_ignored(client: TestClient) -> None:
    assert post(client, id=42).status_code == 422
    assert assert_created(post(client))["id"] == 1


@pytest.mark.clause("C15")
def test_missing_required_fields_are_each_named(client: TestClient) -> None:
    assert_rejected_on(
        client.post("/transactions", json={}),
        "source_account",
        "destination_account",
        "amount",
        "currency",
    )


@pytest.mark.clause("C15", "C16")
@pytest.mark.parametrize("field", ["source_account", "destination_account", "amount", "currency"])
def test_one_missing_required_field_is_named_alone(client: TestClient, field: str) -> None:
    body = {key: value for key, value in VALID.items() if key != field}
    assert_rejected_on(client.post("/transactions", json=body), field)


@pytest.mark.clause("C15", "C16")
def test_several_invalid_fields_are_all_named_and_valid_ones_are_not(client: TestClient) -> None:
    response = post(client, amount="0.001", currency="xyz", reference="")
    assert_rejected_on(response, "amount", "currency", "reference")


@pytest.mark.clause("C18")
@pytest.mark.parametrize("payload", [[], [VALID], "text", 5, None])
def test_a_body_that_is_not_an_object_is_422(client: TestClient, payload: Any) -> None:
    assert client.post("/transactions", json=payload).status_code == 422


@pytest.mark.clause("C15", "C16")
@settings(max_examples=40)
@given(
    broken=st.sets(st.sampled_from(FIELDS), min_size=1),
    data=st.data(),
)
def test_property_exactly_the_broken_fields_are_named(broken: set[str], data: Any) -> None:
    bad_values = {
        "source_account": st.sampled_from(["DE89", "??", "1234567890123456"]),
        "destination_account": st.sampled_from(["GB", "GB29-NWBK", "GB2!NWBK60161331926819"]),
        "amount": st.sampled_from(["0", "-3", "0.001", "1000000.01", "NaN", "x"]),
        "currency": st.sampled_from(["eu", "XXX", "dollar", ""]),
        "reference": st.sampled_from(["", "#1", "x" * 36]),
    }
    body = {**VALID, **{field: data.draw(bad_values[field], label=field) for field in broken}}
    client = TestClient(solution.create_app())
    assert_rejected_on(client.post("/transactions", json=body), *broken)
