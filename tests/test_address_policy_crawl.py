"""The address policy in real crawls and re-checks (``morgue crawl`` / ``recheck`` in subprocesses).

Only 127.0.0.0/8 is used. ``news.example`` is pinned to 127.0.0.1 and ``inside.example`` to 127.0.0.2
with ``MORGUE_HOSTS``: both are host names that resolve to a private address, which morgue connects
to only when their source says ``allow_private_addresses = true``. The source named by its literal
address (127.0.0.1, as every existing test and the demo do) keeps working; 127.0.0.2 is named by no
source, so its server must never see a request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storage import models
from storage.db import make_engine, upgrade
from tests.hardening.hostile_server import page
from tests.helpers import RouteServer, assert_archive_consistent, morgue, rows

HTML = {"Content-Type": "text/html; charset=utf-8"}


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[RouteServer, RouteServer]]:
    with RouteServer("127.0.0.2", {"/secret": (200, HTML, page("Secret"))}) as offsite, RouteServer() as site:
        site.routes.update({
            "/": (200, HTML, '<a href="/news/pinned-1">pinned</a>'),
            "/news/pinned-1": (200, HTML, page("Une nouvelle du site épinglé")),
            "/local/": (200, HTML, '<a href="/news/local-1">a</a> <a href="/news/to-loopback">b</a> '
                                   '<a href="/news/to-name">c</a> <a href="/news/out-of-scope">d</a>'),
            "/news/local-1": (200, HTML, page("Une nouvelle locale")),
            "/news/to-loopback": (302, {"Location": f"{offsite.base_url}/secret"}, ""),
            "/news/to-name": (302, {"Location": f"http://inside.example:{offsite.port}/secret"}, ""),
            "/news/out-of-scope": (302, {"Location": f"http://elsewhere.example:{offsite.port}/secret"}, ""),
        })  # fmt: skip
        yield site, offsite


def _config(path: Path, site: RouteServer, *, opt_in: bool) -> Path:
    path.write_text(
        f"""delay = 0
download_timeout = 4
processes = 0

[[sources]]
name = "pinned"
start_urls = ["http://news.example:{site.port}/"]
article_pattern = "/news/"
{"allow_private_addresses = true" if opt_in else ""}

[[sources]]
name = "local"
start_urls = ["{site.base_url}/local/"]
allowed_domains = ["127.0.0.1", "inside.example"]
article_pattern = "/news/"
""",
        encoding="utf-8",
    )
    return path


def _env() -> dict[str, str]:
    pins = {"news.example": "127.0.0.1", "inside.example": "127.0.0.2", "elsewhere.example": "127.0.0.2"}
    return {"MORGUE_HOSTS": json.dumps(pins)}


def _fetches(db: str, url: str) -> list[dict[str, Any]]:
    engine = make_engine(db)
    try:
        return [f for f in rows(engine, models.Fetch) if f["url"] == url]
    finally:
        engine.dispose()


def test_private_addresses_are_refused_unless_the_configuration_names_them(
    tmp_path: Path, servers: tuple[RouteServer, RouteServer]
) -> None:
    site, offsite = servers
    db = f"sqlite:///{tmp_path / 'archive.db'}"
    engine = make_engine(db)
    upgrade(engine)
    pinned = f"http://news.example:{site.port}"

    # without the opt-in: news.example (127.0.0.1 by its pin) is refused, the literal 127.0.0.1 source is crawled
    site.hits.clear()
    site.hosts.clear()
    config = _config(tmp_path / "strict.toml", site, opt_in=False)
    result = morgue("--config", str(config), "--db", db, "crawl", cwd=tmp_path, env=_env())
    assert result.returncode == 0, result.stderr
    assert not any(host.startswith("news.example") for host in site.hosts)  # not even its robots.txt
    [listing] = _fetches(db, f"{pinned}/")
    assert (listing["verdict"], listing["reasons"], listing["status"]) == ("blocked", ["address:private"], None)
    assert listing["error"] == (
        "address-private: news.example resolves to 127.0.0.1, a private address "
        "(set allow_private_addresses = true on its source to allow it)"
    )
    # a redirect from the allowed 127.0.0.1 to the literal 127.0.0.2, and to a name that resolves to it
    [to_loopback] = _fetches(db, f"{site.base_url}/news/to-loopback")
    assert (to_loopback["verdict"], to_loopback["reasons"]) == ("blocked", ["address:private"])
    assert to_loopback["error"].startswith("address-private: 127.0.0.2 is a private address that no source names")
    [to_name] = _fetches(db, f"{site.base_url}/news/to-name")
    assert (to_name["verdict"], to_name["reasons"]) == ("blocked", ["address:private"])
    assert "inside.example resolves to 127.0.0.2" in to_name["error"]
    [out_of_scope] = _fetches(db, f"{site.base_url}/news/out-of-scope")  # a name outside allowed_domains: scope
    assert (out_of_scope["verdict"], out_of_scope["reasons"]) == ("blocked", ["redirect:out-of-scope"])
    assert dict(offsite.hits) == {}  # 127.0.0.2 never contacted
    articles = {a["canonical_url"] for a in rows(engine, models.Article)}
    assert articles == {f"{site.base_url}/news/local-1"}  # the crawl went on with the allowed URLs
    assert site.hits["/news/local-1"] == 1

    # with allow_private_addresses = true on its source, news.example is crawled; 127.0.0.2 still never is
    config = _config(tmp_path / "opt-in.toml", site, opt_in=True)
    result = morgue("--config", str(config), "--db", db, "crawl", cwd=tmp_path, env=_env())
    assert result.returncode == 0, result.stderr
    assert any(host.startswith("news.example") for host in site.hosts)
    articles = {a["canonical_url"] for a in rows(engine, models.Article)}
    assert articles == {f"{site.base_url}/news/local-1", f"{pinned}/news/pinned-1"}
    assert _fetches(db, f"{pinned}/news/pinned-1")[-1]["verdict"] == "alive"
    assert dict(offsite.hits) == {}

    # a re-check without the opt-in: the refusal is a neutral observation, the other article is checked
    site.hosts.clear()
    result = morgue("--config", str(tmp_path / "strict.toml"), "--db", db, "recheck", "--all",
                    cwd=tmp_path, env=_env())  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert not any(host.startswith("news.example") for host in site.hosts)  # neither the probe nor the page
    recheck = _fetches(db, f"{pinned}/news/pinned-1")[-1]
    assert (recheck["verdict"], recheck["reasons"]) == ("blocked", ["address:private"])
    local = _fetches(db, f"{site.base_url}/news/local-1")[-1]
    assert local["verdict"] in ("alive", "changed") and local["run_id"] == recheck["run_id"]
    status = {a["canonical_url"]: (a["status"], a["streak"], a["removed_at"]) for a in rows(engine, models.Article)}
    assert status[f"{pinned}/news/pinned-1"] == ("blocked", 0, None)  # never suspect, never removed

    assert dict(offsite.hits) == {}
    assert_archive_consistent(engine)
    engine.dispose()
