"""Access: whether the page says its article is not free."""

from __future__ import annotations

from crawler.page.extract.context import _Page


def _paywalled(page: _Page) -> bool | None:
    for node in (page.ld.article, page.ld.page):
        if node is None:
            continue
        value = node.get("isAccessibleForFree")
        if isinstance(value, str):
            value = {"true": True, "false": False}.get(value.strip().lower())
        if isinstance(value, bool):
            return not value
    return None


# trafilatura collapses every whitespace character, no-break spaces included ("«\xa0passe\xa0»" would come
# back as "« passe »" while the title keeps its NBSP): a no-break space between two visible characters is
