"""Scrapy settings for morgue (``scrapy crawl news`` reads them through scrapy.cfg).

Politeness: robots.txt obeyed, AutoThrottle on, an identifying User-Agent, bounded
timeouts and sizes. ``HTTPERROR_ALLOW_ALL`` lets 4xx/5xx reach the callbacks (where
liveness classifies them) while redirects keep working. morgue's own settings:

- ``MORGUE_DATABASE_URL``: where the archive pipeline writes; ``MORGUE_POLICY``: the liveness
  policy (both set by ``crawler.app.runner`` from the configuration, which components never read).
- ``MORGUE_RUN_ID``: the crawl_runs row this crawl counts into (set by ``morgue crawl``).
- ``MORGUE_WARC_DIR`` / ``MORGUE_WARC_MAX_SIZE``: WARC output of every response (off when unset),
  rotated at this many bytes (:mod:`crawler.components.warc`).
- ``MORGUE_PAGE_PROCESSES``: processes that classify and extract pages (default: one per core when
  there are several; 0: none), ``MORGUE_WRITER_PROCESS``: store from a process of its own (default:
  when there are several cores), ``MORGUE_OFFLOAD_AFTER`` / ``MORGUE_OFFLOAD_BUSY``: either starts
  once this many pages were handled in the crawl process and that work kept it busy this share of the
  time (default 48 and 0.5; also from the environment variables), ``MORGUE_WRITE_BATCH``: items per
  transaction at most (default 64). See :mod:`crawler.components.offload` and :mod:`storage.writer`.
- ``MORGUE_HOSTS``: host name -> IP address or "nxdomain", like curl's --resolve; from the
  environment variable of the same name (JSON), e.g. ``{"news.example": "127.0.0.1"}``.
- ``MORGUE_ADDRESS_POLICY``: the private addresses the configuration allows
  (:class:`crawler.core.addresses.AddressPolicy`, set by ``crawler.app.runner`` from the sources; none
  when unset), enforced by the resolver and :mod:`crawler.components.addresses`.
- ``MORGUE_ROBOTS_RETRY``: seconds a host whose robots.txt answered 5xx (or nothing) stays disallowed
  before robots.txt is asked again (:mod:`crawler.components.robots`; default 300, also from the
  environment variable).
"""

import json
import os

BOT_NAME = "morgue"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
# `scrapy crawl news|recheck` runs `morgue crawl|recheck` (crawler.app.scrapy_commands.crawl)
COMMANDS_MODULE = "crawler.app.scrapy_commands"

USER_AGENT = "morgue/0.1 (news archiver; +https://pypi.org/project/morgue/)"
ROBOTSTXT_OBEY = True

CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0

DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
RETRY_ENABLED = True
RETRY_TIMES = 1
HTTPERROR_ALLOW_ALL = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
DNS_TIMEOUT = 10

ITEM_PIPELINES = {"crawler.components.pipelines.ArchivePipeline": 300}
# the address policy and the scope first (before robots.txt is fetched for a redirect's host); robots.txt as
# RFC 9309 says (a 5xx is "disallow", not "allow"); the WARC writer next to the downloader sees every response
# as sent (before redirects, before decompression); crawler.components.guards explains the others
DOWNLOADER_MIDDLEWARES = {
    "crawler.components.addresses.AddressMiddleware": 40,
    "crawler.components.guards.ScopeMiddleware": 50,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.components.robots.RobotsMiddleware": 100,
    "crawler.components.addresses.ResolverRefusalMiddleware": 560,  # before the retry middleware (550) sees it
    "crawler.components.guards.SizeLimitMiddleware": 900,
    "crawler.components.warc.WarcMiddleware": 950,
}
MORGUE_WARC_DIR = None  # WARC files are written here when set (the CLI: --warc-dir, warc_dir, or beside SQLite)
MORGUE_WARC_MAX_SIZE = 1024**3  # bytes per WARC file before starting the next one
# AutoThrottle, except that a 304 may lower the delay as a 200 does (crawler.components.throttle explains why)
EXTENSIONS = {
    "crawler.components.progress.ProgressLine": 500,
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.components.throttle.Throttle": 0,
}
MORGUE_PROGRESS = False

LOG_LEVEL = "INFO"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

TWISTED_DNS_RESOLVER = "crawler.components.dns.MorgueResolver"
MORGUE_HOSTS = json.loads(os.environ.get("MORGUE_HOSTS") or "{}")
MORGUE_ADDRESS_POLICY = None  # no private address allowed unless the runner sets the sources' policy
MORGUE_ROBOTS_RETRY = float(os.environ.get("MORGUE_ROBOTS_RETRY") or 300)
MORGUE_OFFLOAD_AFTER = int(os.environ.get("MORGUE_OFFLOAD_AFTER") or 48)
MORGUE_OFFLOAD_BUSY = float(os.environ.get("MORGUE_OFFLOAD_BUSY") or 0.5)
