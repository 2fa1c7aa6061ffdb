"""access: how a page restricts its article, and whether the stored body is whole

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 18:30:00

``article_versions``: ``access`` (free | metered | subscription | registration), ``access_evidence``
(what set it), ``body_complete`` (the body is the whole article as far as the page tells) and
``alternative_titles`` (the other headlines the page gave). ``articles.access``: the access seen
last, indexed for ``morgue query --access``. Columns are added, never a table recreated, so the
SQLite full-text triggers of 0004 stay.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("article_versions", sa.Column("access", sa.String(16), nullable=True))
    op.add_column("article_versions", sa.Column("access_evidence", sa.JSON(), nullable=True))
    op.add_column("article_versions", sa.Column("body_complete", sa.Boolean(), nullable=True))
    op.add_column("article_versions", sa.Column("alternative_titles", sa.JSON(), nullable=True))
    op.add_column("articles", sa.Column("access", sa.String(16), nullable=True))
    op.create_index("ix_articles_access", "articles", ["access"])


def downgrade() -> None:
    op.drop_index("ix_articles_access", table_name="articles")
    op.drop_column("articles", "access")
    for name in ("alternative_titles", "body_complete", "access_evidence", "access"):
        op.drop_column("article_versions", name)  # SQLite >= 3.35 drops a column in place (no table rebuild)
