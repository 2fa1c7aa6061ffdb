"""Scope and SSRF: a link or a redirect to a host outside the source's allowed_domains is never
fetched (not even its robots.txt). Refused redirects are recorded as ``blocked`` with the reason
``redirect:out-of-scope``. The host that no source allows is 127.0.0.2, a second loopback server
whose hit counter must stay empty: as a literal private address that no source names, a redirect to
it is refused by the address policy first (reason ``address:private``, checked before the scope;
tests/test_address_policy_crawl.py has a redirect to a host *name* out of scope)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy import Request

from crawler.components.guards import SCOPE_KEY, RefusedRedirect, ScopeMiddleware
from crawler.core.items import Article, FetchResult, Verdict
from storage import models
from storage.archive import record_fetch
from storage.db import make_engine, make_sessionmaker, upgrade
from tests.hardening.hostile_server import HostileServer
from tests.helpers import HostileCrawl, morgue, rows


def test_a_redirect_to_a_host_outside_allowed_domains_is_refused_and_recorded(hostile: HostileCrawl) -> None:
    fetch = hostile.fetch("/news/20250113-offsite-redirect")
    assert (fetch["verdict"], fetch["reasons"], fetch["status"]) == ("blocked", ["address:private"], None)
    assert fetch["error"] == "address-private: 127.0.0.2 is a private address that no source names " \
        "(name it in start_urls, feeds, sitemaps or allowed_domains)"
    assert hostile.version("/news/20250113-offsite-redirect") is None
    assert dict(hostile.offsite.hits) == {}  # neither the page nor its robots.txt


def test_a_link_to_a_host_outside_allowed_domains_is_not_followed(hostile: HostileCrawl) -> None:
    assert not any(f["url"].startswith(hostile.offsite.base_url) for f in hostile.fetches)
    assert dict(hostile.offsite.hits) == {}


def test_a_redirect_to_a_non_http_scheme_is_not_followed(hostile: HostileCrawl) -> None:
    fetch = hostile.fetch("/news/20250113-file-redirect")  # Location: file:///etc/passwd
    assert (fetch["verdict"], fetch["reasons"], fetch["status"]) == ("transient", ["http:302-unfollowed"], 302)
    assert fetch["final_url"].startswith("http://")


def _redirected(url: str, *, to: str, scope: tuple[str, ...] | None) -> Request:
    meta = {"redirect_urls": [url]} if to != url else {}
    if scope is not None:
        meta[SCOPE_KEY] = scope
    return Request(to, meta=meta)


@pytest.mark.parametrize(
    ("start", "target", "scope", "refused"),
    [
        ("http://news.test/a", "http://news.test/b", ("news.test",), None),
        ("http://news.test/a", "http://m.news.test/b", ("news.test",), None),  # a subdomain is in scope
        ("http://www.news.test/a", "http://news.test/a", ("www.news.test",), None),  # the site dropped www.
        ("http://news.test/a", "http://127.0.0.2:8080/admin", ("news.test",), "out-of-scope"),
        ("http://news.test/a", "http://evilnews.test/", ("news.test",), "out-of-scope"),
        ("http://news.test/a", "http://news.test.evil/", ("news.test",), "out-of-scope"),
        ("http://news.test/a", "http://news.test/" + "x" * 3000, ("news.test",), "url-too-long"),
        ("http://news.test/a", "http://other.test/", None, None),  # no scope given: not checked
        ("http://other.test/a", "http://other.test/a", ("news.test",), None),  # not a redirect: not checked
    ],
)
def test_scope_middleware(start: str, target: str, scope: tuple[str, ...] | None, refused: str | None) -> None:
    request = _redirected(start, to=target, scope=scope)
    if refused is None:
        assert ScopeMiddleware().process_request(request) is None
    else:
        with pytest.raises(RefusedRedirect) as err:
            ScopeMiddleware().process_request(request)
        assert err.value.morgue_kind == refused


def test_a_recheck_refuses_an_out_of_scope_redirect_too(tmp_path: Path, offsite: HostileServer) -> None:
    db = f"sqlite:///{tmp_path / 'archive.db'}"
    engine = make_engine(db)
    upgrade(engine)
    with HostileServer(offsite=offsite.base_url) as site:
        url = site.url("/news/20250113-offsite-redirect")  # archived while it was an article; now it redirects
        with make_sessionmaker(engine).begin() as session:
            record_fetch(session, FetchResult(
                url=url, source="hostile", fetched_at=datetime(2025, 1, 13, tzinfo=UTC), verdict=Verdict.ALIVE,
                status=200, final_url=url, article=Article(url=url, title="Archivé", body="Un texte archivé."),
            ))
        config = tmp_path / "morgue.toml"
        config.write_text(f'delay = 0\n[[sources]]\nname = "hostile"\nstart_urls = ["{site.base_url}/"]\n'
                          'allowed_domains = ["127.0.0.1"]\n', encoding="utf-8")
        result = morgue("--config", str(config), "--db", db, "recheck", "--all", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    fetch = rows(engine, models.Fetch)[-1]
    assert (fetch["verdict"], fetch["reasons"]) == ("blocked", ["address:private"])  # the address policy first
    article = rows(engine, models.Article)[0]
    assert (article["status"], article["removed_at"], article["streak"]) == ("blocked", None, 0)  # not evidence
    assert dict(offsite.hits) == {}
    engine.dispose()
