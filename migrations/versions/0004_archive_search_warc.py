"""archive: full-text search over current versions, WARC record pointers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 15:34:42.351021

WARC pointers: ``warc_file``, ``warc_offset``, ``warc_length`` on ``fetches`` and
``article_versions`` (the response record of the fetch, its file name inside warc_dir).

Full-text search, dialect-specific (kept out of ``alembic check`` by ``include_object`` in
migrations/env.py, names in storage/search.py):

- SQLite: an FTS5 table ``article_search(title, lead, body)`` whose rowid is the article id,
  holding the current (highest-numbered) version of each article; triggers on
  ``article_versions`` keep it up to date on every insert, update and delete. A later batch
  migration that *recreates* ``article_versions`` on SQLite drops these triggers with the old
  table and must create them again (``_SQLITE_TRIGGERS`` below).
- PostgreSQL: a stored generated column ``article_versions.search_vector`` (title weight A,
  lead B, body C) parsed with the text search configuration of the version's language
  (fr -> french, en -> english, de -> german, es -> spanish, it -> italian, pt -> portuguese,
  anything else -> simple), with a GIN index.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_IS_LATEST = "NEW.number >= (SELECT max(number) FROM article_versions WHERE article_id = NEW.article_id)"
_REPLACE_NEW = """
    DELETE FROM article_search WHERE rowid = NEW.article_id;
    INSERT INTO article_search(rowid, title, lead, body) VALUES (NEW.article_id, NEW.title, NEW.lead, NEW.body);
"""
_SQLITE_TRIGGERS = {
    "article_search_ai": f"""
CREATE TRIGGER article_search_ai AFTER INSERT ON article_versions WHEN {_IS_LATEST}
BEGIN {_REPLACE_NEW} END""",
    "article_search_au": f"""
CREATE TRIGGER article_search_au AFTER UPDATE OF title, lead, body, number ON article_versions WHEN {_IS_LATEST}
BEGIN {_REPLACE_NEW} END""",
    "article_search_ad": """
CREATE TRIGGER article_search_ad AFTER DELETE ON article_versions
BEGIN
    DELETE FROM article_search WHERE rowid = OLD.article_id;
    INSERT INTO article_search(rowid, title, lead, body)
        SELECT article_id, title, lead, body FROM article_versions
        WHERE article_id = OLD.article_id ORDER BY number DESC LIMIT 1;
END""",
}
_PG_LANGUAGES = {
    "fr": "french",
    "en": "english",
    "de": "german",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
}
_PG_CONFIG = (
    "CASE language "
    + " ".join(f"WHEN '{code}' THEN '{name}'::regconfig" for code, name in _PG_LANGUAGES.items())
    + " ELSE 'simple'::regconfig END"
)
_PG_VECTOR = " || ".join(
    f"setweight(to_tsvector({_PG_CONFIG}, coalesce({col}, '')), '{weight}')"
    for col, weight in (("title", "A"), ("lead", "B"), ("body", "C"))
)


def upgrade() -> None:
    with op.batch_alter_table("article_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("warc_file", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("warc_offset", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("warc_length", sa.BigInteger(), nullable=True))

    with op.batch_alter_table("fetches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("warc_file", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("warc_offset", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("warc_length", sa.BigInteger(), nullable=True))

    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE article_search USING fts5("
            "title, lead, body, tokenize = 'unicode61 remove_diacritics 2')"
        )
        op.execute(
            "INSERT INTO article_search(rowid, title, lead, body) "
            "SELECT v.article_id, v.title, v.lead, v.body FROM article_versions v "
            "WHERE v.number = (SELECT max(w.number) FROM article_versions w WHERE w.article_id = v.article_id)"
        )
        for ddl in _SQLITE_TRIGGERS.values():
            op.execute(ddl)
    elif dialect == "postgresql":
        op.execute(
            f"ALTER TABLE article_versions ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({_PG_VECTOR}) STORED"
        )
        op.execute("CREATE INDEX ix_article_versions_search_vector ON article_versions USING gin (search_vector)")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS article_search")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_article_versions_search_vector")
        op.execute("ALTER TABLE article_versions DROP COLUMN IF EXISTS search_vector")

    with op.batch_alter_table("fetches", schema=None) as batch_op:
        batch_op.drop_column("warc_length")
        batch_op.drop_column("warc_offset")
        batch_op.drop_column("warc_file")

    with op.batch_alter_table("article_versions", schema=None) as batch_op:
        batch_op.drop_column("warc_length")
        batch_op.drop_column("warc_offset")
        batch_op.drop_column("warc_file")
