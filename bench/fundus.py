"""Read a Fundus-layout page set (``<country>/<Publisher>_<date>.html.gz``, ``meta.info``,
``<Publisher>.json``; see the set's README.md): each page's HTML, URL and expected article text.

Nothing here knows a publisher: names, URLs and texts all come from the files.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.variants import ArticleText
from crawler.page.extract import decode_html

PAGE_RE = re.compile(r"^(?P<publisher>.+)_(?P<date>\d{4}_\d{2}_\d{2})\.html\.gz$")


@dataclass(frozen=True, slots=True)
class Page:
    file: str  # <country>/<file name>, for reports
    url: str  # where the page was fetched
    html: str
    article: ArticleText


def version_key(name: str) -> tuple[int, ...]:
    """V1 < V1_1 < V2 < V2_1 (release order)."""
    return tuple(int(n) for n in re.findall(r"\d+", name))


def article_text(block: dict[str, Any]) -> ArticleText:
    body = block.get("body") or {}
    paragraphs = [p for p in body.get("summary") or [] if p.strip()]
    for section in body.get("sections") or []:
        paragraphs += [p for p in section.get("paragraphs") or [] if p.strip()]
    headings = [h for section in body.get("sections") or [] for h in _strings(section.get("headline")) if h.strip()]
    return ArticleText(title=(block.get("title") or "").strip(), paragraphs=tuple(paragraphs), headings=tuple(headings))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value or [] if isinstance(v, str)]


def load_country(folder: Path) -> list[Page]:
    meta = json.loads((folder / "meta.info").read_text("utf-8"))
    by_publisher: dict[str, list[str]] = defaultdict(list)
    for name in meta:
        m = PAGE_RE.match(name)
        if m and (folder / name).exists():
            by_publisher[m["publisher"]].append(name)
    pages = []
    for publisher, names in sorted(by_publisher.items()):
        expected = json.loads((folder / f"{publisher}.json").read_text("utf-8"))
        blocks = [expected[k] for k in sorted(expected, key=version_key)]
        for name, block in zip(sorted(names, key=lambda n: PAGE_RE.match(n)["date"]), blocks, strict=False):  # type: ignore[index]
            raw = gzip.decompress((folder / name).read_bytes())
            pages.append(Page(f"{folder.name}/{name}", meta[name]["url"], _decode(raw), article_text(block)))
    return pages


def _decode(raw: bytes) -> str:
    return decode_html(raw)


def load_pages(root: Path) -> list[Page]:
    """Every page of the set, in a stable order (country folder, publisher, date)."""
    return [
        page
        for folder in sorted(p for p in root.iterdir() if (p / "meta.info").exists())
        for page in load_country(folder)
    ]
