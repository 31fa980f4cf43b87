"""The JSON API's accounts, assignments, invites, kit, listings and who may see what, over real
HTTP against a real server and database (see conftest.py)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from service_harness import (
    EXERCISES,
    Accounts,
    Api,
    HoldingExecutor,
    RunningServer,
    bearer,
    hidden_test_names,
    in_days,
    invite_header,
    public_test_names,
    solution,
    submission_zip,
)

from grader.service.schemas import CandidateRow

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_login_gives_a_bearer_token_and_refuses_everything_else(
    api: Api, server: RunningServer, accounts: Accounts
) -> None:
    good = api.client.post(
        "/api/v1/token",
        data={"username": accounts.interviewer.name, "password": accounts.interviewer.password},
    )
    assert good.status_code == 200, good.text
    assert good.json()["token_type"] == "bearer"
    assert good.json()["expires_in"] == server.settings.token_minutes * 60
    token = good.json()["access_token"]
    assert api.client.get("/api/v1/assignments", headers=bearer(token)).status_code == 200

    for name, password in [
        (accounts.interviewer.name, "not-the-password"),
        ("nobody", accounts.interviewer.password),
    ]:
        refused = api.client.post("/api/v1/token", data={"username": name, "password": password})
        assert refused.status_code == 401, (name, refused.text)
        assert "access_token" not in refused.json()

    key = server.settings.secret_key()
    issued = datetime.now(UTC)

    def forged(signing_key: str, lifetime: timedelta, user_id: int) -> str:
        claims = {"sub": str(user_id), "iat": issued - timedelta(hours=2), "exp": issued + lifetime}
        return jwt.encode(claims, signing_key, algorithm="HS256")

    # The forgery is faithful: signed with the server's key, unexpired, it is accepted...
    alive = forged(key, timedelta(minutes=5), accounts.interviewer.id)
    assert api.client.get("/api/v1/assignments", headers=bearer(alive)).status_code == 200
    # ...so each of these is refused for the one thing it changes.
    refused_headers = {
        "no token": {},
        "not a JWT": bearer("not-a-jwt"),
        "another key": bearer(forged("another key " * 4, timedelta(minutes=5), 1)),
        "expired": bearer(forged(key, timedelta(minutes=-1), accounts.interviewer.id)),
        "no such user": bearer(forged(key, timedelta(minutes=5), 10_000)),
        "not bearer": {"Authorization": f"Basic {token}"},
    }
    for case, headers in refused_headers.items():
        response = api.client.get("/api/v1/assignments", headers=headers)
        assert response.status_code == 401, (case, response.text)
        assert response.headers["www-authenticate"] == "Bearer", case


def test_assignments_are_checked_before_they_are_created(api: Api, accounts: Accounts) -> None:
    headers = api.login(accounts.interviewer)
    base = {"title": "Round 1", "deadline": in_days(3), "exercises": ["adder"]}
    refused = {
        "unknown exercise": ({"exercises": ["no-such-exercise"]}, "no-such-exercise"),
        "unknown assessment": ({"exercises": [], "assessment": "no-such-round"}, "no-such-round"),
        "no exercise at all": ({"exercises": []}, "at least one exercise"),
        "webhook without a secret": ({"webhook_url": "http://127.0.0.1:9/hook"}, "secret"),
        "short webhook secret": (
            {"webhook_url": "http://127.0.0.1:9/hook", "webhook_secret": "short"},
            "16",
        ),
        "deadline without a time zone": ({"deadline": "2030-01-01T00:00:00"}, "timezone"),
        "unknown feedback": ({"feedback": "everything"}, "candidate"),
    }
    for case, (fields, reason) in refused.items():
        response = api.client.post("/api/v1/assignments", json=base | fields, headers=headers)
        assert response.status_code == 422, (case, response.text)
        assert reason in response.text, (case, response.text)
    assert api.client.get("/api/v1/assignments", headers=headers).json() == []

    created = api.assignment(
        headers,
        title="Round 1",
        exercises=["greeter", "adder"],
        deadline="2030-01-01T09:00:00+02:00",
        max_submissions=2,
        feedback="none",
        webhook_url="http://127.0.0.1:9/hook",
        webhook_secret="a-secret-of-some-length",
    )
    assert created["exercises"] == ["greeter", "adder"]
    assert created["owner"] == accounts.interviewer.name
    assert created["max_submissions"] == 2
    assert created["feedback"] == "none"
    assert datetime.fromisoformat(created["deadline"]) == datetime(2030, 1, 1, 7, tzinfo=UTC)
    assert "webhook_secret" not in created  # the secret is written, never read back
    listed = api.client.get("/api/v1/assignments", headers=headers).json()
    assert [a["id"] for a in listed] == [created["id"]]
    fetched = api.client.get(f"/api/v1/assignments/{created['id']}", headers=headers)
    assert fetched.json() == created


def test_an_invite_is_a_link_the_candidate_opens_without_an_account(
    api: Api, server: RunningServer, accounts: Accounts, tmp_path: Path
) -> None:
    headers = api.login(accounts.interviewer)
    assignment = api.assignment(headers, exercises=["adder", "greeter"], max_submissions=4)
    response = api.client.post(
        f"/api/v1/assignments/{assignment['id']}/invites",
        json={"candidate": "Ann Lee", "email": "ann@example.org"},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    invite = response.json()
    other = api.invite(headers, assignment["id"], "Bob")
    assert len(invite["token"]) >= 32 and invite["token"] != other["token"]
    assert invite["url"] == f"{server.url}/i/{invite['token']}"
    assert invite["email"] == "ann@example.org"
    bad_email = api.client.post(
        f"/api/v1/assignments/{assignment['id']}/invites",
        json={"candidate": "Cy", "email": "not an address"},
        headers=headers,
    )
    assert bad_email.status_code == 422
    listed = api.client.get(f"/api/v1/assignments/{assignment['id']}/invites", headers=headers)
    assert [i["candidate"] for i in listed.json()] == ["Ann Lee", "Bob"]

    view = api.client.get(f"/api/v1/invites/{invite['token']}")  # no credentials but the token
    assert view.status_code == 200, view.text
    shown = view.json()
    assert shown["candidate"] == "Ann Lee"
    assert shown["title"] == assignment["title"]
    assert shown["exercises"] == ["adder", "greeter"]
    assert datetime.fromisoformat(shown["deadline"]) == datetime.fromisoformat(
        assignment["deadline"]
    )
    assert shown["max_submissions"] == shown["submissions_left"] == 4
    assert shown["submissions"] == []
    assert shown["kit_url"] == f"/api/v1/invites/{invite['token']}/kit"
    assert "adder" in shown["instructions"] and "greeter" in shown["instructions"]

    unknown = "x" * len(invite["token"])
    assert api.client.get(f"/api/v1/invites/{unknown}").status_code == 404
    assert api.client.get(f"/api/v1/invites/{unknown}/kit").status_code == 404
    archive = submission_zip(tmp_path / "a.zip", adder="reference")
    assert api.submit(unknown, archive).status_code == 404


@sqlite_only
def test_the_kit_holds_stubs_and_public_tests_never_hidden_tests_references_or_mutants(
    api: Api, accounts: Accounts
) -> None:
    headers = api.login(accounts.interviewer)
    assignment = api.assignment(headers, exercises=["adder", "greeter"])
    invite = api.invite(headers, assignment["id"])
    response = api.client.get(f"/api/v1/invites/{invite['token']}/kit")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as kit:
        members = {name: kit.read(name) for name in kit.namelist() if not name.endswith("/")}

    names = sorted(members)
    for exercise in ("adder", "greeter"):
        stub = [name for name in names if name.endswith(f"{exercise}/solution.py")]
        assert len(stub) == 1, names
        assert members[stub[0]] == solution(exercise, "stub")
        public = (EXERCISES / exercise / "tests/public/test_public.py").read_bytes()
        assert public in members.values(), f"{exercise}'s public tests are missing: {names}"
    for name in names:
        assert not {"hidden", "reference", "mutants"} & set(name.split("/")), name
        assert not name.endswith(".diff"), name

    secret_files = [
        *EXERCISES.glob("*/tests/hidden/*.py"),
        *EXERCISES.glob("*/reference/*.py"),
        *EXERCISES.glob("*/mutants/*.diff"),
    ]
    assert len(secret_files) >= 8
    everything = b"\n".join(members.values())
    for path in secret_files:
        assert path.read_bytes().strip() not in everything, f"the kit serves {path}"
    for name in hidden_test_names() - public_test_names():
        assert name.encode() not in everything, f"the kit names hidden test {name}"


def test_an_interviewer_sees_only_their_own_assignments_and_an_admin_sees_all(
    serve: Callable[..., RunningServer],
    api_for: Callable[[RunningServer], Api],
    accounts: Accounts,
    tmp_path: Path,
) -> None:
    api = api_for(serve(make_executor=HoldingExecutor))
    owner = api.login(accounts.interviewer)
    other = api.login(accounts.other)
    admin = api.login(accounts.admin)
    assignment = api.assignment(owner)
    invite = api.invite(owner, assignment["id"])
    submitted = api.submitted(invite["token"], submission_zip(tmp_path / "a.zip", adder="stub"))
    own = api.assignment(other, title="Oscar's own")

    paths = [
        ("GET", f"/api/v1/assignments/{assignment['id']}"),
        ("GET", f"/api/v1/assignments/{assignment['id']}/invites"),
        ("POST", f"/api/v1/assignments/{assignment['id']}/invites"),
        ("GET", f"/api/v1/assignments/{assignment['id']}/submissions"),
        ("GET", f"/api/v1/submissions/{submitted['id']}"),
        ("POST", f"/api/v1/submissions/{submitted['id']}/regrade"),
    ]
    missing = api.client.get("/api/v1/assignments/999999", headers=other)
    for method, path in paths:
        response = api.client.request(method, path, headers=other, json={"candidate": "Eve"})
        assert response.status_code == 404, (method, path, response.text)
        if "/assignments/" in path and method == "GET":
            assert response.json() == missing.json()  # as absent as one that does not exist
    listed = api.client.get("/api/v1/assignments", headers=other).json()
    assert [a["id"] for a in listed] == [own["id"]]
    invites = api.client.get(f"/api/v1/assignments/{assignment['id']}/invites", headers=owner)
    assert [i["candidate"] for i in invites.json()] == ["Ann"]  # Oscar's POST made none

    everything = api.client.get("/api/v1/assignments", headers=admin).json()
    assert {a["id"] for a in everything} == {assignment["id"], own["id"]}
    for method, path in paths[:4]:
        response = api.client.request(method, path, headers=admin, json={"candidate": "Fay"})
        assert response.status_code in (200, 201), (method, path, response.text)
    seen = api.submission(submitted["id"], admin)
    assert seen["status"] == "queued"
    rows = api.client.get(f"/api/v1/assignments/{assignment['id']}/submissions", headers=admin)
    assert [row["latest"] for row in rows.json()] == [submitted["id"], None]


def test_an_invite_opens_its_own_submissions_only(
    serve: Callable[..., RunningServer],
    api_for: Callable[[RunningServer], Api],
    accounts: Accounts,
    tmp_path: Path,
) -> None:
    api = api_for(serve(make_executor=HoldingExecutor))
    headers = api.login(accounts.interviewer)
    assignment = api.assignment(headers)
    ann = api.invite(headers, assignment["id"], "Ann")
    bob = api.invite(headers, assignment["id"], "Bob")
    archive = submission_zip(tmp_path / "a.zip", adder="reference")
    anns = api.submitted(ann["token"], archive)
    bobs = api.submitted(bob["token"], archive)

    own = api.submission(anns["id"], invite_header(ann["token"]))
    assert own["id"] == anns["id"] and own["failure"] is None
    nonexistent = api.client.get(
        f"/api/v1/submissions/{'0' * 32}", headers=invite_header(ann["token"])
    )
    assert nonexistent.status_code == 404
    for headers_tried in [
        invite_header(ann["token"]),
        invite_header(ann["token"]) | api.login(accounts.other),
        invite_header(bob["token"] + "x"),
    ]:
        response = api.client.get(f"/api/v1/submissions/{bobs['id']}", headers=headers_tried)
        assert response.status_code == 404, response.text  # not 403: nothing to learn
        assert response.json() == nonexistent.json()
    anonymous = api.client.get(f"/api/v1/submissions/{bobs['id']}")
    assert anonymous.status_code == 401
    assert (
        api.client.get(f"/api/v1/invites/{ann['token']}").json()["submissions"][0]["id"]
        == (anns["id"])
    )
    # The candidate's token is no interviewer's: it cannot regrade or list.
    regrade = api.client.post(
        f"/api/v1/submissions/{anns['id']}/regrade", headers=invite_header(ann["token"])
    )
    assert regrade.status_code == 401


@sqlite_only  # what a view shows is decided in Python, from rows stored on both databases
def test_the_candidate_view_never_names_hidden_tests_and_follows_the_feedback_setting(
    api: Api, accounts: Accounts, tmp_path: Path
) -> None:
    headers = api.login(accounts.interviewer)
    archive = submission_zip(tmp_path / "a.zip", adder="off_by_one", greeter="reference")
    submitted = {}
    for feedback in ("candidate", "none"):
        assignment = api.assignment(headers, exercises=["adder", "greeter"], feedback=feedback)
        invite = api.invite(headers, assignment["id"])
        submitted[feedback] = (invite["token"], api.submitted(invite["token"], archive)["id"])

    names = hidden_test_names()
    assert {"test_big_integers_are_exact", "test_lowercase_name_kept", "test_adder"} <= names
    for feedback, (token, submission_id) in submitted.items():
        full = api.wait(submission_id, headers)
        assert full["status"] == "graded", full
        assert 0 < full["percent"] < 100  # off_by_one fails some hidden tests
        interviewer_text = api.client.get(
            f"/api/v1/submissions/{submission_id}", headers=headers
        ).text
        assert "test_big_integers_are_exact" in interviewer_text  # so the search below can find

        candidate = api.client.get(
            f"/api/v1/submissions/{submission_id}", headers=invite_header(token)
        )
        invite_view = api.client.get(f"/api/v1/invites/{token}")
        for response in (candidate, invite_view):
            assert response.status_code == 200, response.text
            for name in names:
                assert name not in response.text, f"{feedback}: the candidate sees {name}"
        seen = candidate.json()
        assert invite_view.json()["submissions"] == [seen]
        assert seen["status"] == "graded"
        if feedback == "candidate":
            assert seen["percent"] == full["percent"] and seen["score"] == full["score"]
            assert seen["report"]["feedback"] == "candidate"
            assert [e["tests"] for e in seen["report"]["exercises"]] == [[], []]
        else:
            assert seen["report"] is None
            assert seen["score"] is seen["max_score"] is seen["percent"] is None


def test_the_list_has_each_candidates_latest_submission_and_flags_shared_solutions(
    api: Api, accounts: Accounts, tmp_path: Path
) -> None:
    headers = api.login(accounts.interviewer)
    assignment = api.assignment(headers)
    invites = {
        name: api.invite(headers, assignment["id"], name) for name in ("Ann", "Bob", "Cy", "Dee")
    }
    shared = submission_zip(
        tmp_path / "shared.zip",
        adder=b"def add(a: int, b: int) -> int:\n"
        b'    """Return a + b, one term at a time."""\n'
        b"    total = 0\n"
        b"    for value in (a, b):\n"
        b"        if not isinstance(value, int):\n"
        b'            raise TypeError(f"not an int: {value!r}")\n'
        b"        total = total + value\n"
        b"    return total\n",
    )
    first = api.submitted(invites["Ann"]["token"], submission_zip(tmp_path / "s.zip", adder="stub"))
    latest = {
        "Ann": api.submitted(invites["Ann"]["token"], shared)["id"],
        "Bob": api.submitted(invites["Bob"]["token"], shared)["id"],
        "Cy": api.submitted(
            invites["Cy"]["token"], submission_zip(tmp_path / "r.zip", adder="off_by_one")
        )["id"],
    }
    graded = {name: api.wait(submission_id, headers) for name, submission_id in latest.items()}
    assert {found["status"] for found in graded.values()} == {"graded"}
    api.wait(first["id"], headers)

    url = f"/api/v1/assignments/{assignment['id']}/submissions"
    rows = {
        row["candidate"].split(" (#")[0]: row for row in api.client.get(url, headers=headers).json()
    }
    assert list(rows) == ["Ann", "Bob", "Cy", "Dee"]
    labels = {name: f"{name} (#{invite['id']})" for name, invite in invites.items()}
    for name in ("Ann", "Bob", "Cy"):
        assert rows[name]["latest"] == latest[name]
        assert rows[name]["status"] == "graded"
        assert rows[name]["percent"] == graded[name]["percent"]
    assert rows["Ann"]["submissions"] == 2  # the first one counts, whether graded or superseded
    assert rows["Ann"]["percent"] == rows["Bob"]["percent"] == 100
    assert rows["Cy"]["percent"] < 100
    assert rows["Ann"]["similar_to"] == [labels["Bob"]]
    assert rows["Bob"]["similar_to"] == [labels["Ann"]]
    assert rows["Cy"]["similar_to"] == []
    assert rows["Dee"]["latest"] is None and rows["Dee"]["submissions"] == 0

    response = api.client.get(url, params={"format": "csv"}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert list(table[0]) == list(CandidateRow.model_fields)
    assert [row["candidate"] for row in table] == [labels[name] for name in rows]
    by_name = {row["candidate"].split(" (#")[0]: row for row in table}
    assert by_name["Ann"]["similar_to"] == labels["Bob"]
    assert by_name["Cy"]["similar_to"] == ""
    assert float(by_name["Cy"]["percent"]) == rows["Cy"]["percent"]
    assert by_name["Dee"]["latest"] == "" and by_name["Dee"]["status"] == ""
    assert api.client.get(url, params={"format": "xml"}, headers=headers).status_code == 422
    assert api.client.get(url, params={"format": "csv"}).status_code == 401


@sqlite_only
def test_the_openapi_document_lists_the_endpoints_and_docs_answer(api: Api) -> None:
    document = api.client.get("/openapi.json")
    assert document.status_code == 200
    paths = document.json()["paths"]
    expected = {
        "/api/v1/token": {"post"},
        "/api/v1/assignments": {"get", "post"},
        "/api/v1/assignments/{assignment_id}": {"get"},
        "/api/v1/assignments/{assignment_id}/invites": {"get", "post"},
        "/api/v1/assignments/{assignment_id}/submissions": {"get"},
        "/api/v1/invites/{invite_token}": {"get"},
        "/api/v1/invites/{invite_token}/kit": {"get"},
        "/api/v1/invites/{invite_token}/submissions": {"post"},
        "/api/v1/submissions/{submission_id}": {"get"},
        "/api/v1/submissions/{submission_id}/regrade": {"post"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))
    upload = paths["/api/v1/invites/{invite_token}/submissions"]["post"]["responses"]
    assert {"202", "403", "413", "422", "429", "503"} <= set(upload)
    docs = api.client.get("/docs")
    assert docs.status_code == 200
    assert "text/html" in docs.headers["content-type"]
    assert "/openapi.json" in docs.text
    # Swagger UI comes from the service itself: nothing on the page is fetched from elsewhere.
    sources = re.findall(r"""(?:src|href)=['"]([^'"]+)""", docs.text)
    assert sources and all(source.startswith("/") for source in sources), sources
    for source in sources:
        assert api.client.get(source).status_code == 200, source
