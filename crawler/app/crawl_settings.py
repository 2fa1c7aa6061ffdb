"""The one place a configuration and the command line's options become Scrapy settings.

``morgue crawl``, ``recheck``, ``worker``, ``demo`` and (through the CLI) ``scrapy crawl
news|recheck`` all build their settings here; :func:`crawler.app.runner.crawl_settings` adds what
belongs to one run (the database, the liveness and address policies, the run's id). Scrapy
components then read only settings, in ``from_crawler``: never the configuration file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler.config import Config


@dataclass(frozen=True, slots=True)
class CrawlOptions:
    """What the command line adds to the configuration for one crawl or re-check."""

    delay: float | None = None  # seconds between requests to a host (None: the config's delay)
    verbose: bool = False  # Scrapy's progress in the log
    quiet: bool = False  # nothing on success (cron): failed fetches are recorded, not logged
    log_file: str | None = None  # append the crawl's log here
    time_limit: float | None = None  # stop gracefully after this many seconds
    progress: bool = False  # the one-line progress display (a terminal is watching)
    warc_dir: str | None = None  # the prepared WARC folder (None: keep no raw captures)


def crawl_overrides(config: Config, options: CrawlOptions) -> dict[str, Any]:
    """The Scrapy settings that ``config`` and ``options`` decide, over :mod:`crawler.settings`."""
    overrides: dict[str, Any] = {"LOG_LEVEL": "INFO" if options.verbose or options.log_file else "WARNING"}
    if options.quiet and not options.log_file:
        overrides["LOG_LEVEL"] = "CRITICAL"  # failed fetches are recorded, not printed; job failures still are
    if options.log_file:
        overrides.update(LOG_FILE=options.log_file, LOG_FILE_APPEND=True)
    delay = config.delay if options.delay is None else options.delay
    if delay is not None:
        # AutoThrottle starts from the configured delay (never below it) and adapts from there:
        # crawler.components.throttle
        overrides.update(DOWNLOAD_DELAY=delay, AUTOTHROTTLE_START_DELAY=delay)
    if config.download_timeout is not None:
        overrides["DOWNLOAD_TIMEOUT"] = config.download_timeout
    # 0: everything in the crawl process (crawler.components.offload, storage.writer)
    if config.processes is not None:
        overrides["MORGUE_PAGE_PROCESSES"] = config.processes
        overrides["MORGUE_WRITER_PROCESS"] = config.processes > 0
    if options.time_limit:
        overrides["CLOSESPIDER_TIMEOUT"] = options.time_limit
    if options.progress and not options.quiet:
        overrides["MORGUE_PROGRESS"] = True
    if options.warc_dir:
        overrides["MORGUE_WARC_DIR"] = options.warc_dir
        if config.warc_max_size:
            overrides["MORGUE_WARC_MAX_SIZE"] = config.warc_max_size
    return overrides
