"""The server-rendered pages: sessions and CSRF, who sees what, escaping, the candidate's page,
over plain HTTP; and one walk through them in a real headless Chromium driven by selenium.

The browser test needs Debian's `chromium` and `chromium-driver` (`make browser`). Without them
it skips, unless GRADER_REQUIRE_BROWSER=1, which makes a missing browser a failure (for CI).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest
from service_harness import (
    Account,
    Accounts,
    Api,
    HoldingExecutor,
    RunningServer,
    count_rows,
    hidden_test_names,
    in_days,
    invite_header,
    submission_zip,
)
from sqlalchemy import Engine, text

from grader.service.cookies import Cookies
from grader.service.models import Assignment

REQUIRE_BROWSER_ENV = "GRADER_REQUIRE_BROWSER"
HOSTILE = "<script>alert(1)</script>"
SEE_OTHER = 303
# The pages keep no SQL of their own (they call the API's functions, tested on both databases):
# what is not about stored data runs on SQLite only.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
WAIT_S = 120  # how long the browser may wait for a page to show something: generous


def csrf_of(page: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)


class Visitor:
    """A browser without a browser: httpx with a cookie jar, never following redirects."""

    def __init__(self, url: str) -> None:
        self.client = httpx.Client(base_url=url, timeout=30.0, follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path)

    def post(self, path: str, data: dict[str, Any], **options: Any) -> httpx.Response:
        return self.client.post(path, data=data, **options)

    def log_in(self, account: Account) -> str:
        """Log in through the form; the CSRF token of the session's forms."""
        form = self.get("/login")
        response = self.post(
            "/login",
            {"name": account.name, "password": account.password, "csrf": csrf_of(form.text)},
        )
        assert response.status_code == SEE_OTHER, response.text
        return csrf_of(self.get("/").text)

    def new_assignment(self, csrf: str, **fields: Any) -> int:
        """Create an assignment through the form; its id."""
        form = {
            "title": "Take-home",
            "exercises": ["adder"],
            "deadline": "2099-01-01T12:00",
            "max_submissions": "3",
            "feedback": "candidate",
            "csrf": csrf,
        } | fields
        response = self.post("/assignments/new", form)
        assert response.status_code == SEE_OTHER, response.text
        found = re.fullmatch(r"/assignments/(\d+)", response.headers["location"])
        assert found, response.headers["location"]
        return int(found.group(1))

    def new_invite(self, csrf: str, assignment_id: int, candidate: str = "Ann") -> str:
        """Add an invite through the assignment's form; the invite's token, read from the page."""
        response = self.post(
            f"/assignments/{assignment_id}/invites", {"candidate": candidate, "csrf": csrf}
        )
        assert response.status_code == SEE_OTHER, response.text
        links = re.findall(
            r'class="invite-link" value="[^"]*/i/([^"]+)"',
            self.get(f"/assignments/{assignment_id}").text,
        )
        assert links, "no invite link on the assignment's page"
        return str(links[-1])


@pytest.fixture
def visitor(server: RunningServer) -> Iterator[Visitor]:
    client = Visitor(server.url)
    yield client
    client.close()


@pytest.fixture
def other_visitor(server: RunningServer) -> Iterator[Visitor]:
    client = Visitor(server.url)
    yield client
    client.close()


def upload(visitor: Visitor, token: str, archive: Path, csrf: str | None) -> httpx.Response:
    data = {"csrf": csrf} if csrf is not None else {}
    with archive.open("rb") as file:
        return visitor.post(
            f"/i/{token}/submissions",
            data,
            files={"file": (archive.name, file, "application/zip")},
        )


# Sessions and CSRF.


@SQLITE_ONLY
def test_interviewer_pages_send_a_stranger_to_the_login_page(visitor: Visitor) -> None:
    for path in ["/", "/assignments/new", "/assignments/1", "/submissions/abc"]:
        response = visitor.get(path)
        assert response.status_code == SEE_OTHER, path
        assert response.headers["location"] == f"/login?next={path}"
    response = visitor.post("/assignments/new", {"title": "x", "csrf": "x"})
    assert (response.status_code, response.headers["location"]) == (SEE_OTHER, "/login?next=/")
    assert visitor.get("/login").status_code == 200


@SQLITE_ONLY
def test_logging_in_sets_a_signed_httponly_samesite_cookie(
    visitor: Visitor, accounts: Accounts
) -> None:
    form = visitor.get("/login?next=/assignments/new")
    csrf = csrf_of(form.text)
    wrong = {"name": "ivy", "password": "not her password", "csrf": csrf}
    refused = visitor.post("/login", wrong)
    assert refused.status_code == 401
    assert "Wrong name or password" in refused.text

    ivy = accounts.interviewer
    response = visitor.post(
        "/login",
        {"name": ivy.name, "password": ivy.password, "csrf": csrf, "next": "/assignments/new"},
    )
    assert (response.status_code, response.headers["location"]) == (SEE_OTHER, "/assignments/new")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http on loopback: a Secure cookie would never return
    assert visitor.get("/assignments/new").status_code == 200

    forged = visitor.client.cookies["grader_session"][:-2] + "xx"
    visitor.client.cookies.set("grader_session", forged)
    assert visitor.get("/").status_code == SEE_OTHER  # a tampered cookie is no session
    visitor.client.cookies.clear()

    # After logging in, back to a page of this site only, never to another site.
    csrf = csrf_of(visitor.get("/login").text)
    offsite = {"name": ivy.name, "password": ivy.password, "csrf": csrf, "next": "//evil.example/"}
    assert visitor.post("/login", offsite).headers["location"] == "/"


def test_forms_without_their_csrf_token_are_refused(
    visitor: Visitor, api: Api, accounts: Accounts, database: Engine, tmp_path: Path
) -> None:
    ivy = accounts.interviewer
    before_login = csrf_of(visitor.get("/login").text)  # logging in gives a new one
    for token in [None, "wrong"]:
        form = {"name": ivy.name, "password": ivy.password} | ({"csrf": token} if token else {})
        assert visitor.post("/login", form).status_code == 403

    csrf = visitor.log_in(ivy)
    assignment_id = visitor.new_assignment(csrf)
    token = visitor.new_invite(csrf, assignment_id)
    archive = submission_zip(tmp_path / "adder.zip", adder="reference")
    for bad in [{}, {"csrf": "wrong"}, {"csrf": before_login}]:
        assert visitor.post("/assignments/new", {"title": "Forged"} | bad).status_code == 403
        invite = {"candidate": "Mallory"} | bad
        assert visitor.post(f"/assignments/{assignment_id}/invites", invite).status_code == 403
        assert visitor.post("/logout", bad).status_code == 403
        assert upload(visitor, token, archive, bad.get("csrf")).status_code == 403
    # The interviewer's token is no candidate's, and nothing was made by the refused forms.
    assert upload(visitor, token, archive, csrf).status_code == 403
    assert count_rows(database) == 0
    headers = api.login(ivy)
    titles = [a["title"] for a in api.client.get("/api/v1/assignments", headers=headers).json()]
    assert titles == ["Take-home"]
    invites = api.client.get(f"/api/v1/assignments/{assignment_id}/invites", headers=headers)
    assert [i["candidate"] for i in invites.json()] == ["Ann"]

    assert visitor.post("/logout", {"csrf": csrf}).status_code == SEE_OTHER
    assert visitor.get("/").status_code == SEE_OTHER


def test_an_interviewer_sees_only_their_own_assignments(
    server: RunningServer, visitor: Visitor, other_visitor: Visitor, accounts: Accounts
) -> None:
    csrf = visitor.log_in(accounts.interviewer)
    assignment_id = visitor.new_assignment(csrf, title="Ivy's round")
    other_csrf = other_visitor.log_in(accounts.other)
    assert "Ivy&#39;s round" not in other_visitor.get("/").text
    assert other_visitor.get(f"/assignments/{assignment_id}").status_code == 404
    invite = {"candidate": "Mallory", "csrf": other_csrf}
    assert other_visitor.post(f"/assignments/{assignment_id}/invites", invite).status_code == 404
    token = visitor.new_invite(csrf, assignment_id)
    assert token

    admin = Visitor(server.url)
    try:
        admin.log_in(accounts.admin)
        assert "Ivy&#39;s round" in admin.get("/").text
        assert admin.get(f"/assignments/{assignment_id}").status_code == 200
    finally:
        admin.close()


@SQLITE_ONLY
def test_the_assignment_form_refuses_what_the_api_refuses(
    visitor: Visitor, accounts: Accounts, database: Engine
) -> None:
    csrf = visitor.log_in(accounts.interviewer)
    form = {
        "title": "Hooked",
        "exercises": ["adder"],
        "deadline": "2099-01-01T12:00",
        "max_submissions": "3",
        "feedback": "candidate",
        "webhook_url": "https://hooks.example/graded",
        "csrf": csrf,
    }
    refused = visitor.post("/assignments/new", form)
    assert refused.status_code == 422
    assert "a webhook needs a secret" in refused.text
    assert 'value="Hooked"' in refused.text  # what was typed stays in the form
    unknown = visitor.post("/assignments/new", form | {"webhook_url": "", "exercises": ["nope"]})
    assert unknown.status_code == 422
    assert "unknown exercise" in unescape(unknown.text)
    too_many = visitor.post("/assignments/new", form | {"webhook_url": "", "max_submissions": "0"})
    assert too_many.status_code == 422
    assert "max_submissions" in too_many.text
    assert count_rows(database, Assignment) == 0


@SQLITE_ONLY
def test_pages_carry_security_headers(visitor: Visitor) -> None:
    response = visitor.get("/login")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert visitor.get("/static/style.css").status_code == 200
    missing = visitor.get("/i/no-such-invite")
    assert missing.status_code == 404
    assert "content-security-policy" in missing.headers


# Escaping and the candidate's page.


@SQLITE_ONLY
def test_what_people_type_is_escaped(visitor: Visitor, accounts: Accounts) -> None:
    csrf = visitor.log_in(accounts.interviewer)
    assignment_id = visitor.new_assignment(csrf, title=HOSTILE)
    token = visitor.new_invite(csrf, assignment_id, candidate='"><img src=x onerror=alert(2)>')
    pages = [
        visitor.get("/"),
        visitor.get(f"/assignments/{assignment_id}"),
        visitor.get(f"/i/{token}"),
    ]
    for page in pages:
        assert page.status_code == 200
        assert "<script>alert" not in page.text
        assert "<img src=x" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0].text
    assert "&lt;img src=x onerror=alert(2)&gt;" in pages[1].text


@SQLITE_ONLY
def test_the_candidate_page_shows_the_deadline_kit_and_upload_form(
    api: Api, accounts: Accounts, visitor: Visitor
) -> None:
    headers = api.login(accounts.interviewer)
    assignment = api.assignment(headers, deadline="2031-05-06T07:08:00Z", max_submissions=2)
    invite = api.invite(headers, assignment["id"], candidate="Bea")
    page = visitor.get(f"/i/{invite['token']}")
    assert page.status_code == 200
    assert "2031-05-06 07:08 UTC" in page.text
    assert "Bea" in page.text
    assert f'href="/api/v1/invites/{invite["token"]}/kit"' in page.text
    form = re.search(r"<form[^>]*>.*?</form>", page.text, re.S)
    assert form and 'enctype="multipart/form-data"' in form.group(0)
    assert 'type="file" name="file"' in form.group(0)
    assert csrf_of(form.group(0)) != invite["token"]
    assert "<pre" in page.text and "adder/" in unescape(page.text)  # the kit's README
    assert visitor.get(f"/i/{invite['token']}x").status_code == 404


@SQLITE_ONLY
def test_a_candidate_is_refused_with_the_reason_and_its_status(
    server: RunningServer,
    api: Api,
    accounts: Accounts,
    visitor: Visitor,
    database: Engine,
    tmp_path: Path,
) -> None:
    headers = api.login(accounts.interviewer)
    open_invite = api.invite(headers, api.assignment(headers)["id"])
    token = open_invite["token"]
    csrf = csrf_of(visitor.get(f"/i/{token}").text)
    not_zip = tmp_path / "notes.txt"
    not_zip.write_text("no archive")
    refused = upload(visitor, token, not_zip, csrf)
    assert refused.status_code == 422
    assert "is not a .zip, .tar.gz or .tgz archive" in unescape(refused.text)
    assert 'type="file"' in refused.text  # the form again, to try once more

    late = api.invite(headers, api.assignment(headers, deadline=in_days(-1))["id"])["token"]
    page = visitor.get(f"/i/{late}")
    assert "The deadline has passed" in page.text and 'type="file"' not in page.text
    archive = submission_zip(tmp_path / "adder.zip", adder="reference")
    form_of_yesterday = Cookies(server.service.tokens.key).invite_csrf(late)
    refused = upload(visitor, late, archive, form_of_yesterday)
    assert refused.status_code == 403
    assert "deadline" in refused.text
    assert count_rows(database) == 0


def test_a_candidate_hands_in_and_reads_only_their_own_report(
    api: Api, accounts: Accounts, visitor: Visitor, other_visitor: Visitor, tmp_path: Path
) -> None:
    headers = api.login(accounts.interviewer)
    assignment = api.assignment(headers)
    token = api.invite(headers, assignment["id"])["token"]
    other = api.invite(headers, assignment["id"], candidate="Bob")["token"]
    archive = submission_zip(tmp_path / "adder.zip", adder="off_by_one")  # fails hidden tests
    response = upload(visitor, token, archive, csrf_of(visitor.get(f"/i/{token}").text))
    assert (response.status_code, response.headers["location"]) == (SEE_OTHER, f"/i/{token}")
    (submission,) = api.client.get(f"/api/v1/invites/{token}").json()["submissions"]
    graded = api.wait(submission["id"], invite_header(token))
    assert graded["status"] == "graded"

    page = visitor.get(f"/i/{token}").text
    link = f"/i/{token}/submissions/{submission['id']}"
    assert "graded" in page and f'href="{link}"' in page
    report = visitor.get(link)
    assert report.status_code == 200
    assert "Grade report" in report.text
    assert not any(name in report.text for name in hidden_test_names())
    assert "sandbox" in report.headers["content-security-policy"]
    assert other_visitor.get(f"/i/{other}/submissions/{submission['id']}").status_code == 404

    visitor.log_in(accounts.interviewer)
    seen = visitor.get(f"/submissions/{submission['id']}")
    assert seen.status_code == 200
    assert 'id="status" class="status status-graded">graded<' in seen.text
    assert f'src="/submissions/{submission["id"]}/report"' in seen.text
    full = visitor.get(f"/submissions/{submission['id']}/report")
    assert full.status_code == 200
    assert any(name in full.text for name in hidden_test_names())  # the interviewer's is whole
    assert 'action="/submissions/' not in seen.text  # no regrading a graded one
    assert other_visitor.log_in(accounts.other)
    assert other_visitor.get(f"/submissions/{submission['id']}").status_code == 404


def test_an_interviewer_regrades_a_failed_submission(
    serve: Callable[..., RunningServer],
    api_for: Callable[[RunningServer], Api],
    accounts: Accounts,
    database: Engine,
    tmp_path: Path,
) -> None:
    server = serve(make_executor=HoldingExecutor)  # nothing is graded: the queue is what counts
    api = api_for(server)
    headers = api.login(accounts.interviewer)
    token = api.invite(headers, api.assignment(headers)["id"])["token"]
    archive = submission_zip(tmp_path / "adder.zip", adder="reference")
    submission_id = api.submitted(token, archive)["id"]
    with database.begin() as connection:  # as a worker leaves one the grader failed on
        connection.execute(
            text("UPDATE submissions SET status = 'failed', failure = :why WHERE id = :id"),
            {"why": "no container engine <here>", "id": submission_id},
        )
    visitor = Visitor(server.url)
    try:
        csrf = visitor.log_in(accounts.interviewer)
        page = visitor.get(f"/submissions/{submission_id}").text
        assert "no container engine &lt;here&gt;" in page
        assert f'action="/submissions/{submission_id}/regrade"' in page
        response = visitor.post(f"/submissions/{submission_id}/regrade", {"csrf": csrf})
        assert (response.status_code, response.headers["location"]) == (
            SEE_OTHER,
            f"/submissions/{submission_id}",
        )
        assert api.submission(submission_id, headers)["status"] == "queued"
        assert server.executor.held == [submission_id, submission_id]
        again = visitor.post(f"/submissions/{submission_id}/regrade", {"csrf": csrf})
        assert again.status_code == 409  # only a failed submission is queued again
    finally:
        visitor.close()


# The walk through, in a real browser.


@pytest.fixture(scope="module")
def chromium() -> tuple[str, str]:
    """Chromium and its driver, found on PATH (Debian: chromium, chromium-driver)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        reason = "no chromium or chromedriver on PATH (apt-get install -y chromium chromium-driver)"
        if os.environ.get(REQUIRE_BROWSER_ENV) == "1":
            pytest.fail(f"{REQUIRE_BROWSER_ENV}=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return browser, driver


@pytest.fixture
def drivers(chromium: tuple[str, str]) -> Iterator[Any]:
    """Opens headless Chromium windows, each with its own profile (cookies); all quit at the end."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service as DriverService

    opened: list[Any] = []

    def open_browser() -> Any:
        options = webdriver.ChromeOptions()
        options.binary_location = chromium[0]
        for argument in [
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--window-size=1280,1000",
        ]:
            options.add_argument(argument)
        driver = webdriver.Chrome(options=options, service=DriverService(chromium[1]))
        driver.set_page_load_timeout(WAIT_S)
        opened.append(driver)
        return driver

    yield open_browser
    for driver in opened:
        driver.quit()


@pytest.mark.slow
@SQLITE_ONLY
def test_a_take_home_from_invite_to_graded_report_in_a_real_browser(
    server: RunningServer, accounts: Accounts, drivers: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shows
    from selenium.webdriver.support.ui import WebDriverWait

    def text_of(driver: Any, css: str) -> str:
        return str(driver.find_element(By.CSS_SELECTOR, css).text)

    def after_reload(driver: Any, css: str, wanted: str) -> bool:
        driver.refresh()
        return wanted in text_of(driver, css)

    ivy = accounts.interviewer
    interviewer = drivers()
    wait = WebDriverWait(interviewer, WAIT_S)
    interviewer.get(f"{server.url}/assignments/new")  # a stranger: sent to log in first
    wait.until(shows.url_contains("/login"))
    interviewer.find_element(By.NAME, "name").send_keys(ivy.name)
    interviewer.find_element(By.NAME, "password").send_keys(ivy.password)
    interviewer.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()

    wait.until(shows.url_to_be(f"{server.url}/assignments/new"))
    interviewer.find_element(By.NAME, "title").send_keys("Backend take-home")
    interviewer.find_element(By.CSS_SELECTOR, "input[name=exercises][value=adder]").click()
    interviewer.find_element(By.CSS_SELECTOR, "input[name=feedback][value=candidate]").click()
    interviewer.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()

    wait.until(shows.title_contains("Backend take-home"))
    interviewer.find_element(By.NAME, "candidate").send_keys("Ann Example")
    interviewer.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    link = wait.until(shows.presence_of_element_located((By.CSS_SELECTOR, "input.invite-link")))
    invite_url = str(link.get_attribute("value"))
    assert invite_url.startswith(f"{server.url}/i/")

    candidate = drivers()
    candidate_wait = WebDriverWait(candidate, WAIT_S)
    candidate.get(invite_url)
    candidate_wait.until(shows.title_contains("Backend take-home"))
    assert "UTC" in text_of(candidate, "#deadline")
    archive = submission_zip(tmp_path / "adder.zip", adder="reference")
    candidate.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(archive))
    candidate.find_element(By.CSS_SELECTOR, "#upload button[type=submit]").click()
    candidate_wait.until(shows.presence_of_element_located((By.ID, "submissions")))
    assert "adder.zip" in text_of(candidate, "#submissions")
    candidate_wait.until(lambda d: after_reload(d, "#submissions", "graded"))
    candidate.find_element(By.LINK_TEXT, "Your report").click()
    candidate_wait.until(shows.title_contains("Grade report"))
    assert not any(name in candidate.page_source for name in hidden_test_names())

    interviewer.refresh()
    wait.until(lambda d: "graded" in text_of(d, "#candidates"))
    assert "100.0%" in text_of(interviewer, "#candidates .score")
    interviewer.find_element(By.LINK_TEXT, "graded").click()
    wait.until(shows.presence_of_element_located((By.ID, "score")))
    assert text_of(interviewer, "#score") == "10/10 (100.0%)"
    interviewer.switch_to.frame(interviewer.find_element(By.ID, "report"))
    wait.until(shows.presence_of_element_located((By.CSS_SELECTOR, "h1")))
    assert text_of(interviewer, "h1") == "Grade report"
    assert "Ann Example" in text_of(interviewer, ".sub")
