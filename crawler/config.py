"""Load and validate ``morgue.toml``: the database URL and the sources to crawl.

Every error names the offending key (``sources[1].article_pattern: ...``) so the CLI can
print one line and exit 2. Resolution order for the file: ``--config``, ``$MORGUE_CONFIG``,
``./morgue.toml``; for the database: ``--db``, ``$MORGUE_DATABASE_URL``, the file's
``database_url``, then ``sqlite:///morgue.db``.
"""

from __future__ import annotations

import os
import re
import tomllib
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.core.addresses import AddressPolicy
from crawler.core.lifecycle import Policy

DEFAULT_DATABASE_URL = "sqlite:///morgue.db"
TOP_LEVEL_KEYS = {
    "database_url", "sources", "liveness", "schedule", "warc_dir", "warc_max_size", "delay", "redis_url",
    "download_timeout", "processes",
}  # fmt: skip
SCHEDULE_KEYS = {"timezone", "crawl", "recheck", "verify", "time_limit", "misfire_grace"}
LIVENESS_KEYS = {
    "confirmations",
    "confirm_interval",
    "gone_confirmations",
    "unreachable_after",
    "unreachable_period",
}
DURATION_RE = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
SOURCE_KEYS = {
    "name", "start_urls", "feeds", "sitemaps", "allowed_domains", "article_pattern", "schedule", "overrides",
    "max_articles", "allow_private_addresses",
}  # fmt: skip
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ConfigError(ValueError):
    """The configuration is invalid; the message names the key."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    name: str
    start_urls: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    article_pattern: str | None = None
    schedule: str | None = None  # cron expression: crawl this source on its own timetable
    # per-field extraction selectors, validated: (("title", "css:h1.headline"), ("body", "xpath://..."))
    overrides: tuple[tuple[str, str], ...] = ()
    max_articles: int | None = None  # article requests per crawl at most (None: no limit)
    # connect to private addresses (loopback, RFC 1918, link-local...) that this source's host names resolve to
    allow_private_addresses: bool = False

    @property
    def override_map(self) -> dict[str, str]:
        """``overrides`` as the mapping :func:`crawler.page.extract.extract_article` takes."""
        return dict(self.overrides)

    @property
    def hosts(self) -> tuple[str, ...]:
        """The hosts this source names: its ``allowed_domains`` and the hosts of its own URLs."""
        urls = (*self.start_urls, *self.feeds, *self.sitemaps)
        return tuple(dict.fromkeys((*self.allowed_domains, *(urlsplit(u).hostname or "" for u in urls))))

    def is_article_url(self, url: str) -> bool:
        """True if ``url`` looks like an article of this source (pattern, if any, matches)."""
        return self.article_pattern is None or re.search(self.article_pattern, url) is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule:
    """When ``morgue schedule`` runs what (cron expressions in ``timezone``)."""

    timezone: str = "UTC"
    crawl: str | None = "0 3 * * *"
    recheck: str | None = "30 4 * * *"
    verify: str | None = None  # `morgue verify`, the fixity check (e.g. weekly: "0 5 * * 0"); off by default
    time_limit: timedelta = timedelta(hours=6)  # a run still going after this is stopped
    misfire_grace: timedelta = timedelta(hours=1)  # a run missed by less than this still starts


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    database_url: str | None = None
    sources: tuple[Source, ...] = ()
    liveness: Policy = field(default_factory=Policy)
    schedule: Schedule = field(default_factory=Schedule)
    # WARC files of every response go here. None (not set): beside a SQLite archive (morgue.db ->
    # morgue-warc/), none for PostgreSQL (see warc_folder); "": no WARC files
    warc_dir: str | None = None
    warc_max_size: int | None = None  # bytes per WARC file before the next one (None: 1 GB)
    delay: float | None = None  # seconds between requests to one host (None: 1 s; --delay wins)
    redis_url: str | None = None  # distributed mode (scrapy-redis) when set; MORGUE_REDIS_URL wins
    download_timeout: float | None = None  # seconds before a download is given up (None: 20 s)
    processes: int | None = None  # page processes of a crawl (None: one per core; 0: none, no writer process)
    path: Path | None = None

    def select(self, names: tuple[str, ...] | list[str]) -> tuple[Source, ...]:
        """The sources named (all when ``names`` is empty); unknown names are an error."""
        if not names:
            return self.sources
        known = {s.name: s for s in self.sources}
        missing = [n for n in names if n not in known]
        if missing:
            raise ConfigError(f"--source: unknown source {missing[0]!r} (known: {', '.join(known) or 'none'})")
        return tuple(known[n] for n in names)


@dataclass(slots=True)
class _Reader:
    where: str
    data: dict[str, Any] = field(default_factory=dict)

    def str_list(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{self.where}.{key}: expected a list of strings")
        return tuple(v.strip() for v in value)

    def urls(self, key: str) -> tuple[str, ...]:
        urls = self.str_list(key)
        for i, url in enumerate(urls):
            try:
                parts = urlsplit(url)
                parts.port  # noqa: B018 - raises on a port that is not one
            except ValueError:  # an unclosed IPv6 bracket, a port out of range
                parts = urlsplit("")
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConfigError(f"{self.where}.{key}[{i}]: not an http(s) URL: {url!r}")
        return urls


def parse_config(data: dict[str, Any], *, path: Path | None = None) -> Config:
    """Validate a parsed TOML document into a :class:`Config`."""
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise ConfigError(f"{key}: unknown key (expected one of: {', '.join(sorted(TOP_LEVEL_KEYS))})")
    db = data.get("database_url")
    if db is not None and (not isinstance(db, str) or "://" not in db):
        raise ConfigError("database_url: expected a SQLAlchemy URL string like 'sqlite:///morgue.db'")
    raw_sources = data.get("sources", [])
    if not isinstance(raw_sources, list):
        raise ConfigError("sources: expected an array of tables ([[sources]])")
    sources: list[Source] = []
    for i, raw in enumerate(raw_sources):
        sources.append(_parse_source(raw, f"sources[{i}]"))
    names = [s.name for s in sources]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ConfigError(f"sources[{i}].name: duplicate source name {name!r}")
    return Config(
        database_url=db,
        sources=tuple(sources),
        liveness=_parse_liveness(data.get("liveness", {})),
        schedule=_parse_schedule(data.get("schedule", {})),
        warc_dir=_parse_warc_dir(data.get("warc_dir")),
        warc_max_size=_parse_warc_max_size(data.get("warc_max_size")),
        delay=_parse_delay(data.get("delay")),
        redis_url=_parse_redis_url(data.get("redis_url")),
        download_timeout=_parse_download_timeout(data.get("download_timeout")),
        processes=_parse_processes(data.get("processes")),
        path=path,
    )


def _parse_redis_url(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("redis_url: expected a Redis URL like 'redis://127.0.0.1:6379/0'")
    return value


def _parse_download_timeout(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"download_timeout: expected seconds before a download is given up, > 0 (got {value!r})")
    return float(value)


def _parse_processes(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 256:
        raise ConfigError(f"processes: expected a number of page processes, 0 to 256 (got {value!r})")
    return value


def _parse_delay(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"delay: expected seconds between requests to a host, >= 0 (got {value!r})")
    return float(value)


def _parse_warc_dir(value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"warc_dir: expected a folder path like 'warc', or \"\" for none (got {value!r})")
    return value.strip() if value is not None else None


def default_warc_dir(database_url: str) -> str | None:
    """The WARC folder beside a SQLite archive file (``sqlite:///data/morgue.db`` -> ``data/morgue-warc``);
    None for an in-memory SQLite database and for other databases (a PostgreSQL archive names its
    folder in the config: the database may be on another machine)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(database_url)
    except ArgumentError:
        return None
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return None
    path = Path(database)
    return str(path.with_name(f"{path.stem}-warc"))


def warc_folder(config: Config, database_url: str) -> str | None:
    """Where the raw captures go: the config's ``warc_dir``, else the default beside a SQLite
    archive; None when ``warc_dir = ""`` turns them off or no default applies (PostgreSQL)."""
    if config.warc_dir is not None:
        return config.warc_dir or None
    return default_warc_dir(database_url)


def _parse_warc_max_size(value: Any) -> int | None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
        raise ConfigError(f"warc_max_size: expected a number of bytes >= 1 (got {value!r})")
    return value


def check_cron(expr: Any, where: str, timezone: str = "UTC") -> str:
    """``expr`` if it is a valid 5-field crontab expression, else ConfigError naming ``where``."""
    from crawler.cron import cron_trigger

    if not isinstance(expr, str):
        raise ConfigError(f"{where}: expected a cron expression like '0 3 * * *' (got {expr!r})")
    try:
        cron_trigger(expr, timezone)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"{where}: invalid cron expression {expr!r}: {exc}") from None
    return expr


def _parse_schedule(raw: Any) -> Schedule:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not isinstance(raw, dict):
        raise ConfigError("schedule: expected a table ([schedule])")
    for key in raw:
        if key not in SCHEDULE_KEYS:
            raise ConfigError(f"schedule.{key}: unknown key (expected one of: {', '.join(sorted(SCHEDULE_KEYS))})")
    values: dict[str, Any] = {}
    tz = raw.get("timezone", "UTC")
    try:
        if not isinstance(tz, str):
            raise ValueError(tz)
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"schedule.timezone: unknown time zone {tz!r} (e.g. 'Europe/Paris')") from None
    values["timezone"] = tz
    for key in ("crawl", "recheck", "verify"):
        if key in raw:
            values[key] = None if raw[key] in ("", "off") else check_cron(raw[key], f"schedule.{key}", tz)
    for key in ("time_limit", "misfire_grace"):
        if key in raw:
            values[key] = parse_duration(raw[key], f"schedule.{key}")
    return Schedule(**values)


def parse_duration(value: str, where: str) -> timedelta:
    """``"72h"``, ``"3d"``, ``"1d12h"``, ``"30m"``, ``"0s"`` -> timedelta."""
    m = DURATION_RE.match(value.strip()) if isinstance(value, str) else None
    if not m or not value.strip():
        raise ConfigError(f"{where}: expected a duration like '72h', '3d', '30m' or '0s' (got {value!r})")
    w, d, h, mi, se = (int(x or 0) for x in m.groups())
    try:
        return timedelta(weeks=w, days=d, hours=h, minutes=mi, seconds=se)
    except OverflowError:
        raise ConfigError(f"{where}: duration too long (got {value!r})") from None


def _parse_liveness(raw: Any) -> Policy:
    if not isinstance(raw, dict):
        raise ConfigError("liveness: expected a table ([liveness])")
    for key in raw:
        if key not in LIVENESS_KEYS:
            raise ConfigError(f"liveness.{key}: unknown key (expected one of: {', '.join(sorted(LIVENESS_KEYS))})")
    values: dict[str, Any] = {}
    for key in ("confirmations", "gone_confirmations", "unreachable_after"):
        if key in raw:
            if not isinstance(raw[key], int) or isinstance(raw[key], bool) or raw[key] < 1:
                raise ConfigError(f"liveness.{key}: expected a whole number >= 1 (got {raw[key]!r})")
            values[key] = raw[key]
    for key in ("confirm_interval", "unreachable_period"):
        if key in raw:
            values[key] = parse_duration(raw[key], f"liveness.{key}")
    return Policy(**values)


def _parse_source(raw: Any, where: str) -> Source:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table")
    for key in raw:
        if key not in SOURCE_KEYS:
            raise ConfigError(f"{where}.{key}: unknown key (expected one of: {', '.join(sorted(SOURCE_KEYS))})")
    name = raw.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ConfigError(f"{where}.name: required; letters, digits, '.', '_' or '-' (got {name!r})")
    where = f"sources[{name}]"
    r = _Reader(where, raw)
    start_urls, feeds, sitemaps = r.urls("start_urls"), r.urls("feeds"), r.urls("sitemaps")
    if not (start_urls or feeds or sitemaps):
        raise ConfigError(f"{where}: needs at least one of start_urls, feeds, sitemaps")
    domains = tuple(d.lower().lstrip(".") for d in r.str_list("allowed_domains"))
    if not domains:
        domains = tuple(sorted({urlsplit(u).hostname or "" for u in start_urls + feeds + sitemaps}))
    pattern = raw.get("article_pattern")
    if pattern is not None:
        if not isinstance(pattern, str):
            raise ConfigError(f"{where}.article_pattern: expected a string")
        try:
            with warnings.catch_warnings():  # Python's FutureWarnings on odd sets ("possible set difference"): no noise
                warnings.simplefilter("ignore")
                re.compile(pattern)  # and cached: matching URLs later compiles it no more
        except (re.error, OverflowError, RecursionError) as exc:  # a repeat count or a nesting too large
            raise ConfigError(f"{where}.article_pattern: invalid regex: {exc}") from None
    schedule = raw.get("schedule")
    if schedule is not None:
        check_cron(schedule, f"{where}.schedule")
    overrides = raw.get("overrides", {})
    if not isinstance(overrides, dict):
        raise ConfigError(f'{where}.overrides: expected a table of field = "selector" (title = "css:h1.headline")')
    if overrides:  # compiled once here so that a typo fails at load time, naming the field
        from crawler.page.extract import OverrideError, compile_overrides  # lazy: lxml, trafilatura

        for key, value in overrides.items():
            if not isinstance(value, str):
                raise ConfigError(f"{where}.overrides.{key}: expected a selector string (got {value!r})")
            try:
                compile_overrides({key: value})
            except OverrideError as exc:
                raise ConfigError(f"{where}.overrides.{key}: {exc.reason}") from None
    max_articles = raw.get("max_articles")
    if max_articles is not None and (not isinstance(max_articles, int) or isinstance(max_articles, bool)
                                     or max_articles < 1):
        raise ConfigError(f"{where}.max_articles: expected a whole number >= 1 (got {max_articles!r})")
    allow_private = raw.get("allow_private_addresses", False)
    if not isinstance(allow_private, bool):
        raise ConfigError(f"{where}.allow_private_addresses: expected true or false (got {allow_private!r})")
    return Source(
        name=name,
        schedule=schedule,
        start_urls=start_urls,
        feeds=feeds,
        sitemaps=sitemaps,
        allowed_domains=domains,
        article_pattern=pattern,
        overrides=tuple((key, value.strip()) for key, value in overrides.items()),
        max_articles=max_articles,
        allow_private_addresses=allow_private,
    )


def address_policy(sources: tuple[Source, ...] | list[Source]) -> AddressPolicy:
    """What private addresses ``sources`` allow (:mod:`crawler.core.addresses`)."""
    return AddressPolicy.of((s.hosts, s.allow_private_addresses) for s in sources)


def load_config(path: str | Path | None = None, *, env: dict[str, str] | None = None) -> Config:
    """Load the config from ``path``, ``$MORGUE_CONFIG`` or ``./morgue.toml`` (empty if none)."""
    env = os.environ if env is None else env
    explicit = path or env.get("MORGUE_CONFIG")
    p = Path(explicit) if explicit else Path("morgue.toml")
    if not p.exists():
        if explicit:
            raise ConfigError(f"--config: file not found: {p}")
        return Config()
    try:
        data = tomllib.loads(p.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p}: cannot read: {exc}") from None
    return parse_config(data, path=p)


def resolve_database_url(cli_value: str | None, config: Config, *, env: dict[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    return cli_value or env.get("MORGUE_DATABASE_URL") or config.database_url or DEFAULT_DATABASE_URL
