"""Shared fixtures: database URLs (a fresh SQLite file; the PostgreSQL database ``test`` on
127.0.0.1:5432 with its public schema reset), and the fixture news site on 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from crawler.demo.server import SiteServer

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PG_URL = os.environ.get("MORGUE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _reset_pg() -> None:
    engine = create_engine(PG_URL, connect_args={"connect_timeout": 5})
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'archive.db'}"


def fresh_pg() -> str:
    """Reset the PostgreSQL test database and return its URL (skips when unreachable outside CI)."""
    try:
        _reset_pg()
    except Exception as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    return PG_URL


@pytest.fixture
def pg_url() -> str:
    return fresh_pg()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return request.getfixturevalue(name)


@pytest.fixture(scope="session")
def site() -> Iterator[SiteServer]:
    with SiteServer(FIXTURES / "site") as server:
        yield server
