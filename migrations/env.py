"""Alembic environment: metadata from storage.models; URL from a passed connection,
``-x db=URL``, ``$MORGUE_DATABASE_URL`` or the config (``morgue.toml``), in that order."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection

from storage.models import Base
from storage.search import is_search_object

target_metadata = Base.metadata


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Leave the full-text search objects of migration 0004 (an FTS5 table and its triggers on
    SQLite, a generated tsvector column and its GIN index on PostgreSQL) out of autogenerate:
    the models do not declare them."""
    return not (reflected and compare_to is None and is_search_object(name, type_))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    from crawler.config import load_config, resolve_database_url

    return context.get_x_argument(as_dictionary=True).get("db") or resolve_database_url(None, load_config())


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, render_as_batch=True, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from storage.db import make_engine

    engine = make_engine(_url())
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
