"""ArchivePipeline: store every FetchResult in the archive, one transaction per item.

Settings: ``MORGUE_DATABASE_URL`` (required; ``morgue crawl`` sets it, ``scrapy crawl``
falls back to the config and environment) and ``MORGUE_RUN_ID`` (the crawl_runs row to
count into, optional). The schema must already be at head (``morgue init``): the
pipeline fails loudly rather than write into an unknown schema. When the database goes
away, the item is retried once and the crawl is then closed with reason
``database_error``: nothing half-written stays behind, since each item is one transaction.
A unique-constraint violation (two distributed workers creating the same article, URL or
source at once) rolls the transaction back and retries it once, which then finds the row.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy.utils.defer import deferred_from_coro
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from crawler.config import load_config, resolve_database_url
from crawler.items import FetchResult, Probe
from crawler.lifecycle import Policy
from storage.archive import Outcome, count_outcome, record_fetch, save_probe
from storage.db import check_schema, explain, make_engine, make_sessionmaker

logger = logging.getLogger(__name__)


class ArchivePipeline:
    def __init__(
        self, database_url: str, run_id: int | None = None, crawler: Any = None, policy: Policy | None = None
    ) -> None:
        self.database_url = database_url
        self.run_id = run_id
        self.policy = policy or Policy()
        self.crawler = crawler
        self.engine: Any = None
        self.Session: Any = None
        self.failed = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchivePipeline:
        settings = crawler.settings
        url = settings.get("MORGUE_DATABASE_URL")
        policy = settings.get("MORGUE_POLICY")
        if not url or policy is None:
            config = load_config(settings.get("MORGUE_CONFIG") or None)
            url = url or resolve_database_url(None, config)
            policy = policy or config.liveness
        run_id = settings.getint("MORGUE_RUN_ID") or None
        return cls(url, run_id, crawler, policy)

    def open_spider(self) -> None:
        self.engine = make_engine(self.database_url)
        check_schema(self.engine)
        self.Session = make_sessionmaker(self.engine)

    def close_spider(self) -> None:
        if self.engine is not None:
            self.engine.dispose()

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

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, FetchResult | Probe) or self.failed:
            return item
        for attempt in (1, 2):
            try:
                with self.Session.begin() as session:
                    if isinstance(item, Probe):
                        save_probe(session, item)
                        return item
                    outcome = record_fetch(session, item, run_id=self.run_id, policy=self.policy)
                    if self.run_id is not None:
                        count_outcome(session, self.run_id, outcome, error=item.error is not None)
                self._count(outcome, item)
                return item
            except (OperationalError, DBAPIError) as exc:
                if attempt == 1 and isinstance(exc, IntegrityError):
                    # a concurrent writer (another worker) created the same source, article or URL
                    # first: the whole transaction was rolled back, and the retry finds that row
                    logger.info("write conflict on %s, retrying once: %s", item.url, exc.orig)
                    if self.crawler is not None:
                        self.crawler.stats.inc_value("morgue/write_conflicts")
                    continue
                if attempt == 1 and getattr(exc, "connection_invalidated", True):
                    logger.warning("database error on %s, retrying once: %s", item.url, exc.orig)
                    time.sleep(1.0)
                    continue
                logger.error("database error on %s, stopping the crawl: %s", item.url, exc.orig)
                self.failed = True
                if self.crawler is not None:
                    self.crawler.stats.set_value("morgue/database_error", explain(exc)[:500])
                    deferred_from_coro(self.crawler.engine.close_spider_async(reason="database_error"))
                raise
        return item
