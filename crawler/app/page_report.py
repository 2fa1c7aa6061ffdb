"""``morgue extract``: the article and liveness verdict of one saved or live page.

Reads a file (or fetches a URL once, with morgue's User-Agent), then runs the same pure
functions as the crawler: liveness classification and article extraction.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.page.extract import decode_html, extract_article
from crawler.page.liveness import Observation, classify
from crawler.settings import DOWNLOAD_MAXSIZE, DOWNLOAD_TIMEOUT, USER_AGENT


def _fetch(url: str) -> tuple[int, str, bytes, str | None, tuple[str, ...]]:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT) as resp:
            status, final, headers = resp.status, resp.geturl(), resp.headers
            data = resp.read(DOWNLOAD_MAXSIZE + 1)
    except urllib.error.HTTPError as exc:
        status, final, headers = exc.code, exc.geturl() or url, exc.headers
        data = exc.read(DOWNLOAD_MAXSIZE + 1)
    chain = (url,) if final != url else ()
    return status, final, data[:DOWNLOAD_MAXSIZE], headers.get_content_charset(), chain


def inspect_page(file_or_url: str, *, url: str | None, now: datetime) -> dict[str, Any]:
    """``{"liveness": {...}, "article": {...} | None}`` for a file path or an http(s) URL."""
    if file_or_url.startswith(("http://", "https://")):
        status, final, data, charset, chain = _fetch(file_or_url)
        requested = file_or_url
    else:
        data = Path(file_or_url).read_bytes()
        status, charset, chain = 200, None, ()
        requested = final = url or Path(file_or_url).resolve().as_uri()
    html = decode_html(data, charset)
    article = extract_article(html, url=final, fetched_at=now) if 200 <= status < 300 else None
    verdict = classify(
        Observation(
            url=requested,
            status=status,
            final_url=final,
            redirect_chain=chain,
            html=html,
            body_length=len(data),
        ),
        main_text=article.main_text if article else None,
        article=article,
    )
    return {
        "liveness": {
            "verdict": verdict.verdict,
            "reasons": verdict.reasons,
            "status": status,
            "final_url": final,
        },
        "article": article if verdict.verdict.is_alive else None,
        "extracted_anyway": article if article is not None and not verdict.verdict.is_alive else None,
    }
