"""Storage on a real SQLite file and a real PostgreSQL database, schema from Alembic."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, inspect, select, text

from crawler.core.items import Article, Author, FetchResult, Image, Verdict
from storage import models
from storage.archive import Outcome, count_outcome, record_fetch, start_run
from storage.db import DatabaseError, alembic_config, check_schema, make_engine, make_sessionmaker, upgrade
from storage.queries import ArticleFilter, article_detail, find_articles

T0 = datetime(2025, 11, 3, 8, 0, tzinfo=UTC)
URL = "https://news.example.org/fr/monde/20251103-un"


def article(**kw: object) -> Article:
    values: dict = {
        "url": URL,
        "canonical_url": URL,
        "title": "Un titre",
        "lead": "Le chapo.",
        "body": "Premier paragraphe.\n\nSecond paragraphe.",
        "section": "Monde",
        "authors": (Author(name="Claire Dubois", name_raw="Par Claire Dubois"),),
        "published_at": datetime(2025, 11, 3, 7, 15, tzinfo=UTC),
        "published_raw": "2025-11-03T08:15:00+01:00",
        "published_source": "json-ld",
        "language": "fr",
        "images": (Image(url="https://news.example.org/i.jpg", caption="Une photo", credit="AFP/X"),),
    }
    values.update(kw)
    return Article(**values)


def alive(at: datetime, url: str = URL, **kw: object) -> FetchResult:
    return FetchResult(
        url=url,
        source="news",
        fetched_at=at,
        verdict=Verdict.ALIVE,
        final_url=url,
        status=200,
        article=article(**{"url": url, **kw}),
    )


def dead(at: datetime, verdict: Verdict = Verdict.NOT_FOUND, status: int = 404) -> FetchResult:
    return FetchResult(
        url=URL,
        source="news",
        fetched_at=at,
        verdict=verdict,
        final_url=URL,
        status=status,
        reasons=(f"http:{status}",),
    )


@pytest.fixture
def sessions(db_url: str):
    engine = make_engine(db_url)
    upgrade(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_upgrade_is_idempotent_and_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    assert upgrade(engine) == "0005"
    assert upgrade(engine) == "0005"
    check_schema(engine)
    assert {"sources", "articles", "article_urls", "article_versions", "fetches", "crawl_runs"} <= set(
        inspect(engine).get_table_names()
    )
    with engine.begin() as conn:
        command.check(alembic_config(conn))  # raises if models and migrations disagree
        command.downgrade(alembic_config(conn), "base")
    assert "articles" not in inspect(engine).get_table_names()
    engine.dispose()


def test_sqlite_pragmas(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_unmigrated_database_is_refused(sqlite_url: str) -> None:
    with pytest.raises(DatabaseError, match="morgue init"):
        check_schema(make_engine(sqlite_url))


def test_versions_only_when_content_changes(sessions) -> None:
    with sessions.begin() as s:
        assert record_fetch(s, alive(T0)) is Outcome.NEW
    with sessions.begin() as s:
        assert record_fetch(s, alive(T0 + timedelta(days=1))) is Outcome.UNCHANGED
    with sessions.begin() as s:  # only fetch metadata differs: still unchanged
        assert record_fetch(s, alive(T0 + timedelta(days=2), modified_raw="x")) is Outcome.UNCHANGED
    with sessions.begin() as s:
        assert record_fetch(s, alive(T0 + timedelta(days=3), title="Un titre corrigé")) is Outcome.UPDATED
    with sessions.begin() as s:
        assert s.scalar(select(func.count()).select_from(models.Article)) == 1
        versions = s.scalars(select(models.ArticleVersion).order_by(models.ArticleVersion.number)).all()
        assert [(v.number, v.title) for v in versions] == [(1, "Un titre"), (2, "Un titre corrigé")]
        assert versions[0].last_seen_at == T0 + timedelta(days=2)
        assert versions[0].published_at == datetime(2025, 11, 3, 7, 15, tzinfo=UTC)  # aware UTC back
        assert versions[0].authors == [{"name": "Claire Dubois", "name_raw": "Par Claire Dubois"}]
        assert s.scalar(select(func.count()).select_from(models.Fetch)) == 4


def test_url_variants_lead_to_one_article(sessions) -> None:
    with sessions.begin() as s:
        record_fetch(s, alive(T0))
        record_fetch(s, alive(T0, url=URL + "/?utm_source=twitter#comments"))
        record_fetch(s, alive(T0, url="https://news.example.org/amp/20251103-un", canonical_url=URL))
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.Article)) == 1
        detail = article_detail(s, URL + "?utm_medium=x")
        assert detail is not None and detail["versions"] == 1
        assert "https://news.example.org/amp/20251103-un" in detail["aliases"]


def test_the_article_own_url_wins_over_an_alias_fetched_first(sessions) -> None:
    """Whichever variant a crawl happens to fetch first, the version ends up at the article's own URL
    (what re-checks request, with the validators of that URL)."""
    amp = "https://news.example.org/amp/20251103-un"
    with sessions.begin() as s:
        record_fetch(s, alive(T0, url=amp, canonical_url=URL))
    with sessions() as s:
        assert s.scalar(select(models.ArticleVersion.url)) == amp  # the only URL seen so far
    with sessions.begin() as s:
        assert record_fetch(s, alive(T0, url=URL)) is Outcome.UNCHANGED
        assert record_fetch(s, alive(T0, url=amp, canonical_url=URL)) is Outcome.UNCHANGED
    with sessions() as s:
        assert s.scalars(select(models.ArticleVersion.url)).all() == [URL]


def test_dead_pages_are_fetches_not_articles_and_mark_known_articles_suspect(sessions) -> None:
    with sessions.begin() as s:
        assert record_fetch(s, dead(T0)) is Outcome.DEAD
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(models.Article)) == 0
        assert s.scalar(select(models.Fetch.verdict)) == "not_found"
    with sessions.begin() as s:
        record_fetch(s, alive(T0 + timedelta(hours=1)))
        record_fetch(s, dead(T0 + timedelta(hours=2), Verdict.TRANSIENT, 503))
    with sessions() as s:
        assert s.scalar(select(models.Article.status)) == "alive"  # a 503 says nothing
    with sessions.begin() as s:
        record_fetch(s, dead(T0 + timedelta(hours=3), Verdict.GONE, 410))
    with sessions() as s:
        a = s.scalar(select(models.Article))
        assert (a.status, a.last_verdict) == ("suspect", "gone")
        assert a.last_seen_at == T0 + timedelta(hours=1)


def test_a_failing_transaction_leaves_nothing(sessions) -> None:
    with pytest.raises(RuntimeError), sessions.begin() as s:
        record_fetch(s, alive(T0))
        raise RuntimeError("crash between writes")
    with sessions() as s:
        for table in (models.Article, models.ArticleVersion, models.ArticleUrl, models.Fetch, models.Source):
            assert s.scalar(select(func.count()).select_from(table)) == 0


def test_naive_datetimes_are_refused(sessions) -> None:
    with pytest.raises(Exception, match="naive datetime"), sessions.begin() as s:
        record_fetch(s, alive(datetime(2025, 1, 1)))


def test_query_filters_and_literal_text(sessions) -> None:
    with sessions.begin() as s:
        run = start_run(s, kind="crawl", command="test", now=T0)
        outcome = record_fetch(s, alive(T0), run_id=run.id)
        count_outcome(s, run.id, outcome)
        record_fetch(
            s,
            alive(
                T0,
                url="https://news.example.org/en/20251104-two",
                canonical_url=None,
                title="100% pure_news",
                language="en",
                published_at=datetime(2025, 11, 4, tzinfo=UTC),
            ),
        )
    with sessions() as s:
        assert [r["title"] for r in find_articles(s, ArticleFilter())] == ["100% pure_news", "Un titre"]
        assert [r["title"] for r in find_articles(s, ArticleFilter(text="100%"))] == ["100% pure_news"]
        assert find_articles(s, ArticleFilter(text="'; DROP TABLE articles; --")) == []
        assert find_articles(s, ArticleFilter(text="0% p")) != []
        assert find_articles(s, ArticleFilter(text="_")) != []
        assert find_articles(s, ArticleFilter(text="x_y")) == []
        since = find_articles(s, ArticleFilter(since=datetime(2025, 11, 4, tzinfo=UTC)))
        assert [r["language"] for r in since] == ["en"]
        assert find_articles(s, ArticleFilter(sources=("other",))) == []
        assert find_articles(s, ArticleFilter(statuses=("removed",))) == []
        record = find_articles(s, ArticleFilter(text="premier"))[0]
        assert record["authors"] == ["Claire Dubois"] and record["versions"] == 1
        assert s.get(models.CrawlRun, run.id).articles_new == 1


def test_sqlite_file_location_is_created(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/deep/dir/a.db")
    upgrade(engine)
    assert (tmp_path / "deep" / "dir" / "a.db").exists()
    engine.dispose()
