"""A synthetic news site for ``bench.crawl``: N article pages of 50-150 KB, sections, sitemaps, a feed.

Pages look like real news pages: a long navigation menu, inline CSS and scripts, JSON-LD and
OpenGraph metadata, a lead, 8-30 paragraphs, an image with caption and credit, related links, a
cookie banner and a footer. Everything is derived from a seeded RNG, so the same N gives the same
site. Links are absolute on ``base`` (news-please needs a host name with a TLD).

Layout: ``/index.html`` (latest 60), ``/<section>/index.html`` (latest 60 of the section),
``/<section>/<yyyymmdd>-<slug>.html`` (articles, served without ``.html``), ``/sitemap.xml`` (an index)
over ``/sitemap-<k>.xml`` (5,000 URLs each, with ``lastmod``), ``/rss.xml`` (latest 100),
``/robots.txt`` (with its ``Sitemap:`` line).
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

SECTIONS = ("monde", "france", "economie", "sport", "culture", "sciences", "politique", "societe", "tech", "sante")
WORDS = (
    "le gouvernement a annoncé mardi une réforme des retraites qui doit entrer en vigueur dès janvier "
    "selon plusieurs sources proches du dossier les syndicats dénoncent un passage en force tandis que "
    "l'opposition réclame un débat au parlement la ministre a défendu un texte équilibré et nécessaire "
    "pour garantir l'avenir du système les manifestations prévues jeudi devraient rassembler des milliers "
    "de personnes dans les grandes villes du pays les économistes restent partagés sur l'impact réel "
    "des mesures à moyen terme alors que la croissance ralentit et que l'inflation reste élevée"
).split()
PER_SITEMAP = 5000


@dataclass(frozen=True, slots=True)
class Page:
    path: str  # URL path, without .html
    section: str
    title: str
    published: datetime


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng, rng.randint(12, 28)) for _ in range(rng.randint(3, 6)))


def _nav(base: str, rng: random.Random) -> str:
    items = []
    for s in SECTIONS:
        sub = "".join(
            f'<li><a href="{base}/{s}/?tag={rng.randint(1, 999)}" class="menu__link menu__link--sub">'
            f"{s.title()} {i}</a></li>"
            for i in range(18)
        )
        items.append(
            f'<li class="menu__item"><a href="{base}/{s}/">{s.title()}</a><ul class="menu__sub">{sub}</ul></li>'
        )
    return f'<nav class="menu" aria-label="Rubriques"><ul>{"".join(items)}</ul></nav>'


def _css(rng: random.Random, size: int) -> str:
    rules = []
    while sum(len(r) for r in rules) < size:
        n = rng.randint(1, 99999)
        rules.append(f".c{n}{{margin:{n % 17}px;padding:{n % 7}px {n % 11}px;color:#{n % 4096:03x};display:flex}}")
    return "<style>" + "".join(rules) + "</style>"


def _script(rng: random.Random, size: int) -> str:
    data = []
    while sum(len(d) for d in data) < size:
        n = rng.randint(1, 10**9)
        data.append(f'{{"id":{n},"slot":"ad-{n % 97}","sizes":[[300,250],[728,90]],"targeting":{{"k":"{n % 13}"}}}},')
    return "<script>window.__ADS__=[" + "".join(data) + "null];</script>"


def article_html(page: Page, base: str, related: list[Page], rng: random.Random) -> str:
    url = f"{base}{page.path}"
    lead = _sentence(rng, rng.randint(25, 40))
    body = "".join(f"<p>{_paragraph(rng)}</p>" for _ in range(rng.randint(8, 30)))
    date = page.published.isoformat()
    ld = (
        '{"@context":"https://schema.org","@type":"NewsArticle",'
        f'"headline":"{page.title}","datePublished":"{date}","dateModified":"{date}",'
        f'"author":[{{"@type":"Person","name":"Auteur {rng.randint(1, 40)}"}}],"articleSection":"{page.section}"}}'
    )
    rel = "".join(f'<li><a href="{base}{r.path}">{html.escape(r.title)}</a></li>' for r in related)
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{html.escape(page.title)} - Bench Info</title>"
        f'<link rel="canonical" href="{url}"><meta property="og:title" content="{html.escape(page.title)}">'
        f'<meta property="og:type" content="article"><meta property="og:url" content="{url}">'
        f'<meta property="article:published_time" content="{date}"><meta name="description" content="{lead}">'
        f'<script type="application/ld+json">{ld}</script>'
        f"{_css(rng, rng.randint(15_000, 45_000))}</head><body>"
        f'<div class="cookie-banner">Nous utilisons des cookies pour améliorer votre expérience.</div>'
        f'<header><a href="{base}/">Bench Info</a>{_nav(base, rng)}</header>'
        f'<main><article><p class="section">{page.section.title()}</p><h1>{html.escape(page.title)}</h1>'
        f'<time datetime="{date}">{page.published:%d/%m/%Y %H:%M}</time>'
        f'<p class="lead"><strong>{lead}</strong></p>'
        f'<figure><img src="{base}/img/{rng.randint(1, 10**6)}.jpg" alt="photo">'
        f'<figcaption>Une photo d\'illustration. <span class="credit">AFP/PHOTO {rng.randint(1, 99)}</span>'
        f'</figcaption></figure><div class="article-body">{body}</div></article>'
        f"<aside><h2>À lire aussi</h2><ul>{rel}</ul></aside></main>"
        f"{_script(rng, rng.randint(10_000, 40_000))}"
        f"<footer><p>Newsletter : recevez toute l'actualité.</p><p>© Bench Info, tous droits réservés.</p></footer>"
        "</body></html>"
    )


def listing_html(title: str, pages: list[Page], base: str, rng: random.Random) -> str:
    items = "".join(
        f'<li><a href="{base}{p.path}">{html.escape(p.title)}</a> <time>{p.published:%d/%m %H:%M}</time></li>'
        for p in pages
    )
    return (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title} - Bench Info</title>'
        f"{_css(rng, 20_000)}</head><body><header>{_nav(base, rng)}</header><main><h1>{title}</h1><ul>{items}</ul>"
        f"</main>{_script(rng, 10_000)}</body></html>"
    )


def build(root: Path, n: int, base: str, *, seed: int = 7) -> dict[str, int]:
    """Write the site under ``root``; returns counts and sizes. Skips the work if already built."""
    marker = root / ".built"
    if marker.exists() and marker.read_text() == f"{n} {base} {seed}":
        return {"articles": n, "bytes": sum(f.stat().st_size for f in root.rglob("*.html"))}
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, 6, tzinfo=UTC)
    pages = []
    for i in range(n):
        section = SECTIONS[i % len(SECTIONS)]
        published = start + timedelta(minutes=37 * i)
        title = _sentence(rng, rng.randint(6, 12))[:-1]
        slug = "-".join(title.lower().split()[:6]).replace("'", "")
        pages.append(Page(f"/{section}/{published:%Y%m%d}-{slug}-{i}", section, title, published))
    total = 0
    for i, page in enumerate(pages):
        path = root / (page.path.lstrip("/") + ".html")
        path.parent.mkdir(parents=True, exist_ok=True)
        related = [pages[(i + k) % n] for k in (1, 2, 3, 5, 8)]
        text = article_html(page, base, related, rng)
        path.write_text(text, "utf-8")
        total += len(text.encode())
    latest = sorted(pages, key=lambda p: p.published, reverse=True)
    (root / "index.html").write_text(listing_html("À la une", latest[:60], base, rng), "utf-8")
    for s in SECTIONS:
        (root / s).mkdir(exist_ok=True)
        (root / s / "index.html").write_text(
            listing_html(s.title(), [p for p in latest if p.section == s][:60], base, rng), "utf-8"
        )
    maps = []
    for k in range(0, n, PER_SITEMAP):
        urls = "".join(
            f"<url><loc>{base}{p.path}</loc><lastmod>{p.published.isoformat()}</lastmod></url>"
            for p in pages[k : k + PER_SITEMAP]
        )
        name = f"sitemap-{k // PER_SITEMAP}.xml"
        (root / name).write_text(
            f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}'
            "</urlset>",
            "utf-8",
        )
        maps.append(name)
    index = "".join(f"<sitemap><loc>{base}/{m}</loc></sitemap>" for m in maps)
    (root / "sitemap.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{index}</sitemapindex>",
        "utf-8",
    )
    items = "".join(
        f"<item><title>{html.escape(p.title)}</title><link>{base}{p.path}</link>"
        f"<pubDate>{p.published:%a, %d %b %Y %H:%M:%S +0000}</pubDate></item>"
        for p in latest[:100]
    )
    (root / "rss.xml").write_text(
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Bench Info</title>'
        f"<link>{base}/</link>{items}</channel></rss>",
        "utf-8",
    )
    (root / "robots.txt").write_text(f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap.xml\n", "utf-8")
    marker.write_text(f"{n} {base} {seed}")
    return {"articles": n, "bytes": total}


def article_files(root: Path) -> list[Path]:
    return sorted(p for s in SECTIONS for p in (root / s).glob("*.html") if p.name != "index.html")
