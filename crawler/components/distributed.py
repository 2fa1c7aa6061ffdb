"""Distributed crawls: one Redis request queue, any number of ``morgue worker`` processes.

With ``MORGUE_REDIS_URL`` (or ``redis_url`` in morgue.toml) set, crawls use scrapy-redis: its
scheduler keeps the request queue in Redis (a sorted set, by priority), shared by every worker
on every machine; each worker writes what it fetches into the one archive database (PostgreSQL;
article rows stay unique under concurrent writers, see :mod:`crawler.components.pipelines`).

Redis keys, under a prefix (``MORGUE_REDIS_PREFIX``, default ``morgue``):

- ``<prefix>:requests``: the request queue (scrapy-redis ``PriorityQueue``);
- ``<prefix>:dupefilter``: scrapy-redis' request fingerprints (morgue's requests set
  ``dont_filter``, so it stays small);
- ``<prefix>:seen``: canonical URLs already requested in this round (``SADD``, see
  :class:`crawler.spiders.worker.WorkerSpider`).

:func:`enqueue` starts a round: it clears ``seen`` and the dupefilter, then pushes the seed
requests (sitemaps, feeds, start pages) of the sources. It takes no lock; workers record runs
of kind ``worker`` without the archive's exclusive lock.

scrapy-redis is an optional dependency: ``pip install 'morgue[distributed]'``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from crawler.config import Config

INSTALL_HINT = "pip install 'morgue[distributed]'"
DEFAULT_PREFIX = "morgue"


class DistributedError(RuntimeError):
    """Distributed mode cannot run: scrapy-redis missing, no Redis URL, Redis unreachable."""


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str = DEFAULT_PREFIX

    @property
    def requests(self) -> str:
        return f"{self.prefix}:requests"

    @property
    def dupefilter(self) -> str:
        return f"{self.prefix}:dupefilter"

    @property
    def seen(self) -> str:
        return f"{self.prefix}:seen"


def redis_url(config: Config, *, env: dict[str, str] | None = None) -> str | None:
    """The Redis URL: ``MORGUE_REDIS_URL``, else ``redis_url`` of the config, else None (not distributed)."""
    env = os.environ if env is None else env
    return env.get("MORGUE_REDIS_URL") or getattr(config, "redis_url", None) or None


def redis_prefix(*, env: dict[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return env.get("MORGUE_REDIS_PREFIX") or DEFAULT_PREFIX


def require_scrapy_redis() -> None:
    try:
        import scrapy_redis  # noqa: F401
    except ImportError:
        raise DistributedError(f"distributed mode needs scrapy-redis: {INSTALL_HINT}") from None


def connect(url: str | None) -> Any:
    """A Redis client for ``url``; raises :class:`DistributedError` when unreachable."""
    require_scrapy_redis()
    if not url:
        raise DistributedError("no Redis URL: set MORGUE_REDIS_URL or redis_url in morgue.toml")
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5)
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise DistributedError(f"Redis at {url}: {exc}") from None
    return client


def scrapy_settings(url: str, keys: Keys, idle_timeout: float) -> dict[str, Any]:
    """Scrapy settings for a worker: scrapy-redis' scheduler and dupefilter on ``keys``."""
    require_scrapy_redis()
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_DUPEFILTER_KEY": keys.dupefilter,
        "SCHEDULER_PERSIST": True,  # a worker that stops leaves the queue to the others
        "SCHEDULER_FLUSH_ON_START": False,
        "REDIS_URL": url,
        "MORGUE_REDIS_PREFIX": keys.prefix,
        "MORGUE_IDLE_TIMEOUT": idle_timeout,
    }
