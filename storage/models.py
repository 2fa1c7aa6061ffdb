"""SQLAlchemy 2 models of the archive. The schema itself comes only from Alembic migrations.

Tables: ``sources``; ``articles`` (one per canonical URL, with its liveness state);
``article_urls`` (every URL variant that led to an article); ``article_versions`` (a row
per distinct normalised content); ``fetches`` (every attempt, dead or alive);
``crawl_runs``. All datetimes are aware UTC (stored naive UTC through :class:`TZDateTime`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ARTICLE_STATUSES = ("alive", "suspect", "removed", "unreachable", "blocked")


class TZDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every backend (SQLite drops tzinfo)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to an aware UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: TZDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]

    def __repr__(self) -> str:
        return f"Source(id={self.id}, name={self.name!r})"


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # crawl | recheck | demo
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    command: Mapped[str | None] = mapped_column(Text)
    pages_fetched: Mapped[int] = mapped_column(Integer, default=0)
    articles_new: Mapped[int] = mapped_column(Integer, default=0)
    articles_updated: Mapped[int] = mapped_column(Integer, default=0)
    dead_found: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(255))  # machine and process that ran it
    pid: Mapped[int | None] = mapped_column(Integer)
    heartbeat_at: Mapped[datetime | None]  # refreshed while it runs; a stale one was killed

    def __repr__(self) -> str:
        return f"CrawlRun(id={self.id}, kind={self.kind!r}, status={self.status!r})"


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), index=True)
    canonical_url: Mapped[str] = mapped_column(String(2048), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="alive", index=True)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]  # last alive observation
    last_checked_at: Mapped[datetime]  # last observation of any kind
    removed_at: Mapped[datetime | None]
    removal_reason: Mapped[str | None] = mapped_column(String(32))
    last_verdict: Mapped[str] = mapped_column(String(32))
    # the removal state machine (crawler.core.lifecycle.UrlState)
    streak: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_counted_at: Mapped[datetime | None]
    suspect_since: Mapped[datetime | None]
    transient_streak: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    transient_since: Mapped[datetime | None]
    next_check_at: Mapped[datetime | None] = mapped_column(index=True)
    # validators of the latest alive response, for conditional re-checks
    etag: Mapped[str | None] = mapped_column(String(255))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    # how the page restricted the article when last seen: free | metered | subscription | registration
    access: Mapped[str | None] = mapped_column(String(16), index=True)

    source: Mapped[Source] = relationship()
    versions: Mapped[list[ArticleVersion]] = relationship(back_populates="article", order_by="ArticleVersion.number")
    urls: Mapped[list[ArticleUrl]] = relationship(back_populates="article")

    def __repr__(self) -> str:
        return f"Article(id={self.id}, canonical_url={self.canonical_url!r}, status={self.status!r})"


class ArticleUrl(Base):
    """A canonicalised URL (requested, final, rel=canonical) that leads to an article."""

    __tablename__ = "article_urls"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)

    article: Mapped[Article] = relationship(back_populates="urls")


class ArticleVersion(Base):
    """One distinct normalised content of an article; a new row only when the hash changes."""

    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per article
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    url: Mapped[str] = mapped_column(String(2048))  # final URL of the fetch that produced it
    title: Mapped[str | None] = mapped_column(Text)
    lead: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    authors: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"name", "name_raw"}]
    images: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"url", "caption", "credit"}]
    published_at: Mapped[datetime | None]
    published_raw: Mapped[str | None] = mapped_column(Text)
    published_source: Mapped[str | None] = mapped_column(String(16))
    modified_at: Mapped[datetime | None]
    modified_raw: Mapped[str | None] = mapped_column(Text)
    modified_source: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8))
    site_name: Mapped[str | None] = mapped_column(Text)
    is_paywalled: Mapped[bool | None] = mapped_column(Boolean)  # the body is cut by a wall
    access: Mapped[str | None] = mapped_column(String(16))
    access_evidence: Mapped[list[Any] | None] = mapped_column(JSON, default=list)
    body_complete: Mapped[bool | None] = mapped_column(Boolean)
    alternative_titles: Mapped[list[Any] | None] = mapped_column(JSON, default=list)
    # the WARC response record of the fetch that produced this version (file name in warc_dir)
    warc_file: Mapped[str | None] = mapped_column(String(255))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_length: Mapped[int | None] = mapped_column(BigInteger)

    article: Mapped[Article] = relationship(back_populates="versions")


class Fetch(Base):
    """Every fetch attempt: what was asked, what came back, and the liveness verdict."""

    __tablename__ = "fetches"
    __table_args__ = (Index("ix_fetches_url_fetched_at", "url", "fetched_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id", ondelete="SET NULL"), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"))
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # article | listing | feed | sitemap
    url: Mapped[str] = mapped_column(String(2048))
    final_url: Mapped[str | None] = mapped_column(String(2048))
    redirect_chain: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[int | None] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(32), index=True)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(255))
    body_sha256: Mapped[str | None] = mapped_column(String(64))
    etag: Mapped[str | None] = mapped_column(String(255))
    last_modified: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime]
    evidence: Mapped[bytes | None] = mapped_column(LargeBinary)  # body of removal-type responses (<= 256 KiB)
    # the WARC response record of this fetch, when WARC writing is on (file name in warc_dir)
    warc_file: Mapped[str | None] = mapped_column(String(255))
    warc_offset: Mapped[int | None] = mapped_column(BigInteger)
    warc_length: Mapped[int | None] = mapped_column(BigInteger)

    def __repr__(self) -> str:
        return f"Fetch(id={self.id}, url={self.url!r}, status={self.status}, verdict={self.verdict!r})"


class ArticleEvent(Base):
    """A change of an article's liveness state (suspect, removed, restored, unreachable, blocked) or of
    its access (``access``, with the verdict ``"free->subscription"``)."""

    __tablename__ = "article_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    fetch_id: Mapped[int | None] = mapped_column(ForeignKey("fetches.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    verdict: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime]


class SiteProbe(Base):
    """What a random URL of one shape on one host returned (the soft-404 fingerprint), cached."""

    __tablename__ = "site_probes"
    __table_args__ = (UniqueConstraint("host", "pattern"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pattern: Mapped[str] = mapped_column(String(1024))  # the probed URL's directory
    url: Mapped[str] = mapped_column(String(2048))
    status: Mapped[int | None] = mapped_column(Integer)
    final_url: Mapped[str | None] = mapped_column(String(2048))
    redirected: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class RunLock(Base):
    """One row per job kind while a run holds it (SQLite; PostgreSQL uses advisory locks too)."""

    __tablename__ = "run_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)  # "crawl" | "recheck"
    run_id: Mapped[int | None] = mapped_column(Integer)
    owner: Mapped[str] = mapped_column(String(255))  # host:pid
    acquired_at: Mapped[datetime]
    heartbeat_at: Mapped[datetime]


class SchedulerJob(Base):
    """APScheduler 3.x's SQLAlchemyJobStore table, declared here so migrations own the schema."""

    __tablename__ = "apscheduler_jobs"

    id: Mapped[str] = mapped_column(Unicode(191), primary_key=True)
    next_run_time: Mapped[float | None] = mapped_column(Float(25), index=True)
    job_state: Mapped[bytes] = mapped_column(LargeBinary)
