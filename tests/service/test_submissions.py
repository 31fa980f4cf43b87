"""Handing in: what is accepted and graded, and what is refused (size, archive, deadline,
maximum, a full queue) with nothing stored or queued."""

from __future__ import annotations

import os
import socket
import stat
import tarfile
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from service_harness import (
    Accounts,
    Api,
    HoldingExecutor,
    RunningServer,
    count_rows,
    in_days,
    solution,
    stored_uploads,
    submission_zip,
    zip_files,
)
from sqlalchemy import Engine

sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
UPLOAD_LIMIT = 4096  # bytes, for the tests of the limit: a candidate's zip here is ~300


@pytest.fixture
def holding(
    serve: Callable[..., RunningServer], api_for: Callable[[RunningServer], Api]
) -> tuple[RunningServer, Api]:
    """A server whose submissions stay queued: for what is decided before any grading."""
    running = serve(make_executor=HoldingExecutor)
    return running, api_for(running)


def test_a_reference_scores_full_marks_and_wrong_solutions_less(
    api: Api, accounts: Accounts, tmp_path: Path
) -> None:
    headers = api.login(accounts.interviewer)
    assignment = api.assignment(headers)
    accepted = {}
    for variant in ("reference", "off_by_one", "stub"):
        invite = api.invite(headers, assignment["id"], variant)
        archive = submission_zip(tmp_path / f"{variant}.zip", adder=variant)
        response = api.submit(invite["token"], archive)
        assert response.status_code == 202, response.text
        assert response.json()["status"] == "queued"
        assert response.json()["attempts"] == 0
        accepted[variant] = response.json()["id"]
    graded = {variant: api.wait(sid, headers) for variant, sid in accepted.items()}

    for variant, found in graded.items():
        assert found["status"] == "graded", (variant, found)
        assert found["attempts"] == 1
        assert found["counts"] is True and found["failure"] is None
        assert found["filename"] == f"{variant}.zip"
        phases = [found[f"{phase}_at"] for phase in ("received", "queued", "started", "finished")]
        times = [datetime.fromisoformat(at) for at in phases]
        assert times == sorted(times), (variant, phases)
        assert found["report"]["percent"] == found["percent"]
        assert found["report"]["exercises"][0]["id"] == "adder"
        assert found["report"]["submission"] == f"{variant}: {variant}.zip"
    reference = graded["reference"]
    assert reference["percent"] == 100 and reference["score"] == reference["max_score"] > 0
    assert 0 < graded["off_by_one"]["percent"] < 100
    assert graded["stub"]["percent"] == 0
    tests = graded["off_by_one"]["report"]["exercises"][0]["tests"]
    failed = [test["name"] for test in tests if test["outcome"] != "passed"]
    assert any("test_big_integers_are_exact" in name for name in failed), failed  # off by one


def test_the_same_idempotency_key_returns_the_same_submission(
    holding: tuple[RunningServer, Api], accounts: Accounts, database: Engine, tmp_path: Path
) -> None:
    server, api = holding
    headers = api.login(accounts.interviewer)
    invite = api.invite(headers, api.assignment(headers)["id"])
    archive = submission_zip(tmp_path / "a.zip", adder="reference")
    first = api.submitted(invite["token"], archive, key="upload-1")
    again = api.submit(
        invite["token"], submission_zip(tmp_path / "b.zip", adder="stub"), key="upload-1"
    )
    assert again.status_code == 202
    assert again.json()["id"] == first["id"]
    assert again.json()["status"] == "queued"  # not superseded by its own retry
    assert again.json()["filename"] == "a.zip"
    assert count_rows(database) == 1
    assert len(stored_uploads(server.settings)) == 1
    assert server.executor.held == [first["id"]]

    other = api.submitted(invite["token"], archive, key="upload-2")
    assert other["id"] != first["id"]
    assert api.submission(first["id"], headers)["status"] == "superseded"
    assert count_rows(database) == 2


def post_raw(server: RunningServer, head: bytes, body: bytes) -> bytes:
    """Send a request's head and the start of its body, never the rest of the body it
    declares, and return the head of the server's answer: an answer proves that the server
    did not wait for the rest. (One write: sending after the server closed would make the
    connection reset, which may drop the answer.)"""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(head + body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            try:
                chunk = connection.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            answer += chunk
        return answer


def multipart_head(boundary: str) -> bytes:
    return (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.zip"\r\n'
        "Content-Type: application/zip\r\n\r\n"
    ).encode()


def test_an_upload_over_the_limit_is_refused_with_413_and_leaves_nothing(
    serve: Callable[..., RunningServer],
    api_for: Callable[[RunningServer], Api],
    accounts: Accounts,
    database: Engine,
    tmp_path: Path,
) -> None:
    server = serve(make_executor=HoldingExecutor, upload_limit=UPLOAD_LIMIT)
    api = api_for(server)
    headers = api.login(accounts.interviewer)
    invite = api.invite(headers, api.assignment(headers)["id"])
    padding = os.urandom(2 * UPLOAD_LIMIT)  # random: it does not compress below the limit
    big = zip_files(
        tmp_path / "big.zip", {"adder/solution.py": solution("adder"), "adder/data.bin": padding}
    )
    # The server answers and closes with part of the body unread: the kernel may then reset the
    # connection before the client has read the answer (a race of TCP's, not the service's).
    for _ in range(5):
        try:
            response = api.submit(invite["token"], big)
            break
        except httpx.RemoteProtocolError:
            continue
    else:
        pytest.fail("five resets in a row: the 413 never reached the client")
    assert response.status_code == 413, response.text
    assert str(UPLOAD_LIMIT) in response.json()["detail"]

    # The declared length is enough: the answer comes with most of the body never sent.
    path = f"/api/v1/invites/{invite['token']}/submissions"
    boundary = "b0undary"
    head = (
        f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Length: {50 << 20}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n"
    ).encode()
    answer = post_raw(server, head, multipart_head(boundary) + b"\0" * 1000)
    assert answer.startswith(b"HTTP/1.1 413 "), answer

    # Without a declared length (chunked), the upload is cut off once it passes the limit.
    head = (
        f"POST {path} HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n\r\n"
    ).encode()
    chunks = [multipart_head(boundary)] + [b"\0" * 1024] * (UPLOAD_LIMIT // 1024 + 2)
    answer = post_raw(server, head, b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks))
    assert answer.startswith(b"HTTP/1.1 413 "), answer

    assert stored_uploads(server.settings) == []
    assert count_rows(database) == 0
    small = api.submitted(invite["token"], submission_zip(tmp_path / "a.zip", adder="reference"))
    assert server.executor.held == [small["id"]]


def symlink_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        link = zipfile.ZipInfo("adder/solution.py")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return path


def symlink_tar(path: Path) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        link = tarfile.TarInfo("adder/solution.py")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        archive.addfile(link)
    return path


def traversal_zip(path: Path) -> Path:
    return zip_files(path, {"adder/solution.py": solution("adder"), "../escape.py": b"x = 1\n"})


def bomb_zip(path: Path) -> Path:
    """20 MiB of zeros in a zip of about 20 KiB: under the upload limit, over the ratio."""
    zeros = bytes(20 << 20)
    return zip_files(path, {"adder/solution.py": solution("adder"), "adder/zeros.txt": zeros})


def text_file(path: Path) -> Path:
    path.with_suffix(".txt").write_bytes(solution("adder"))
    return path.with_suffix(".txt")


def not_a_zip(path: Path) -> Path:
    path.write_bytes(b"PK but not a zip")
    return path


def other_exercise_zip(path: Path) -> Path:
    return zip_files(path, {"greeter/solution.py": solution("greeter")})


# How each archive is made, and the reason the refusal must give.
REFUSED: dict[str, tuple[Callable[[Path], Path], str]] = {
    "path traversal": (traversal_zip, "would be written outside the archive's folder"),
    "zip symlink": (symlink_zip, "is a link; links are refused"),
    "tar symlink": (symlink_tar, "is a link; refused"),
    "zip bomb": (bomb_zip, "refused as a likely archive bomb"),
    "text file": (text_file, "is not a .zip, .tar.gz or .tgz archive"),
    "not a zip": (not_a_zip, "not a readable archive"),
    "no exercise of the assignment": (
        other_exercise_zip,
        "the archive holds none of the assignment's exercise folders (adder)",
    ),
}


def test_a_refused_archive_is_422_with_the_reason_and_nothing_is_stored_or_queued(
    holding: tuple[RunningServer, Api], accounts: Accounts, database: Engine, tmp_path: Path
) -> None:
    server, api = holding
    headers = api.login(accounts.interviewer)
    assignment = api.assignment(headers, max_submissions=1)
    invite = api.invite(headers, assignment["id"])
    for case, (make, reason) in REFUSED.items():
        suffix = ".tar.gz" if "tar" in case else ".zip"
        archive = make(tmp_path / f"{case.replace(' ', '-')}{suffix}")
        response = api.submit(invite["token"], archive)
        assert response.status_code == 422, (case, response.text)
        detail = response.json()["detail"]
        assert reason in detail, (case, detail)
        if case != "no exercise of the assignment":  # named as the candidate named it...
            assert archive.name in detail, (case, detail)
        assert str(server.settings.data_dir) not in detail, (case, detail)  # ...not as stored
        assert stored_uploads(server.settings) == [], case
        assert count_rows(database) == 0, case
        assert server.executor.held == [], case
    view = api.client.get(f"/api/v1/invites/{invite['token']}").json()
    assert view["submissions"] == [] and view["submissions_left"] == 1
    api.submitted(invite["token"], submission_zip(tmp_path / "good.zip", adder="reference"))


def test_past_the_deadline_is_403(
    api: Api, server: RunningServer, accounts: Accounts, database: Engine, tmp_path: Path
) -> None:
    headers = api.login(accounts.interviewer)
    invite = api.invite(headers, api.assignment(headers, deadline=in_days(-1))["id"])
    response = api.submit(invite["token"], submission_zip(tmp_path / "a.zip", adder="reference"))
    assert response.status_code == 403, response.text
    assert "deadline" in response.json()["detail"]
    assert stored_uploads(server.settings) == []
    assert count_rows(database) == 0
    assert api.client.get(f"/api/v1/invites/{invite['token']}/kit").status_code == 200


def test_over_the_maximum_number_of_submissions_is_429(
    holding: tuple[RunningServer, Api], accounts: Accounts, database: Engine, tmp_path: Path
) -> None:
    server, api = holding
    headers = api.login(accounts.interviewer)
    invite = api.invite(headers, api.assignment(headers, max_submissions=2)["id"])
    archive = submission_zip(tmp_path / "a.zip", adder="reference")
    accepted = [api.submitted(invite["token"], archive)["id"] for _ in range(2)]
    response = api.submit(invite["token"], archive)
    assert response.status_code == 429, response.text
    assert "2 submissions" in response.json()["detail"]
    assert server.executor.held == accepted
    assert count_rows(database) == 2
    assert len(stored_uploads(server.settings)) == 2
    view = api.client.get(f"/api/v1/invites/{invite['token']}").json()
    assert view["submissions_left"] == 0
    assert [s["status"] for s in view["submissions"]] == ["superseded", "queued"]


def test_a_full_queue_is_503_with_retry_after(
    serve: Callable[..., RunningServer],
    api_for: Callable[[RunningServer], Api],
    accounts: Accounts,
    database: Engine,
    tmp_path: Path,
) -> None:
    server = serve(make_executor=HoldingExecutor, queue_limit=1)
    api = api_for(server)
    headers = api.login(accounts.interviewer)
    assignment = api.assignment(headers)
    first, second = (api.invite(headers, assignment["id"], name) for name in ("Ann", "Bob"))
    archive = submission_zip(tmp_path / "a.zip", adder="reference")
    accepted = api.submitted(first["token"], archive)
    response = api.submit(second["token"], archive)
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) > 0
    assert server.executor.held == [accepted["id"]]
    assert count_rows(database) == 1
    assert len(stored_uploads(server.settings)) == 1
    view = api.client.get(f"/api/v1/invites/{second['token']}").json()
    assert view["submissions"] == [] and view["submissions_left"] == 3
