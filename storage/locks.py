"""One job at a time per archive: crawls and re-checks never overlap.

A lock row in ``run_locks`` names its owner (``host:pid``) and carries a heartbeat. It is
taken with one atomic upsert that only overwrites a row whose heartbeat is stale, or
whose owner is a process of this host that no longer exists (a ``kill -9``). On
PostgreSQL a session-level advisory lock is held as well, on a connection kept open for
the whole run: the server drops it the moment the process dies.

Runs left ``running`` by a dead process are marked ``interrupted`` by the next run that
takes the lock (:func:`mark_interrupted`): holding the lock proves nobody else runs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from storage import models

logger = logging.getLogger(__name__)
LOCK_NAME = "jobs"
STALE_AFTER = timedelta(seconds=90)
HEARTBEAT_EVERY = 15.0  # seconds
ADVISORY_KEY = 0x6D6F7267  # "morg"


class LockHeldError(RuntimeError):
    """Another run holds the archive's lock."""


def this_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _dead_local_owner(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    return host == socket.gethostname() and pid.isdigit() and not _pid_alive(int(pid))


@dataclass
class RunLock:
    engine: Engine
    owner: str
    name: str = LOCK_NAME
    run_id: int | None = None
    _pg: Connection | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def heartbeat(self, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        with self.engine.begin() as conn:
            conn.execute(
                update(models.RunLock)
                .where(models.RunLock.name == self.name, models.RunLock.owner == self.owner)
                .values(heartbeat_at=now)
            )
            if self.run_id is not None:
                conn.execute(update(models.CrawlRun).where(models.CrawlRun.id == self.run_id).values(heartbeat_at=now))

    def start_heartbeat(self, every: float = HEARTBEAT_EVERY) -> None:
        def beat() -> None:
            while not self._stop.wait(every):
                try:
                    self.heartbeat()
                except Exception:  # a missed beat is not fatal; the next one retries
                    continue

        self._thread = threading.Thread(target=beat, name="morgue-heartbeat", daemon=True)
        self._thread.start()

    def release(self) -> None:
        """Give the lock back. When the database is away, what is left behind dies with this process
        (the advisory lock with its session, the row with its owner: see :func:`acquire`)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    delete(models.RunLock).where(models.RunLock.name == self.name, models.RunLock.owner == self.owner)
                )
        except DBAPIError as exc:
            logger.warning("could not remove the lock row of %s: %s", self.owner, exc.orig)
        if self._pg is not None:
            with contextlib.suppress(DBAPIError):  # a session the server dropped holds nothing any more
                self._pg.execute(
                    text("SELECT pg_advisory_unlock(:k, hashtext(:n))"), {"k": ADVISORY_KEY, "n": self.name}
                )
            with contextlib.suppress(DBAPIError):
                self._pg.close()
            self._pg = None


def _holder(engine: Engine, name: str) -> models.RunLock | None:
    with Session(engine) as session:
        return session.get(models.RunLock, name)


def acquire(
    engine: Engine,
    *,
    owner: str | None = None,
    now: datetime | None = None,
    name: str = LOCK_NAME,
    stale_after: timedelta = STALE_AFTER,
) -> RunLock:
    """Take the archive's lock or raise :class:`LockHeldError` saying who holds it."""
    owner = owner or this_owner()
    now = now or datetime.now(UTC)
    lock = RunLock(engine=engine, owner=owner, name=name)
    if engine.dialect.name == "postgresql":
        conn = engine.connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k, hashtext(:n))"), {"k": ADVISORY_KEY, "n": name})
        conn.commit()
        if not got.scalar():
            conn.close()
            raise LockHeldError(_held_message(_holder(engine, name)))
        lock._pg = conn
    current = _holder(engine, name)
    if current is not None and (lock._pg is not None or _dead_local_owner(current.owner)):
        # with the advisory lock in hand (or the owner's process gone) any row left is a dead run's
        with engine.begin() as conn:
            conn.execute(
                delete(models.RunLock).where(models.RunLock.name == name, models.RunLock.owner == current.owner)
            )
    insert = (postgresql if engine.dialect.name == "postgresql" else sqlite).insert
    table = models.RunLock.__table__
    stmt = insert(table).values(name=name, owner=owner, acquired_at=now, heartbeat_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.name],
        set_={"owner": owner, "acquired_at": now, "heartbeat_at": now, "run_id": None},
        where=table.c.heartbeat_at < now - stale_after,
    )
    with engine.begin() as conn:
        conn.execute(stmt)
    holder = _holder(engine, name)
    if holder is None or holder.owner != owner:
        if lock._pg is not None:
            lock.release()
        raise LockHeldError(_held_message(holder))
    return lock


def _held_message(holder: models.RunLock | None) -> str:
    if holder is None:
        return "another morgue run holds the archive's lock"
    run = f" (run {holder.run_id})" if holder.run_id else ""
    return (
        f"another morgue run holds the archive's lock: {holder.owner}{run}, since "
        f"{holder.acquired_at:%Y-%m-%d %H:%M:%S} UTC, last heartbeat {holder.heartbeat_at:%H:%M:%S} UTC"
    )


def bind_run(lock: RunLock, run_id: int) -> None:
    """Record which run holds the lock (shown to whoever is refused)."""
    lock.run_id = run_id
    with lock.engine.begin() as conn:
        conn.execute(
            update(models.RunLock)
            .where(models.RunLock.name == lock.name, models.RunLock.owner == lock.owner)
            .values(run_id=run_id)
        )


def mark_interrupted(session: Session, *, now: datetime) -> list[int]:
    """Runs still ``running`` while we hold the lock died with their process: mark them interrupted."""
    ids = list(session.scalars(select(models.CrawlRun.id).where(models.CrawlRun.status == "running")))
    for run in session.scalars(select(models.CrawlRun).where(models.CrawlRun.id.in_(ids))):
        run.status = "interrupted"
        run.finished_at = run.heartbeat_at or run.started_at
        run.message = f"its process stopped without finishing (found at {now:%Y-%m-%d %H:%M:%S} UTC)"
    return ids
