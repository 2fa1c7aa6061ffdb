"""The bundled sample news site that ``morgue demo`` serves and crawls."""

from __future__ import annotations

from pathlib import Path

from crawler.config import Source

DEMO_SITE = Path(__file__).resolve().parent / "site"
DEMO_DB = "sqlite:///morgue-demo.db"


def demo_source(base_url: str) -> Source:
    """The demo site as a source, as a user would write it in morgue.toml."""
    return Source(
        name="demo",
        start_urls=(f"{base_url}/",),
        feeds=(f"{base_url}/rss.xml",),
        sitemaps=(f"{base_url}/sitemap.xml",),
        allowed_domains=("127.0.0.1",),
        article_pattern=r"/\d{8}-",
    )
