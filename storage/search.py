"""Full-text search over the current version of each article, on SQLite and PostgreSQL.

The index comes from migration 0004 and is kept up to date by the database itself:

- SQLite: the FTS5 table ``article_search`` (rowid = article id; title, lead, body of the
  current version; ``unicode61`` tokenizer without diacritics), maintained by triggers on
  ``article_versions``. Ranked with ``bm25`` (title 10, lead 5, body 1), snippet by ``snippet()``.
- PostgreSQL: the generated ``tsvector`` column ``article_versions.search_vector`` (title A,
  lead B, body C) parsed with the configuration of the version's language (french, english,
  german, spanish, italian, portuguese, else simple), GIN-indexed. The query is the OR of
  ``plainto_tsquery`` in each of these configurations, so a French article matches French
  stems and an English one English stems; ranked by ``ts_rank``, snippet by ``ts_headline``.

User text is never query syntax: on SQLite every whitespace-separated term becomes a quoted
FTS5 string (``"`` doubled), on PostgreSQL it goes through ``plainto_tsquery``; all terms
must match, in any order. Text with no letter or digit matches nothing.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import reduce
from typing import Any

from sqlalchemy import ColumnElement, bindparam, case, func, literal_column, select, table
from sqlalchemy import column as sql_column
from sqlalchemy.orm import Session

from storage import models
from storage.queries import ArticleFilter, article_record, filtered_query

FTS_TABLE = "article_search"  # SQLite FTS5 table (and its shadow tables article_search_*)
SQLITE_TRIGGERS = ("article_search_ai", "article_search_au", "article_search_ad")
PG_VECTOR_COLUMN = "search_vector"
PG_VECTOR_INDEX = "ix_article_versions_search_vector"
PG_LANGUAGES = {
    "fr": "french",
    "en": "english",
    "de": "german",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
}
SNIPPET_START, SNIPPET_END, SNIPPET_ELLIPSIS = "[", "]", "…"
SNIPPET_WORDS = 24

_TERM_HAS_WORD = re.compile(r"[^\W_]")


def is_search_object(name: str | None, type_: str) -> bool:
    """True for the dialect-specific search objects that the models do not declare
    (``alembic check`` must ignore them; see migrations/env.py)."""
    if not name:
        return False
    if type_ == "table":
        return name == FTS_TABLE or name.startswith(FTS_TABLE + "_")
    if type_ == "column":
        return name == PG_VECTOR_COLUMN
    if type_ == "index":
        return name == PG_VECTOR_INDEX
    return False


def fts5_query(text: str) -> str | None:
    """An FTS5 MATCH expression for user ``text``: every term quoted, all required. None if empty."""
    terms = ['"' + t.replace('"', '""') + '"' for t in text.split() if _TERM_HAS_WORD.search(t)]
    return " ".join(terms) or None


def search_articles(
    session: Session,
    text: str,
    *,
    sources: tuple[str, ...] = (),
    statuses: tuple[str, ...] = (),
    accesses: tuple[str, ...] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = 50,
) -> list[dict[str, Any]]:
    """Articles whose current version matches ``text``, best first, as export records with
    ``rank`` (higher is better) and ``snippet`` (matches in ``[...]``). Other filters as in
    :class:`storage.queries.ArticleFilter`."""
    if not _TERM_HAS_WORD.search(text or ""):
        return []
    f = ArticleFilter(sources=sources, statuses=statuses, accesses=accesses, since=since, until=until)
    base = filtered_query(f)
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return _search_sqlite(session, base, text, limit)
    if dialect == "postgresql":
        return _search_postgresql(session, base, text, limit)
    raise NotImplementedError(f"full-text search is not available on {dialect}")


def _search_sqlite(session: Session, base: Any, text: str, limit: int | None) -> list[dict[str, Any]]:
    match = fts5_query(text)
    if match is None:
        return []
    fts = table(FTS_TABLE, sql_column("rowid"))
    this = literal_column(FTS_TABLE)
    rank = func.bm25(this, 10.0, 5.0, 1.0)
    snippet = func.snippet(this, -1, SNIPPET_START, SNIPPET_END, SNIPPET_ELLIPSIS, SNIPPET_WORDS)
    q = (
        base.add_columns(rank.label("rank"), snippet.label("snippet"))
        .join(fts, fts.c.rowid == models.Article.id)
        .where(this.op("MATCH")(bindparam("fts_query", match)))
        .order_by(rank, models.Article.id.desc())
    )
    if limit is not None:
        q = q.limit(limit)
    out = []
    for article, version, source, versions, bm25, snip in session.execute(q):
        record = article_record(article, version, source, versions)
        record["rank"] = -bm25  # bm25() is lower-is-better
        record["snippet"] = snip
        out.append(record)
    return out


def _pg_config(language: Any) -> ColumnElement[Any]:
    return case(
        *((language == code, literal_column(f"'{name}'::regconfig")) for code, name in PG_LANGUAGES.items()),
        else_=literal_column("'simple'::regconfig"),
    )


def _pg_tsquery(text: str) -> ColumnElement[Any]:
    param = bindparam("ts_text", text)
    configs = ("simple", *dict.fromkeys(PG_LANGUAGES.values()))
    parts = [func.plainto_tsquery(literal_column(f"'{name}'::regconfig"), param) for name in configs]
    return reduce(lambda a, b: a.op("||")(b), parts)


def _search_postgresql(session: Session, base: Any, text: str, limit: int | None) -> list[dict[str, Any]]:
    V = models.ArticleVersion  # noqa: N806 - a table alias
    vector = literal_column(f"{V.__tablename__}.{PG_VECTOR_COLUMN}")
    tsquery = _pg_tsquery(text)
    rank = func.ts_rank(vector, tsquery)
    q = base.add_columns(rank.label("rank")).where(vector.op("@@")(tsquery)).order_by(rank.desc(), V.id.desc())
    if limit is not None:
        q = q.limit(limit)
    rows = session.execute(q).all()
    if not rows:
        return []
    document = func.concat_ws(" … ", V.title, V.lead, V.body)
    options = (
        f"StartSel={SNIPPET_START}, StopSel={SNIPPET_END}, MaxWords={SNIPPET_WORDS}, MinWords=8, "
        f'MaxFragments=2, FragmentDelimiter=" {SNIPPET_ELLIPSIS} "'
    )
    headline = func.ts_headline(_pg_config(V.language), document, tsquery, options)
    ids = [version.id for _, version, _, _, _ in rows]
    snippets = dict(session.execute(select(V.id, headline).where(V.id.in_(ids))).all())
    out = []
    for article, version, source, versions, score in rows:
        record = article_record(article, version, source, versions)
        record["rank"] = float(score)
        record["snippet"] = snippets.get(version.id)
        out.append(record)
    return out
