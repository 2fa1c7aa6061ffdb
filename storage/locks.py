"""One job at a time per archive: crawls and re-checks never overlap.

A lock row in ``run_locks`` names its owner (``host:pid``) and carries a heartbeat. It is
taken with one atomic upsert that only overwrites a row whose heartbeat is stale, or
whose owner is a process of this host that no longer exists (a ``kill -9``). On
PostgreSQL a session-level advisory lock is held as well, on a connection kept open for
the whole run: the server drops it the moment the process dies.

Runs left ``running`` by a dead process are marked ``interrupted`` by the next run that
takes the lock (:func:`mark_interrupted`): holding the lock proves nobody else runs.

A PostgreSQL restart drops the advisory lock of a run that goes on. So the advisory lock alone
never lets a newcomer take over: it also needs the row to be stale (or its owner to be a dead
process of this host). The running holder checks its advisory session at every heartbeat and
re-takes it when the server is back; it gives the run up (``on_lost``, ``lost`` says why) when
another run took the row, or when no heartbeat got through for :data:`GIVE_UP_AFTER`, which is
shorter than :data:`STALE_AFTER`: it stops before anyone may consider its row stale, so two runs
never write at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Callable
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
GIVE_UP_AFTER = timedelta(seconds=60)  # no heartbeat through for this long: stop the run (< STALE_AFTER)
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
    on_lost: Callable[[str], None] | None = None  # called once, from the heartbeat thread, when the lock is lost
    lost: str | None = None  # why the lock was lost (None while held)
    last_beat: datetime | None = None  # the last heartbeat that reached the database
    _pg: Connection | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def heartbeat(self, now: datetime | None = None) -> None:
        """Prove the run is alive; on PostgreSQL re-take the advisory lock if the server dropped it.
        Raises the database's error when it cannot be reached (see :meth:`beat`)."""
        now = now or datetime.now(UTC)
        if self.lost:
            return
        if self._pg is not None and not self._advisory_alive():
            self._retake()
            if self.lost:
                return
        with self.engine.begin() as conn:
            held = conn.execute(
                update(models.RunLock)
                .where(models.RunLock.name == self.name, models.RunLock.owner == self.owner)
                .values(heartbeat_at=now)
            ).rowcount
            if not held:
                self._lose(_held_message(_holder(self.engine, self.name)).replace("another", "meanwhile another", 1))
                return
            if self.run_id is not None:
                conn.execute(update(models.CrawlRun).where(models.CrawlRun.id == self.run_id).values(heartbeat_at=now))
        self.last_beat = now

    def beat(self, now: datetime | None = None) -> None:
        """One heartbeat that never raises: a missed beat is retried at the next one, but a run that
        could not prove itself alive for :data:`GIVE_UP_AFTER` gives the lock up."""
        now = now or datetime.now(UTC)
        try:
            self.heartbeat(now)
        except Exception as exc:  # the database is away: retried at the next beat
            since = self.last_beat or now
            if now - since >= GIVE_UP_AFTER:
                self._lose(
                    f"no heartbeat reached the database for {(now - since).total_seconds():.0f}s "
                    f"({type(exc).__name__}); stopping before another run may take the archive's lock"
                )

    def _advisory_alive(self) -> bool:
        assert self._pg is not None
        try:
            self._pg.execute(text("SELECT 1")).scalar()
            self._pg.commit()
        except DBAPIError:
            return False
        return True

    def _retake(self) -> None:
        """The server dropped our advisory session (a restart): take the advisory lock again."""
        old, self._pg = self._pg, None
        if old is not None:
            with contextlib.suppress(Exception):
                old.invalidate()
                old.close()
        conn = self.engine.connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k, hashtext(:n))"), {"k": ADVISORY_KEY, "n": self.name})
        conn.commit()
        if got.scalar():
            self._pg = conn
            logger.warning("the database dropped the archive's advisory lock; %s took it again", self.owner)
            return
        conn.close()
        holder = _holder(self.engine, self.name)
        if holder is None or holder.owner != self.owner:
            self._lose(_held_message(holder).replace("another", "meanwhile another", 1))
        # else: a newcomer holds the advisory lock for a moment and will find our row fresh: retry

    def _lose(self, why: str) -> None:
        if self.lost:
            return
        self.lost = f"lost the archive's lock: {why}"
        logger.error("%s", self.lost)
        if self.on_lost is not None:
            self.on_lost(self.lost)

    def start_heartbeat(self, every: float = HEARTBEAT_EVERY) -> None:
        self.last_beat = self.last_beat or datetime.now(UTC)

        def beat() -> None:
            while not self._stop.wait(every) and not self.lost:
                self.beat()

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
    if current is not None and _dead_local_owner(current.owner):
        # the owner's process is gone: its row is a dead run's. (The advisory lock in hand is not
        # enough: a PostgreSQL restart drops it while its run goes on; a stale row is overwritten below.)
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
    lock.last_beat = now
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
