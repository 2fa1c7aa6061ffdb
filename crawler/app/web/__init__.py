"""``morgue serve``: a read-only web interface on the archive (Flask, Jinja2 templates).

:func:`create_app` takes a session factory and the WARC folder; every request reads in a
session of its own that is rolled back, never committed, and :func:`read_only` makes the
engine's connections refuse writes (SQLite ``query_only``, PostgreSQL read-only sessions).
Pages: search (``/``), an article (``/article?url=``), removals (``/removed``), changes
(``/changed``), runs (``/runs``), the Atom feeds (``/feeds/removed.atom``, ``/feeds/changed.atom``)
and the archived captures (``/capture/<version|fetch>/<id>``, see :mod:`.captures`).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response
from sqlalchemy import Engine, event

# the interface's own pages: no script at all, styles and images from itself, frames from itself
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def read_only(engine: Engine) -> Engine:
    """Make every new connection of ``engine`` read-only (and drop the pooled ones)."""

    @event.listens_for(engine, "connect")
    def _read_only(dbapi_conn: Any, _record: Any) -> None:
        if engine.dialect.name == "sqlite":
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA query_only = ON")
            cur.close()
        elif engine.dialect.name == "postgresql":
            dbapi_conn.read_only = True

    engine.dispose()
    return engine


def create_app(session_factory: Any, warc_dir: str | None) -> Flask:
    """The web interface on the archive behind ``session_factory`` (captures from ``warc_dir``)."""
    from crawler.app.web import views

    app = Flask(__name__)
    app.config["MORGUE_SESSIONS"] = session_factory
    app.config["MORGUE_WARC_DIR"] = warc_dir
    app.register_blueprint(views.bp)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters.update(views.FILTERS)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response

    return app
