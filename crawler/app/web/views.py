"""The pages of ``morgue serve``: each view reads in a session it never commits, calls the
storage layer's read functions, and renders a template."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy.orm import Session

from crawler.app import feeds
from crawler.app.web import data, render
from crawler.app.web.captures import CAPTURE_HEADERS, NoCapture, load_capture, warc_available
from crawler.core.items import DEAD_VERDICTS, Verdict

bp = Blueprint("morgue", __name__)
DEAD = frozenset(v.value for v in DEAD_VERDICTS)
ALIVE = frozenset(v.value for v in Verdict if v.is_alive)
STATUSES = ("alive", "suspect", "removed", "unreachable", "blocked")


def _when(value: datetime | date | None, seconds: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(UTC)
        return value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return value.isoformat()


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


FILTERS = {"when": _when, "duration": _duration}


@contextmanager
def _session() -> Iterator[Session]:
    """A session for one request: read, then rolled back (the interface never writes)."""
    with current_app.config["MORGUE_SESSIONS"]() as session:
        try:
            yield session
        finally:
            session.rollback()


class BadInputError(ValueError):
    """A filter the user typed is not valid; the page says which."""


def _date_arg(name: str) -> datetime | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return datetime.combine(date.fromisoformat(raw), time(), tzinfo=UTC)
    except ValueError:
        raise BadInputError(f"{name}: not a date (YYYY-MM-DD): {raw!r}") from None


def _sources_arg() -> tuple[str, ...]:
    return tuple(s for s in request.args.getlist("source") if s)


@bp.errorhandler(BadInputError)
def _bad_input(exc: BadInputError) -> tuple[str, int]:
    return render_template("error.html", title="Bad request", message=str(exc)), 400


@bp.route("/")
def search() -> str:
    form = data.SearchForm(
        text=request.args.get("q", ""),
        source=request.args.get("source", ""),
        status=request.args.get("status", ""),
        section=request.args.get("section", ""),
        since=_date_arg("since"),
        until=_date_arg("until"),
    )
    from storage.search import SNIPPET_END, SNIPPET_START

    with _session() as session:
        results = data.search(session, form)
        options = data.choices(session)
    for r in results:
        r["snippet_html"] = render.snippet_markup(r.get("snippet"), SNIPPET_START, SNIPPET_END)
    return render_template(
        "search.html",
        title=f"Search: {form.text}" if form.text else "Articles",
        form=form,
        args=request.args,
        results=results,
        options=options,
        statuses=STATUSES,
    )


@bp.route("/article")
def article() -> str:
    url = request.args.get("url", "")
    if not url:
        abort(404)
    with _session() as session:
        detail = data.article_page(session, url)
        if detail is None:
            return render_template("error.html", title="Not archived", message=f"No archived article for {url}"), 404
        texts = data.version_texts(session, detail["article_id"])
    numbers = sorted(texts)
    diff = _diff(texts, numbers)
    warc_dir = current_app.config["MORGUE_WARC_DIR"]
    for v in detail["version_history"]:
        v["capture"] = warc_available(warc_dir, v["warc_file"])
    for f in detail["fetches"]:
        f["capture"] = warc_available(warc_dir, f["warc_file"]) or f["has_evidence"]
    evidence = _removal_evidence(detail["fetches"])
    shown = _shown_capture(detail, evidence)
    return render_template(
        "article.html",
        title=detail["title"] or detail["canonical_url"],
        a=detail,
        diff=diff,
        numbers=numbers,
        shown=shown,
        evidence=evidence,
    )


def _removal_evidence(fetches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The removal-type observations since the article was last seen alive (oldest first)."""
    out: list[dict[str, Any]] = []
    for f in reversed(fetches):
        if f["verdict"] in DEAD:
            out.insert(0, f)
        elif f["verdict"] in ALIVE:
            break
    return out


def _diff(texts: dict[int, dict[str, str]], numbers: list[int]) -> dict[str, Any] | None:
    if len(numbers) < 2:
        return None
    try:
        old = int(request.args.get("old", numbers[-2]))
        new = int(request.args.get("new", numbers[-1]))
    except ValueError:
        raise BadInputError("old, new: version numbers") from None
    if old not in texts or new not in texts:
        raise BadInputError(f"no such version (versions: {', '.join(map(str, numbers))})")
    from storage.diffs import word_changes

    fields = []
    for name in render.DIFF_FIELDS:
        a, b = texts[old][name], texts[new][name]
        fields.append({"name": name, "changed": a != b, "html": render.diff_markup(render.word_diff(a, b))})
    words = lambda n: " ".join(texts[n][f] for f in render.DIFF_FIELDS).split()  # noqa: E731
    added, removed = word_changes(words(old), words(new))
    return {"old": old, "new": new, "fields": fields, "added": added, "removed": removed}


def _shown_capture(detail: dict[str, Any], evidence: list[dict[str, Any]]) -> dict[str, Any]:
    """The capture the page frames: ``?capture=fetch:ID`` or ``version:ID``; by default the
    latest removal evidence of a removed article, else the newest version."""
    kind, _, ident = request.args.get("capture", "").partition(":")
    fetches = {str(f["id"]): f for f in detail["fetches"]}
    versions = {str(v["id"]): v for v in detail["version_history"]}
    if kind == "fetch" and ident in fetches:
        return _fetch_capture(fetches[ident])
    if kind == "version" and ident in versions:
        return _version_capture(versions[ident])
    if detail["status"] == "removed" and evidence and evidence[-1]["capture"]:
        return _fetch_capture(evidence[-1])
    return _version_capture(detail["version_history"][-1])


def _fetch_capture(f: dict[str, Any]) -> dict[str, Any]:
    label = f"the page served on {_when(f['fetched_at'])} (HTTP {f['status'] or '—'}, {f['verdict']})"
    return {"kind": "fetch", "id": f["id"], "label": label, "ok": f["capture"]}


def _version_capture(v: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "version", "id": v["id"], "label": f"version {v['number']}", "ok": v["capture"]}


@bp.route("/capture/<any(version, fetch):kind>/<int:ident>")
def capture(kind: str, ident: int) -> Response:
    with _session() as session:
        ref = data.capture_ref(session, kind, ident)
    if ref is None:
        abort(404)
    try:
        found = load_capture(ref, current_app.config["MORGUE_WARC_DIR"])
    except NoCapture as exc:
        body = Markup("<!doctype html><meta charset=utf-8><title>no capture</title><p>%s</p>") % str(exc)
        return Response(str(body), status=404, mimetype="text/html", headers=CAPTURE_HEADERS)
    response = Response(found.body, status=200, headers=CAPTURE_HEADERS)
    response.headers["Content-Type"] = found.content_type
    return response


@bp.route("/removed")
def removed() -> str:
    from storage.reports import removed_report

    sources = _sources_arg()
    since, until = _date_arg("since"), _date_arg("until")
    with _session() as session:
        report = removed_report(session, since=since, until=until, sources=sources)
        options = data.choices(session)
    per_source = Counter()
    per_reason = Counter()
    for c in report.counts:
        per_source[c["source"]] += c["count"]
        per_reason[c["reason"] or "unknown"] += c["count"]
    return render_template(
        "removed.html",
        title="Removed articles",
        report=report,
        per_source=per_source.most_common(),
        per_reason=per_reason.most_common(),
        chart=render.day_chart(report.by_day),
        sources=sources,
        options=options,
        args=request.args,
        feed=url_for("morgue.removed_atom", source=list(sources) or None),
    )


@bp.route("/changed")
def changed() -> str:
    from storage.diffs import changed_articles

    sources = _sources_arg()
    with _session() as session:
        items = changed_articles(
            session, since=_date_arg("since"), until=_date_arg("until"), sources=sources, limit=200
        )
        options = data.choices(session)
    return render_template(
        "changed.html",
        title="Changed articles",
        items=items,
        sources=sources,
        options=options,
        args=request.args,
        feed=url_for("morgue.changed_atom", source=list(sources) or None),
    )


@bp.route("/runs")
def runs() -> str:
    from storage.queries import list_runs

    with _session() as session:
        history = list_runs(session, limit=200)
    totals = Counter()
    for r in history:
        for name in ("pages_fetched", "articles_new", "articles_updated", "dead_found", "errors"):
            totals[name] += r.get(name) or 0
    return render_template("runs.html", title="Runs", runs=history, totals=totals)


def _atom(body: str) -> Response:
    return Response(body, mimetype="application/atom+xml", headers={"Content-Type": feeds.CONTENT_TYPE})


@bp.route("/feeds/removed.atom")
def removed_atom() -> Response:
    from storage.reports import removed_report

    sources = _sources_arg()
    with _session() as session:
        report = removed_report(session, since=_date_arg("since"), sources=sources)
    return _atom(feeds.removed_feed(report.items, now=datetime.now(UTC), sources=sources, self_url=request.url))


@bp.route("/feeds/changed.atom")
def changed_atom() -> Response:
    from storage.diffs import changed_articles

    sources = _sources_arg()
    with _session() as session:
        items = changed_articles(session, since=_date_arg("since"), sources=sources, limit=200)
    return _atom(feeds.changed_feed(items, now=datetime.now(UTC), sources=sources, self_url=request.url))
