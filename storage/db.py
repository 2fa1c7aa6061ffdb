"""Engines, sessions and schema upgrades.

``make_engine`` turns a URL into an engine (SQLite: WAL, foreign keys, busy timeout);
``upgrade`` runs the Alembic migrations to head on it (idempotent); ``check_schema``
refuses to work on a database that is not at head, with a message saying what to run.

A SQLite writer waits up to ``$MORGUE_SQLITE_BUSY_TIMEOUT_MS`` milliseconds (default 30,000)
for another writer to finish before giving up with "database is locked"; :func:`explain`
turns that and other driver errors into one line for the user.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000  # the default; $MORGUE_SQLITE_BUSY_TIMEOUT_MS wins


class DatabaseError(RuntimeError):
    """The database cannot be used (unreachable, bad URL, not migrated)."""


def busy_timeout_ms() -> int:
    """How long a SQLite writer waits for another one: ``$MORGUE_SQLITE_BUSY_TIMEOUT_MS`` or the default."""
    raw = os.environ.get("MORGUE_SQLITE_BUSY_TIMEOUT_MS", "").strip()
    if not raw:
        return SQLITE_BUSY_TIMEOUT_MS
    if not raw.isdigit():
        raise DatabaseError(f"MORGUE_SQLITE_BUSY_TIMEOUT_MS: expected milliseconds, a whole number >= 0 (got {raw!r})")
    return int(raw)


def explain(exc: BaseException) -> str:
    """One line saying why a database operation failed (the driver's message, with a hint when it helps)."""
    message = " ".join(str(getattr(exc, "orig", None) or exc).split())
    if "database is locked" in message or "database table is locked" in message:
        return (
            f"the SQLite database is locked: another process kept writing to it for more than "
            f"{busy_timeout_ms() / 1000:g} s (MORGUE_SQLITE_BUSY_TIMEOUT_MS)"
        )
    return message


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys and a busy timeout."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"invalid database URL {url!r}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        timeout_ms = busy_timeout_ms()
        kwargs.setdefault("connect_args", {"timeout": timeout_ms / 1000})
        engine = create_engine(parsed, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={timeout_ms}")
            if parsed.database and parsed.database != ":memory:":
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    if parsed.get_backend_name() == "postgresql":
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("connect_args", {"connect_timeout": 10})
    try:
        return create_engine(parsed, **kwargs)
    except Exception as exc:
        raise DatabaseError(f"cannot use database URL {parsed.render_as_string(hide_password=True)}: {exc}") from None


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(connection: Any | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Create or upgrade the schema to ``revision``; returns the revision now in place."""
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), revision)
    except OperationalError as exc:
        raise DatabaseError(f"cannot reach the database: {explain(exc)}") from None
    return current_revision(engine)


def check_schema(engine: Engine) -> None:
    """Raise :class:`DatabaseError` unless the database is migrated to head."""
    try:
        current = current_revision(engine)
    except OperationalError as exc:
        raise DatabaseError(f"cannot reach the database: {explain(exc)}") from None
    head = head_revision()
    if current != head:
        state = "empty" if current is None else f"at revision {current}"
        raise DatabaseError(f"the database is {state}, not at {head}: run `morgue init` first")
