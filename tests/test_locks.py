"""The archive's run lock on PostgreSQL when the server drops the holder's session (a restart
does exactly that): the holder re-takes it or gives the run up; a newcomer never takes over a
live run's lock. ``pg_terminate_backend`` ends the session as a restart would, without one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text, update

from storage import models
from storage.db import make_engine, upgrade
from storage.locks import GIVE_UP_AFTER, STALE_AFTER, LockHeldError, RunLock, acquire
from tests.helpers import fresh_pg, pg_lock


@pytest.fixture
def engine() -> Iterator[Engine]:
    with pg_lock():
        engine = make_engine(fresh_pg())
        upgrade(engine)
        yield engine
        engine.dispose()


def _drop_session(engine: Engine, lock: RunLock) -> None:
    """End the lock's advisory session from the server side, as a PostgreSQL restart does."""
    assert lock._pg is not None
    pid = lock._pg.execute(text("SELECT pg_backend_pid()")).scalar()
    lock._pg.commit()
    with engine.begin() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()


def test_a_newcomer_does_not_take_a_live_runs_lock_after_its_session_was_dropped(engine: Engine) -> None:
    lost: list[str] = []
    lock = acquire(engine, owner="crawler-host:100")
    lock.on_lost = lost.append
    _drop_session(engine, lock)
    # the advisory lock is free now, but the row's heartbeat is fresh: the run goes on
    with pytest.raises(LockHeldError, match="crawler-host:100"):
        acquire(engine, owner="other-host:200")
    lock.heartbeat()  # the holder notices and takes the advisory lock again
    assert lock.lost is None and lost == []
    with pytest.raises(LockHeldError):
        acquire(engine, owner="other-host:200")
    lock.release()
    acquire(engine, owner="other-host:200").release()


def test_the_holder_gives_the_run_up_when_another_run_took_its_lock(engine: Engine) -> None:
    lost: list[str] = []
    lock = acquire(engine, owner="crawler-host:100")
    lock.on_lost = lost.append
    _drop_session(engine, lock)
    with engine.begin() as conn:  # the holder's heartbeats did not get through for longer than STALE_AFTER
        old = datetime.now(UTC) - STALE_AFTER - timedelta(seconds=1)
        conn.execute(update(models.RunLock).values(heartbeat_at=old))
    newcomer = acquire(engine, owner="other-host:200")
    lock.heartbeat()
    assert lock.lost and "other-host:200" in lock.lost and lost == [lock.lost]
    lock.heartbeat()  # once lost, never taken back by the old holder, never called twice
    assert len(lost) == 1
    newcomer.heartbeat()
    assert newcomer.lost is None
    newcomer.release()
    lock.release()


def test_a_holder_that_cannot_reach_the_database_gives_up_before_its_row_goes_stale(engine: Engine) -> None:
    assert GIVE_UP_AFTER < STALE_AFTER
    lost: list[str] = []
    lock = acquire(engine, owner="crawler-host:100")
    lock.on_lost = lost.append
    start = lock.last_beat
    assert start is not None
    lock.release()  # what it held is gone; the engine now points at a port where nothing listens
    lock.engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=2")
    lock._pg = None
    lock.beat(start + timedelta(seconds=15))
    assert lock.lost is None  # one missed beat is retried
    lock.beat(start + GIVE_UP_AFTER)
    assert lock.lost and "no heartbeat reached the database" in lock.lost and len(lost) == 1
    lock.engine.dispose()
