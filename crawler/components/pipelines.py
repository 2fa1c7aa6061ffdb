"""ArchivePipeline: store every FetchResult (and Probe) in the archive.

Settings: ``MORGUE_DATABASE_URL`` (required; ``morgue crawl`` sets it, ``scrapy crawl``
falls back to the config and environment), ``MORGUE_RUN_ID`` (the crawl_runs row to count
into, optional) and ``MORGUE_WRITE_BATCH`` (items per transaction at most, default 64; 1
writes each item in its own transaction), ``MORGUE_WRITER_PROCESS`` (write from a process
of its own; default: when the machine has more than one core), ``MORGUE_OFFLOAD_AFTER`` and
``MORGUE_OFFLOAD_BUSY`` (that process starts once 48 items are written and writing keeps the
thread busy half the time: :class:`crawler.core.processes.BusyMeter`). The schema
must already be at head (``morgue init``): the pipeline fails loudly rather than write into
an unknown schema.

Items are written by one background thread (:class:`storage.writer.BackgroundWriter`), in
batches of whatever has queued up while it wrote the previous batch, one transaction per
batch; ``process_item`` resolves once its item is committed. The thread hands the batches
to a writer process (:class:`storage.writer.ProcessWriter`) once the crawl is past its first
items, so that the ORM work does not compete with Scrapy for the crawl process's GIL. When the database goes away,
the batch is retried once and the crawl is then closed with reason ``database_error``:
nothing half-written stays behind, since each batch is one transaction.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

from scrapy.utils.defer import deferred_from_coro

from crawler.core.items import FetchResult, Probe
from crawler.core.lifecycle import Policy
from crawler.core.processes import OFFLOAD_AFTER, OFFLOAD_BUSY, cores
from storage.archive import Outcome
from storage.db import check_schema, explain, make_engine, make_sessionmaker
from storage.writer import MAX_BATCH, ArchiveWriter, BackgroundWriter, ProcessWriter, WriteError

logger = logging.getLogger(__name__)


class ArchivePipeline:
    def __init__(
        self,
        database_url: str,
        run_id: int | None = None,
        crawler: Any = None,
        policy: Policy | None = None,
        max_batch: int = MAX_BATCH,
        writer_process: bool = False,
        offload_after: int = OFFLOAD_AFTER,
        offload_busy: float = OFFLOAD_BUSY,
    ) -> None:
        self.database_url = database_url
        self.run_id = run_id
        self.policy = policy or Policy()
        self.crawler = crawler
        self.max_batch = max_batch
        self.writer_process = writer_process
        self.offload_after = offload_after
        self.offload_busy = offload_busy
        self.engine: Any = None
        self.writer: BackgroundWriter | None = None
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        settings = crawler.settings
        url = settings.get("MORGUE_DATABASE_URL")
        if not url:  # set by crawler.app.runner from the configuration, which components never read
            raise ValueError("MORGUE_DATABASE_URL is not set: run the crawl with `morgue crawl`")
        policy = settings.get("MORGUE_POLICY") or Policy()
        run_id = settings.getint("MORGUE_RUN_ID") or None
        process = settings.get("MORGUE_WRITER_PROCESS")
        return cls(
            url,
            run_id,
            crawler,
            policy,
            max_batch=settings.getint("MORGUE_WRITE_BATCH", MAX_BATCH),
            writer_process=cores() > 1 if process in (None, "") else settings.getbool("MORGUE_WRITER_PROCESS"),
            offload_after=settings.getint("MORGUE_OFFLOAD_AFTER", OFFLOAD_AFTER),
            offload_busy=settings.getfloat("MORGUE_OFFLOAD_BUSY", OFFLOAD_BUSY),
        )

    def open_spider(self) -> None:
        self.engine = make_engine(self.database_url)
        check_schema(self.engine)
        writer = ArchiveWriter(
            make_sessionmaker(self.engine), run_id=self.run_id, policy=self.policy, on_conflict=self._on_conflict
        )
        spawn = None
        if self.writer_process:
            spawn = functools.partial(ProcessWriter, self.database_url, run_id=self.run_id, policy=self.policy)
        self.writer = BackgroundWriter(
            writer, max_batch=self.max_batch, spawn=spawn, spawn_after=self.offload_after, busy=self.offload_busy
        )

    def close_spider(self) -> None:
        if self.writer is not None:
            self.writer.close()
            if self.crawler is not None:
                stats = self.crawler.stats
                stats.set_value("morgue/write_batches", self.writer.batches)
                stats.set_value("morgue/writer_process", self.writer.remote is not None)
                if self.writer.conflicts:
                    stats.inc_value("morgue/write_conflicts", self.writer.conflicts)
        if self.engine is not None:
            self.engine.dispose()

    def _on_conflict(self) -> None:
        if self.crawler is not None:
            self.crawler.stats.inc_value("morgue/write_conflicts")

    def _count(self, outcome: Outcome, item: FetchResult) -> None:
        """Counters for the progress line (the run row has the same, in the database)."""
        if self.crawler is None:
            return
        stats = self.crawler.stats
        stats.inc_value("morgue/pages")
        if outcome is Outcome.NEW:
            stats.inc_value("morgue/articles_new")
        elif outcome is Outcome.DEAD:
            stats.inc_value("morgue/dead")
        if item.error is not None:
            stats.inc_value("morgue/errors")

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchResult | Probe) or self.failed or self.writer is None:
            return item
        try:
            outcome = await asyncio.wrap_future(self.writer.submit(item))
        except WriteError as exc:
            if not self.failed:
                cause = exc.__cause__ or exc
                logger.error("database error on %s, stopping the crawl: %s", item.url, explain(cause))
                self.failed = True
                if self.crawler is not None:
                    self.crawler.stats.set_value("morgue/database_error", explain(cause)[:500])
                    deferred_from_coro(self.crawler.engine.close_spider_async(reason="database_error"))
            raise
        if isinstance(item, FetchResult):
            self._count(outcome, item)
        return item
