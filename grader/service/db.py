"""The database: one engine per service, sessions per request or job, and the schema's version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from grader.errors import BadInputError, InfrastructureError

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL (readers never wait for the writer), a busy timeout
    instead of instant 'database is locked', and enforced foreign keys."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise BadInputError(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    except (ArgumentError, ModuleNotFoundError) as exc:
        raise BadInputError(f"cannot use database {parsed.render_as_string()}: {exc}") from exc


def _sqlite_pragmas(connection: Any, _: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def sessions(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def pending_migrations(engine: Engine) -> list[str]:
    """The revisions the database lacks (empty: up to date)."""
    script = ScriptDirectory.from_config(_config(engine))
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as exc:
        raise InfrastructureError(
            f"cannot reach the database: {exc.__class__.__name__}: {exc}"
        ) from exc
    missing: list[str] = []
    for revision in script.walk_revisions():
        if revision.revision in current:
            break
        missing.append(revision.revision)
    return list(reversed(missing)) if current != set(script.get_heads()) else []


def require_current(engine: Engine) -> None:
    """Refuse a database whose schema lacks migrations, naming the command that applies them."""
    pending = pending_migrations(engine)
    if pending:
        raise InfrastructureError(
            f"the database needs {len(pending)} migration(s) ({', '.join(pending)}): "
            "run `grader db upgrade` first"
        )


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (`grader db upgrade`)."""
    try:
        command.upgrade(_config(engine), "head")
    except SQLAlchemyError as exc:
        raise InfrastructureError(f"cannot upgrade the database: {exc}") from exc
