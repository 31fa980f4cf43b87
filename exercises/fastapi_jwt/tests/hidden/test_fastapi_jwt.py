"""Hidden suite for the fastapi_jwt exercise."""

import base64
import hmac
import json
import secrets
import warnings
from types import MappingProxyType
from typing import Any

import jwt
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's notice about httpx, irrelevant here
    from fastapi.testclient import TestClient

import solution

SECRET = "hidden-suite-secret-" + "0123456789abcdef" * 3  # 68 bytes: long enough for HS512
OTHER_SECRET = "another-secret-entirely-" + "fedcba9876543210" * 3
USERS = {"ada": "lovelace", "grace": "hopper", "émile": "pässwörd ✓ 密码"}
# A date in 2001: every token is long expired by the real clock, so a solution that lets
# PyJWT check "exp" against the system time rejects valid tokens.
T0 = 1_000_000_000.25
TTL = 600
# Every example builds an app; Hypothesis's "explain" phase would rebuild hundreds of them
# when a submission fails, so it is left out (the failing example is still shrunk).
PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_client(
    clock: FakeClock, *, ttl: int | None = TTL, secret: str = SECRET, users: Any = None
) -> TestClient:
    kwargs: dict[str, Any] = {"clock": clock}
    if ttl is not None:
        kwargs["ttl_seconds"] = ttl
    app = solution.create_app(secret, dict(USERS) if users is None else users, **kwargs)
    return TestClient(app)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def client(clock: FakeClock) -> TestClient:
    return make_client(clock)


def login(client: TestClient, username: str, password: str) -> Any:
    return client.post("/token", data={"username": username, "password": password})


def get_token(client: TestClient, username: str = "ada") -> str:
    response = login(client, username, USERS[username])
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def me(client: TestClient, token: str) -> Any:
    return client.get("/me", headers={"Authorization": f"Bearer {token}"})


def assert_unauthorized(response: Any) -> None:
    assert response.status_code == 401, (response.status_code, response.text)
    challenge = response.headers.get("www-authenticate", "")
    assert challenge.lower().startswith("bearer"), (
        f"401 must carry 'WWW-Authenticate: Bearer', got {challenge!r}"
    )


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64json(obj: object) -> str:
    return b64url(json.dumps(obj, separators=(",", ":")).encode())


def claims_for(username: str, now: float = T0, ttl: int = TTL) -> dict[str, Any]:
    return {"sub": username, "iat": int(now), "exp": int(now) + ttl}


def forge(claims: dict[str, Any], *, key: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def unverified_claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


# ---------------------------------------------------------------- POST /token


@pytest.mark.clause("C2", "C3")
def test_token_with_right_credentials_returns_a_bearer_token(client: TestClient) -> None:
    response = login(client, "ada", "lovelace")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type"}
    assert body["token_type"] == "bearer"
    assert isinstance(body["access_token"], str)


@pytest.mark.clause("C6")
def test_token_is_an_hs256_jwt_signed_with_the_secret(client: TestClient) -> None:
    token = get_token(client)
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(
        token, SECRET, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False}
    )
    assert claims["sub"] == "ada"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, OTHER_SECRET, algorithms=["HS256"], options={"verify_exp": False})


@pytest.mark.clause("C1", "C7")
def test_token_claims_come_from_the_injected_clock_and_ttl(client: TestClient) -> None:
    claims = unverified_claims(get_token(client))
    assert claims["sub"] == "ada"
    assert claims["iat"] == 1_000_000_000
    assert claims["exp"] == 1_000_000_000 + TTL
    assert type(claims["iat"]) is int
    assert type(claims["exp"]) is int


@pytest.mark.clause("C1", "C7")
def test_token_iat_truncates_a_fractional_clock() -> None:
    client = make_client(FakeClock(1_234_567_890.99), ttl=30)
    claims = unverified_claims(get_token(client, "grace"))
    assert (claims["sub"], claims["iat"], claims["exp"]) == ("grace", 1_234_567_890, 1_234_567_920)
    assert type(claims["iat"]) is int


@pytest.mark.clause("C7")
def test_token_default_ttl_is_900_seconds(clock: FakeClock) -> None:
    client = make_client(clock, ttl=None)
    claims = unverified_claims(get_token(client))
    assert claims["exp"] - claims["iat"] == 900


@pytest.mark.clause("C4")
def test_token_wrong_password_is_401_with_www_authenticate(client: TestClient) -> None:
    assert_unauthorized(login(client, "ada", "wrong"))


@pytest.mark.clause("C4")
def test_token_unknown_username_is_401_with_www_authenticate(client: TestClient) -> None:
    assert_unauthorized(login(client, "mallory", "lovelace"))


@pytest.mark.clause("C4")
def test_token_password_must_match_exactly(client: TestClient) -> None:
    for attempt in ["Lovelace", "lovelac", "lovelacee", " lovelace", "hopper"]:
        assert_unauthorized(login(client, "ada", attempt))


@pytest.mark.clause("C4")
def test_token_another_users_password_is_rejected(client: TestClient) -> None:
    assert_unauthorized(login(client, "grace", "lovelace"))


@pytest.mark.clause("C3", "C4", "C5")
def test_token_non_ascii_password_is_accepted_and_checked(client: TestClient) -> None:
    response = login(client, "émile", "pässwörd ✓ 密码")
    assert response.status_code == 200, response.text
    assert unverified_claims(response.json()["access_token"])["sub"] == "émile"
    assert_unauthorized(login(client, "émile", "pässwörd ✓ 密"))
    assert_unauthorized(login(client, "ada", "lövelace"))


@pytest.mark.clause("C2")
@pytest.mark.parametrize(
    "form",
    [{"username": "ada"}, {"password": "lovelace"}, {}],
    ids=["no-password", "no-user", "empty"],
)
def test_token_with_a_missing_form_field_is_422(client: TestClient, form: dict[str, str]) -> None:
    assert client.post("/token", data=form).status_code == 422


@pytest.mark.clause("C2")
def test_token_reads_a_form_not_json(client: TestClient) -> None:
    assert (
        client.post("/token", json={"username": "ada", "password": "lovelace"}).status_code == 422
    )


@pytest.mark.clause("C4")
@pytest.mark.parametrize("username", ["Ada", "ADA", " ada", "ada ", "ad", "adaa"])
def test_token_username_must_match_exactly(client: TestClient, username: str) -> None:
    assert_unauthorized(login(client, username, "lovelace"))


@pytest.mark.clause("C4")
def test_token_checks_the_users_mapping_it_was_given() -> None:
    users = MappingProxyType({"linus": "tørvalds"})
    client = make_client(FakeClock(T0), users=users)
    response = login(client, "linus", "tørvalds")
    assert response.status_code == 200, response.text
    assert unverified_claims(response.json()["access_token"])["sub"] == "linus"
    assert_unauthorized(login(client, "ada", "lovelace"))


@pytest.mark.clause("C5")
def test_token_compares_passwords_with_compare_digest(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = hmac.compare_digest
    calls: list[int] = []

    def spy(a: Any, b: Any) -> bool:
        result: bool = original(a, b)  # counted only when it really compared (no TypeError)
        calls.append(1)
        return result

    monkeypatch.setattr(hmac, "compare_digest", spy)
    monkeypatch.setattr(secrets, "compare_digest", spy)
    for name, value in list(vars(solution).items()):
        if value is original:  # from hmac import compare_digest
            monkeypatch.setattr(solution, name, spy)
    assert login(client, "ada", "lovelace").status_code == 200
    assert calls, "the right password was not checked with hmac.compare_digest"
    calls.clear()
    assert_unauthorized(login(client, "ada", "lovelacf"))
    assert calls, "a wrong password was not checked with hmac.compare_digest"
    calls.clear()
    assert_unauthorized(login(client, "émile", "pässwörd ✓ 密"))
    assert calls, "a wrong non-ASCII password was not checked with hmac.compare_digest"
    calls.clear()
    assert login(client, "émile", "pässwörd ✓ 密码").status_code == 200
    assert calls, "a right non-ASCII password was not checked with hmac.compare_digest"


# ---------------------------------------------------------------- GET /me: success


@pytest.mark.clause("C8")
def test_me_with_a_valid_token_returns_the_username(client: TestClient) -> None:
    response = me(client, get_token(client))
    assert response.status_code == 200
    assert response.json() == {"username": "ada"}


@pytest.mark.clause("C8")
@pytest.mark.parametrize("username", sorted(USERS))
def test_me_returns_each_users_own_name(client: TestClient, username: str) -> None:
    response = me(client, get_token(client, username))
    assert response.status_code == 200
    assert response.json() == {"username": username}


@pytest.mark.clause("C8")
def test_me_accepts_a_token_made_elsewhere_with_the_same_secret(client: TestClient) -> None:
    response = me(client, forge(claims_for("grace")))
    assert response.status_code == 200
    assert response.json() == {"username": "grace"}


@pytest.mark.clause("C1", "C8")
def test_me_accepts_tokens_when_the_clock_is_in_the_future() -> None:
    # The real clock is far behind: PyJWT's own time checks would wrongly reject "iat".
    clock = FakeClock(4_000_000_000.0)
    client = make_client(clock)
    token = get_token(client)
    clock.now += 10
    assert me(client, token).status_code == 200


@pytest.mark.clause("C8")
@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "BeArEr"])
def test_me_accepts_the_scheme_in_any_case(client: TestClient, scheme: str) -> None:
    response = client.get("/me", headers={"Authorization": f"{scheme} {get_token(client)}"})
    assert response.status_code == 200
    assert response.json() == {"username": "ada"}


# ---------------------------------------------------------------- GET /me: missing or bad header


@pytest.mark.clause("C9", "C10")
def test_me_without_authorization_header_is_401(client: TestClient) -> None:
    assert_unauthorized(client.get("/me"))


@pytest.mark.clause("C9", "C10")
@pytest.mark.parametrize(
    "header",
    ["Basic YWRhOmxvdmVsYWNl", "Token {token}", "{token}", "Bearer", "Bearer "],
)
def test_me_with_another_scheme_or_no_token_is_401(client: TestClient, header: str) -> None:
    value = header.format(token=get_token(client))
    assert_unauthorized(client.get("/me", headers={"Authorization": value}))


@pytest.mark.clause("C9", "C11")
@pytest.mark.parametrize(
    "token",
    ["abc", "a.b.c", "a.b", "...", "eyJhbGciOiJIUzI1NiJ9.!!!.xyz", "e30.e30.", "{valid}x.y"],
)
def test_me_with_a_malformed_token_is_401(client: TestClient, token: str) -> None:
    assert_unauthorized(me(client, token.format(valid=get_token(client))))


@pytest.mark.clause("C11", "C12")
def test_me_with_a_truncated_token_is_401(client: TestClient) -> None:
    token = get_token(client)
    assert_unauthorized(me(client, token[:-3]))
    assert_unauthorized(me(client, token.rsplit(".", 1)[0]))


# ---------------------------------------------------------------- GET /me: forged tokens


@pytest.mark.clause("C12")
def test_me_rejects_a_token_signed_with_another_secret(client: TestClient) -> None:
    assert_unauthorized(me(client, forge(claims_for("ada"), key=OTHER_SECRET)))


@pytest.mark.clause("C12")
def test_me_rejects_a_tampered_payload(client: TestClient) -> None:
    header, _, signature = get_token(client, "grace").split(".")
    tampered = f"{header}.{b64json(claims_for('ada'))}.{signature}"
    assert_unauthorized(me(client, tampered))


@pytest.mark.clause("C12")
def test_me_rejects_a_token_from_an_app_with_another_secret(clock: FakeClock) -> None:
    other = make_client(clock, secret=OTHER_SECRET)
    mine = make_client(clock)
    assert_unauthorized(me(mine, get_token(other)))


@pytest.mark.clause("C13")
@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
@pytest.mark.parametrize("signature", ["", "keep"])
def test_me_rejects_alg_none_tokens(client: TestClient, alg: str, signature: str) -> None:
    real_signature = get_token(client).split(".")[2]
    header = b64json({"alg": alg, "typ": "JWT"})
    payload = b64json(claims_for("ada"))
    token = f"{header}.{payload}.{real_signature if signature == 'keep' else ''}"
    assert_unauthorized(me(client, token))


@pytest.mark.clause("C13")
@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_me_rejects_other_hmac_algorithms_even_with_the_right_secret(
    client: TestClient, algorithm: str
) -> None:
    assert_unauthorized(me(client, forge(claims_for("ada"), algorithm=algorithm)))


@pytest.mark.clause("C14")
@pytest.mark.parametrize("missing", ["exp", "sub"])
def test_me_rejects_a_token_missing_a_required_claim(client: TestClient, missing: str) -> None:
    claims = claims_for("ada")
    del claims[missing]
    assert_unauthorized(me(client, forge(claims)))


@pytest.mark.clause("C14")
@pytest.mark.parametrize("exp", ["4000000000", None, [4_000_000_000], {"at": 4_000_000_000}])
def test_me_rejects_a_token_whose_exp_is_not_a_number(client: TestClient, exp: Any) -> None:
    assert_unauthorized(me(client, forge({"sub": "ada", "iat": int(T0), "exp": exp})))


@pytest.mark.clause("C16")
@pytest.mark.parametrize("sub", ["ADA", "ada ", "", "lovelace"])
def test_me_rejects_a_sub_that_is_not_exactly_a_username(client: TestClient, sub: str) -> None:
    assert_unauthorized(me(client, forge(claims_for(sub))))


@pytest.mark.clause("C16")
def test_me_rejects_a_valid_token_for_a_user_not_in_users(client: TestClient) -> None:
    assert_unauthorized(me(client, forge(claims_for("ghost"))))


# ---------------------------------------------------------------- GET /me: expiry


@pytest.mark.clause("C15")
def test_me_token_is_valid_up_to_just_before_exp(client: TestClient, clock: FakeClock) -> None:
    token = get_token(client)
    exp = unverified_claims(token)["exp"]
    clock.now = exp - 1
    assert me(client, token).status_code == 200
    clock.now = exp - 0.001
    assert me(client, token).status_code == 200


@pytest.mark.clause("C15")
def test_me_token_is_expired_when_exp_equals_the_clock(
    client: TestClient, clock: FakeClock
) -> None:
    token = get_token(client)
    clock.now = unverified_claims(token)["exp"]
    assert_unauthorized(me(client, token))


@pytest.mark.clause("C15")
def test_me_token_is_expired_after_exp(client: TestClient, clock: FakeClock) -> None:
    token = get_token(client)
    clock.now = unverified_claims(token)["exp"] + 0.5
    assert_unauthorized(me(client, token))
    clock.now += 10_000
    assert_unauthorized(me(client, token))


@pytest.mark.clause("C15")
def test_me_compares_a_fractional_exp_with_the_clock(client: TestClient, clock: FakeClock) -> None:
    token = forge({"sub": "ada", "iat": int(T0), "exp": T0 + 10.5})
    clock.now = T0 + 10.25
    assert me(client, token).status_code == 200
    clock.now = T0 + 10.5
    assert_unauthorized(me(client, token))


@pytest.mark.clause("C1", "C15")
def test_me_checks_expiry_against_the_injected_clock_not_the_real_one(
    client: TestClient, clock: FakeClock
) -> None:
    # exp lies in the real future (year 2096), so PyJWT alone would accept it.
    token = forge({"sub": "ada", "iat": 3_999_999_000, "exp": 4_000_000_000})
    clock.now = 3_999_999_999.5
    assert me(client, token).status_code == 200
    clock.now = 4_000_000_000
    assert_unauthorized(me(client, token))


@pytest.mark.clause("C1", "C7", "C15")
@settings(max_examples=40, phases=PHASES)
@given(
    ttl=st.integers(min_value=1, max_value=100_000),
    start=st.floats(min_value=900_000_000, max_value=1_100_000_000),
    elapsed=st.floats(min_value=0, max_value=200_000),
)
def test_me_property_token_valid_exactly_while_exp_is_after_the_clock(
    ttl: int, start: float, elapsed: float
) -> None:
    clock = FakeClock(start)
    client = make_client(clock, ttl=ttl)
    token = get_token(client, "grace")
    clock.now = start + elapsed
    response = me(client, token)
    if int(start) + ttl > clock.now:
        assert response.status_code == 200
        assert response.json() == {"username": "grace"}
    else:
        assert_unauthorized(response)


CREDENTIAL_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12
).filter(lambda s: s.strip() == s and s != "")


@pytest.mark.clause("C3", "C4", "C8")
@settings(max_examples=30, phases=PHASES)
@given(
    users=st.dictionaries(CREDENTIAL_TEXT, CREDENTIAL_TEXT, min_size=1, max_size=3),
    data=st.data(),
)
def test_credentials_property_any_user_logs_in_only_with_their_own_password(
    users: dict[str, str], data: st.DataObject
) -> None:
    client = make_client(FakeClock(T0), users=users)
    username = data.draw(st.sampled_from(sorted(users)), label="username")
    response = login(client, username, users[username])
    assert response.status_code == 200, response.text
    assert me(client, response.json()["access_token"]).json() == {"username": username}
    wrong = data.draw(CREDENTIAL_TEXT.filter(lambda p: p != users[username]), label="wrong")
    assert_unauthorized(login(client, username, wrong))


# ---------------------------------------------------------------- stateful: tokens over time


class TokensOverTime(RuleBasedStateMachine):
    """Log users in and move the clock; every token issued so far must be accepted
    exactly while its exp is after the clock."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock(T0)
        self.client = make_client(self.clock, ttl=100)
        self.tokens: list[tuple[str, str, int]] = []

    @rule(username=st.sampled_from(sorted(USERS)))
    def log_in(self, username: str) -> None:
        token = get_token(self.client, username)
        claims = unverified_claims(token)
        assert claims["iat"] == int(self.clock.now)
        assert claims["exp"] == int(self.clock.now) + 100
        self.tokens.append((username, token, claims["exp"]))

    @rule(seconds=st.sampled_from([0.5, 1, 30, 99, 100, 250]))
    def advance(self, seconds: float) -> None:
        self.clock.now += seconds

    @rule(username=st.sampled_from(sorted(USERS)))
    def fail_login(self, username: str) -> None:
        assert_unauthorized(login(self.client, username, USERS[username] + "!"))

    @invariant()
    def tokens_valid_exactly_until_exp(self) -> None:
        for username, token, exp in self.tokens[-4:]:
            response = me(self.client, token)
            if exp > self.clock.now:
                assert response.status_code == 200
                assert response.json() == {"username": username}
            else:
                assert_unauthorized(response)


TokensOverTime.TestCase.settings = settings(max_examples=20, stateful_step_count=8, phases=PHASES)
TokensOverTime.TestCase.pytestmark = [pytest.mark.clause("C1", "C7", "C15")]
test_stateful_tokens_are_valid_exactly_until_they_expire = TokensOverTime.TestCase
