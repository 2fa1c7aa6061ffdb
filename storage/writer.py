"""Write crawl results to the archive in batches, from a thread of their own.

:class:`ArchiveWriter` stores a list of items (:class:`~crawler.core.items.FetchResult` or
:class:`~crawler.core.items.Probe`) in **one transaction**: all of them or none. Storing costs
milliseconds of ORM work per page plus a commit (an fsync on PostgreSQL); one commit per batch
instead of per page is most of what batching wins.

- A unique-constraint violation (two distributed workers creating the same article, URL or
  source at once) rolls the batch back; each item is then written again in its own
  transaction, which finds the winner's row (retried once more if it races again).
- A lost connection (or "database is locked") rolls the batch back and retries it once after
  :data:`RETRY_DELAY` seconds; a second failure raises :class:`WriteError`: nothing of that
  batch is in the database.

:class:`BackgroundWriter` runs an ``ArchiveWriter`` in one thread: ``submit(item)`` returns a
future that resolves once the item is committed (its :class:`~storage.archive.Outcome`), so the
Scrapy pipeline awaits it and Scrapy keeps its usual backpressure. The thread writes whatever
is waiting when it is free (up to ``max_batch`` items): one item at a time when the crawl is
slow, large batches when it is fast. Meanwhile the reactor thread goes on downloading.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from crawler.core.items import FetchResult, Probe
from crawler.core.lifecycle import Policy
from crawler.core.processes import BusyMeter, ignore_stop_signals, pool
from storage.archive import Outcome, count_outcomes, record_fetch, save_probe

logger = logging.getLogger(__name__)

RETRY_DELAY = 1.0  # seconds before a batch that lost its connection is tried again
MAX_BATCH = 64

Item = FetchResult | Probe


class WriteError(RuntimeError):
    """A batch could not be written (the database went away and stayed away); its cause is ``__cause__``."""


class ArchiveWriter:
    def __init__(
        self,
        Session: Any,  # noqa: N803 - a sessionmaker
        *,
        run_id: int | None = None,
        policy: Policy | None = None,
        on_conflict: Callable[[], None] | None = None,
    ) -> None:
        self.Session = Session
        self.run_id = run_id
        self.policy = policy or Policy()
        self.on_conflict = on_conflict  # called on each unique-constraint race (for a stat)

    def _transaction(self, items: list[Item]) -> list[Outcome]:
        outcomes = []
        counted: list[tuple[Outcome, bool]] = []
        with self.Session.begin() as session:
            for item in items:
                if isinstance(item, Probe):
                    save_probe(session, item)
                    outcomes.append(Outcome.OTHER)
                    continue
                outcome = record_fetch(session, item, run_id=self.run_id, policy=self.policy)
                counted.append((outcome, item.error is not None))
                outcomes.append(outcome)
            if self.run_id is not None:  # last, so that concurrent writers hold the run's row briefly
                count_outcomes(session, self.run_id, counted)
        return outcomes

    def write(self, items: list[Item]) -> list[Outcome]:
        """Store ``items`` (one transaction when nothing races); their outcomes, in order."""
        for attempt in (1, 2):
            try:
                return self._transaction(items)
            except IntegrityError as exc:
                # a concurrent writer (another worker) created the same source, article or URL first: the
                # whole transaction was rolled back; written again one by one, each finds that row
                logger.info("write conflict (%s), writing the %d items one by one", exc.orig, len(items))
                if self.on_conflict is not None:
                    self.on_conflict()
                if len(items) > 1:
                    return [out for item in items for out in self.write([item])]
                if attempt == 1:
                    continue
                raise WriteError(f"write conflict on {items[0].url} twice") from exc
            except (OperationalError, DBAPIError) as exc:
                if attempt == 1 and getattr(exc, "connection_invalidated", True):
                    logger.warning("database error, retrying %d items once: %s", len(items), exc.orig)
                    time.sleep(RETRY_DELAY)
                    continue
                raise WriteError(f"cannot write {len(items)} items") from exc
        raise AssertionError("unreachable")


class ProcessWriter:
    """An :class:`ArchiveWriter` in a process of its own (its own connection): ``write`` sends a batch there
    and waits for its outcomes, so the ORM work of storing runs outside the crawl process and its GIL.

    Its exceptions are :class:`WriteError` with the database's message (the original exception stays in
    that process). If the process dies mid-batch, whether that batch was committed is unknown: the error
    says so, and the crawl stops rather than risk writing it twice."""

    def __init__(self, database_url: str, *, run_id: int | None = None, policy: Policy | None = None) -> None:
        self.executor = pool(1, _open_remote, (database_url, run_id, policy or Policy()))
        self.conflicts = 0
        try:  # start the process now: a failure to start is the caller's to handle, not a failed batch's
            self.executor.submit(int).result(timeout=120)
        except BaseException:
            self.executor.shutdown(wait=False, cancel_futures=True)
            raise

    def write(self, items: list[Item]) -> list[Outcome]:
        try:
            outcomes, conflicts = self.executor.submit(_remote_write, items).result()
        except BrokenProcessPool as exc:
            raise WriteError(f"the writer process died while writing {len(items)} items: {exc}") from None
        self.conflicts += conflicts
        return outcomes

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


_REMOTE: dict[str, Any] = {}  # in a writer process: its ArchiveWriter and conflict counter


def _open_remote(database_url: str, run_id: int | None, policy: Policy) -> None:
    ignore_stop_signals()
    from storage.db import make_engine, make_sessionmaker

    _REMOTE["conflicts"] = 0

    def conflict() -> None:
        _REMOTE["conflicts"] += 1

    _REMOTE["writer"] = ArchiveWriter(
        make_sessionmaker(make_engine(database_url)), run_id=run_id, policy=policy, on_conflict=conflict
    )


def _remote_write(items: list[Item]) -> tuple[list[Outcome], int]:
    from storage.db import explain

    _REMOTE["conflicts"] = 0
    try:
        return _REMOTE["writer"].write(items), _REMOTE["conflicts"]
    except WriteError as exc:
        raise WriteError(f"{exc}: {explain(exc.__cause__ or exc)}") from None


_STOP = object()


class BackgroundWriter:
    """An :class:`ArchiveWriter` in a thread of its own; ``submit`` never blocks.

    ``spawn``: makes a :class:`ProcessWriter`, which takes over once ``spawn_after`` items have been
    written here (a small crawl never pays for starting a process) and writing kept this thread busy
    at least ``busy`` of the time over its last batches (a polite crawl never does); if it cannot
    start, writing goes on here."""

    def __init__(
        self,
        writer: ArchiveWriter,
        *,
        max_batch: int = MAX_BATCH,
        spawn: Callable[[], ProcessWriter] | None = None,
        spawn_after: int = 0,
        busy: float = 0.0,
    ) -> None:
        self.writer = writer
        self.spawn = spawn
        self.spawn_after = spawn_after
        self.busy = busy
        self.meter = BusyMeter(window=16)
        self.remote: ProcessWriter | None = None
        self.written = 0
        self.max_batch = max(1, max_batch)
        self.queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.batches = 0
        self.error: BaseException | None = None  # once a batch failed, later items fail at once with it
        self.thread = threading.Thread(target=self._run, name="morgue-writer", daemon=True)
        self.thread.start()

    def submit(self, item: Item) -> Future[Outcome]:
        future: Future[Outcome] = Future()
        self.queue.put((item, future))
        return future

    def _take(self) -> tuple[list[tuple[Item, Future[Outcome]]], bool]:
        """The next batch: wait for one item, then take what is already waiting; and whether to stop."""
        first = self.queue.get()
        if first is _STOP:
            return [], True
        batch = [first]
        while len(batch) < self.max_batch:
            try:
                entry = self.queue.get_nowait()
            except queue.Empty:
                break
            if entry is _STOP:
                return batch, True
            batch.append(entry)
        return batch, False

    def _run(self) -> None:
        stop = False
        while not stop:
            batch, stop = self._take()
            if not batch:
                continue
            live = [(item, future) for item, future in batch if future.set_running_or_notify_cancel()]
            try:
                if self.error is not None:
                    raise self.error
                self._write(live)
            except BaseException as exc:  # the database is away (WriteError): this and every later item fail
                self.error = exc
                for _, future in live:
                    if not future.done():
                        future.set_exception(exc)

    def _write(self, live: list[tuple[Item, Future[Outcome]]]) -> None:
        """Write one batch and resolve its futures. An item the archive refuses for another reason than
        the database (a bug, a value no check caught) fails alone: the batch was rolled back, and its
        items are written again one by one."""
        try:
            outcomes = self.meter.measure(self._writer().write, [item for item, _ in live])
        except WriteError:
            raise
        except Exception as exc:
            if len(live) == 1:
                logger.error("cannot store %s: %r", live[0][0].url, exc)
                live[0][1].set_exception(exc)
                return
            for entry in live:
                self._write([entry])
            return
        self.batches += 1
        self.written += len(live)
        for (_, future), outcome in zip(live, outcomes, strict=True):
            future.set_result(outcome)

    def _writer(self) -> ArchiveWriter | ProcessWriter:
        if (
            self.remote is None
            and self.spawn is not None
            and self.written >= self.spawn_after
            and self.meter.busy(self.busy)
        ):
            spawn, self.spawn = self.spawn, None  # one attempt
            try:
                self.remote = spawn()
                logger.info("writing to the archive from a writer process")
            except Exception as exc:  # no process to be had (limits, no semaphores): write here
                logger.warning("cannot start a writer process, writing in the crawl process: %s", exc)
        return self.remote or self.writer

    @property
    def conflicts(self) -> int:
        """Write conflicts met in the writer process (those met here are reported by ``on_conflict``)."""
        return self.remote.conflicts if self.remote is not None else 0

    def close(self) -> None:
        """Write what is queued, then stop the thread (and the writer process)."""
        self.queue.put(_STOP)
        self.thread.join()
        if self.remote is not None:
            self.remote.close()
