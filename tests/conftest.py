"""Shared fixtures: database URLs (a fresh SQLite file; this run's own PostgreSQL database with its
public schema reset, see tests/helpers.py), the fixture news site on 127.0.0.1, and the lock that
keeps a PostgreSQL restart in one run from breaking another run's tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from crawler.demo.server import SiteServer
from tests.helpers import FIXTURES, drop_run_database, fresh_pg, pg_lock

# Hypothesis profiles (tests/test_fuzz.py; docs/reliability.md): "ci", the default, is bounded and
# reproducible (a fixed number of examples, derandomized); "long" explores for as long as it is given
# (HYPOTHESIS_PROFILE=long). No per-example deadline: the page tests bound each page's time themselves.
_FUZZ = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
settings.register_profile("ci", max_examples=200, derandomize=True, print_blob=True, **_FUZZ)
settings.register_profile("long", max_examples=20_000, print_blob=True, **_FUZZ)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session", autouse=True)
def _run_database() -> Iterator[None]:
    yield
    drop_run_database()


@pytest.fixture(autouse=True)
def _shared_pg_lock(request: pytest.FixtureRequest) -> Iterator[None]:
    if request.node.get_closest_marker("restarts_postgresql"):
        yield  # takes the lock exclusively itself
        return
    with pg_lock():
        yield


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'archive.db'}"


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


# modules that run real crawls or the CLI in subprocesses: `pytest -m "not slow"` leaves them out
SLOW_MODULES = frozenset(
    {
        "test_e2e", "test_recheck", "test_archive_features", "test_operations", "test_distributed",
        "test_offload", "test_cli", "test_throttle", "test_probe", "test_faults", "test_hostile_content",
        "test_scope", "test_interface", "test_liveness_corpus", "test_writer", "test_storage", "test_scrapy_command",
        "test_web_browser", "test_address_policy_crawl", "test_robots", "test_replay",
        "test_verify", "test_upgrade", "test_fuzz",
    }
)  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.stem in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
