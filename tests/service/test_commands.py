"""The service's commands, run as a user would: `grader db upgrade` and `grader users add`.
(Named test_commands.py: tests/test_cli.py has the module name test_cli.)"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from service_harness import STARTUP_S, data_dir_of, grader_command
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session

from grader.service import db
from grader.service.auth import authenticate
from grader.service.models import User

PASSWORD = "correct horse battery staple"


@pytest.fixture
def grader(database_url: str, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs `grader ARGS` on the test's database: SQLite through `--data` alone (where
    `grader serve` looks by default), PostgreSQL through $GRADER_DATABASE_URL."""
    data = data_dir_of(tmp_path)
    unset = ("GRADER_DATA", "GRADER_DATABASE_URL", "GRADER_BROKER_URL")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    if not database_url.startswith("sqlite"):
        env["GRADER_DATABASE_URL"] = database_url

    def run(
        *args: str, stdin: str = "", broker: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [*grader_command(), *args, "--data", str(data)],
            input=stdin,
            env=env | {"COLUMNS": "200"} | ({"GRADER_BROKER_URL": broker} if broker else {}),
            capture_output=True,
            text=True,
            timeout=STARTUP_S,
        )
        assert "Traceback" not in done.stdout + done.stderr, done.stderr
        return done

    return run


def users(database: Engine) -> dict[str, User]:
    with Session(database) as session:
        return {user.name: user for user in session.scalars(select(User))}


def test_db_upgrade_makes_the_schema_and_is_a_no_op_the_second_time(
    grader: Callable[..., subprocess.CompletedProcess[str]], database: Engine
) -> None:
    first = grader("db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert re.fullmatch(r"Applied [1-9]\d* migration\(s\)\.\n", first.stdout), first.stdout
    tables = set(inspect(database).get_table_names())
    assert {"users", "assignments", "invites", "submissions", "webhook_deliveries"} <= tables
    assert "grading_attempts" in tables
    second = grader("db", "upgrade")
    assert second.returncode == 0, second.stderr
    assert second.stdout == "The database is up to date.\n"


def test_users_add_stores_an_argon2_hash_and_refuses_bad_accounts_plainly(
    grader: Callable[..., subprocess.CompletedProcess[str]], database: Engine
) -> None:
    early = grader("users", "add", "carol", "--password-stdin", stdin=f"{PASSWORD}\n")
    assert early.returncode == 3, early.stderr
    assert "grader db upgrade" in early.stderr
    db.upgrade(database)  # as `grader db upgrade` does (tested above), without a process

    added = grader(
        "users", "add", "carol", "--role", "admin", "--password-stdin", stdin=f"{PASSWORD}\n"
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout == "Added admin 'carol'.\n"
    carol = users(database)["carol"]
    assert carol.role == "admin"
    assert carol.password_hash.startswith("$argon2id$")
    assert PASSWORD not in carol.password_hash
    with Session(database) as session:
        assert authenticate(session, "carol", PASSWORD) is not None
        assert authenticate(session, "carol", PASSWORD + "!") is None

    duplicate = grader("users", "add", "carol", "--password-stdin", stdin="another password\n")
    assert duplicate.returncode == 2, duplicate.stderr
    assert "already exists" in duplicate.stderr
    short = grader("users", "add", "dan", "--password-stdin", stdin="short\n")
    assert short.returncode == 2, short.stderr
    assert "at least 8 characters" in short.stderr
    assert set(users(database)) == {"carol"}
    assert users(database)["carol"].password_hash == carol.password_hash  # not overwritten


def test_worker_refuses_plainly_to_start_without_a_broker_or_on_an_old_schema(
    grader: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    no_broker = grader("worker", "--sandbox", "local")
    assert no_broker.returncode == 2, no_broker.stderr
    assert "no broker: set $GRADER_BROKER_URL" in no_broker.stderr
    old_schema = grader("worker", "--sandbox", "local", broker="amqp://nobody:none@127.0.0.1:9//")
    assert old_schema.returncode == 3, old_schema.stderr
    assert "grader db upgrade" in " ".join(old_schema.stderr.split())
