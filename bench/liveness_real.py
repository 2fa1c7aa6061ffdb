"""Removal detection on real page chrome: the Fundus-layout page set, archived, then removed or not.

    python -m bench.liveness_real [--data DIR] [--limit N] [--seed S] [--every] [--json OUT] [--keep DIR]
                                                                            (from the repository root)

Every page of the set (``--data``, default ``<repo>/../shared/benchmarks/fundus-dev``; see its
README.md) becomes two cases, each on its own virtual host ``p<NNN><r|c>.<original host>`` (mapped to
127.0.0.1 through ``MORGUE_HOSTS``, path and query as in the page's original URL): one removal
scenario and one control, dealt round-robin over the pages in an order shuffled by ``--seed``
(``--every``: all nine scenarios on every page, nine hosts a page).

1. The pages are served as fetched (rehosted: their own absolute URLs, rel=canonical and og:url point
   at the served URL; charset declared UTF-8) and archived by a real ``morgue crawl --delay 0`` from a
   generated sitemap listing every case URL.
2. Each URL then answers its scenario's variant (:mod:`bench.variants`, located with the expected
   title and body paragraphs of the set) and ``morgue recheck --all --delay 0`` runs three times
   (``confirmations = 3``, ``confirm_interval = "0s"``).

Removal scenarios (truth: removed): ``hard_404`` (404, the chrome), ``soft_404_sitewide`` (200, the
chrome with a "not found" message; every unknown URL of the host answers the same), ``emptied`` (200,
headline and body gone), ``removal_notice`` (200, body replaced by a notice in the bench's own wording,
headline kept in half of the cases), ``redirect_home`` (301 to ``/``, which serves the chrome).
Controls (truth: alive): ``unchanged``, ``edited``, ``notfound_widget``, ``paywalled``.
Unknown URLs of a host answer 404 with the chrome (except ``soft_404_sitewide``); ``/`` serves the chrome.

Prints per scenario n, removed (article status after the rechecks) and the first re-check's verdicts;
removed precision/recall and false removals; a confusion matrix per ``<html lang>``; every miss with
the verdicts and reasons of its three re-checks; the run time. ``--json OUT`` writes every case's row.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from xml.sax.saxutils import escape

from sqlalchemy import select

from bench import variants as v
from bench.fundus import Page, load_pages
from crawler.core.urls import canonicalize
from storage import models
from storage.db import make_engine, make_sessionmaker

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "benchmarks" / "fundus-dev"
REMOVALS = ("hard_404", "soft_404_sitewide", "emptied", "removal_notice", "redirect_home")
CONTROLS = ("unchanged", "edited", "notfound_widget", "paywalled")
ROUNDS = 3
SITEMAP_HOST = "sitemap.bench.invalid"


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class Host:
    pages: dict[str, Answer] = field(default_factory=dict)  # unquoted path -> answer
    fallback: Answer = Answer(404, b"<html><body><h1>Not Found</h1></body></html>")


@dataclass(slots=True)
class Case:
    page: Page
    scenario: str
    host: str
    url: str = ""
    lang: str = ""
    keep_headline: bool = False
    notice: str = ""
    article_id: int | None = None
    final_status: str = "not archived"
    checks: list[dict[str, Any]] = field(default_factory=list)  # verdict, status, reasons per re-check
    paywalled_flag: bool | None = None

    @property
    def removed_truth(self) -> bool:
        return self.scenario in REMOVALS

    @property
    def removed(self) -> bool:
        return self.final_status == "removed"

    def row(self) -> dict[str, Any]:
        return {
            "file": self.page.file,
            "scenario": self.scenario,
            "truth": "removed" if self.removed_truth else "alive",
            "lang": self.lang,
            "url": self.url,
            "final_status": self.final_status,
            "checks": self.checks,
            "keep_headline": self.keep_headline if self.scenario == "removal_notice" else None,
            "notice": self.notice or None,
            "is_paywalled": self.paywalled_flag,
        }


# -- serving ----------------------------------------------------------------------------------


class VirtualHosts:
    """A threaded HTTP server on 127.0.0.1 answering by Host header and path; ``hosts`` may be swapped."""

    def __init__(self) -> None:
        self.hosts: dict[str, Host] = {}
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.httpd.request_queue_size = 128
        self.port = self.httpd.server_address[1]

    def answer(self, host: str, path: str) -> Answer:
        site = self.hosts.get(host.split(":")[0].lower())
        if site is None or path == "/robots.txt":
            return Host().fallback
        return site.pages.get(unquote(path)) or site.fallback

    def __enter__(self) -> VirtualHosts:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _handler(server: VirtualHosts) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            pass

        def do_GET(self) -> None:
            answer = server.answer(self.headers.get("Host", ""), urlsplit(self.path).path)
            self.send_response(answer.status)
            headers = dict(answer.headers)
            headers.setdefault("Content-Type", "text/html; charset=utf-8")
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(answer.body)

    return Handler


# -- cases ------------------------------------------------------------------------------------


def deal(pages: list[Page], seed: int) -> list[Case]:
    """One removal scenario and one control per page, round-robin over a seeded shuffle."""
    rng = random.Random(seed)
    order = list(range(len(pages)))
    rng.shuffle(order)
    cases = []
    for k, i in enumerate(order):
        page, host = pages[i], urlsplit(pages[i].url).hostname or "site.invalid"
        removal = Case(page, REMOVALS[k % len(REMOVALS)], f"p{i:03d}r.{host}", keep_headline=rng.random() < 0.5)
        control = Case(page, CONTROLS[k % len(CONTROLS)], f"p{i:03d}c.{host}")
        cases += [removal, control]
    _languages_and_notices(cases, rng)
    return cases


def deal_every(pages: list[Page], seed: int) -> list[Case]:
    """Every scenario on every page, each on its own host (``--every``)."""
    rng = random.Random(seed)
    cases = []
    for i, page in enumerate(pages):
        host = urlsplit(page.url).hostname or "site.invalid"
        for j, scenario in enumerate((*REMOVALS, *CONTROLS)):
            cases.append(Case(page, scenario, f"p{i:03d}s{j}.{host}", keep_headline=rng.random() < 0.5))
    _languages_and_notices(cases, rng)
    return cases


def _languages_and_notices(cases: list[Case], rng: random.Random) -> None:
    for case in cases:
        case.lang = v.lang_of(case.page.html)
        if case.scenario == "removal_notice":
            case.notice = rng.choice(v.phrase(v.NOTICES, case.lang))


def served_url(case: Case, port: int) -> str:
    parts = urlsplit(case.page.url)
    path = quote(unquote(parts.path) or "/", safe="/:@!$&'()*+,;=-._~")
    return f"http://{case.host}:{port}{path}" + (f"?{parts.query}" if parts.query else "")


def html_answer(html: str, status: int = 200) -> Answer:
    return Answer(status, html.encode("utf-8"))


def original_host(case: Case, html: str, chrome: str) -> Host:
    """What the case's host serves while it is archived: the page, the chrome at ``/``, 404 elsewhere."""
    return Host({_path(case.url): html_answer(html), "/": html_answer(chrome)}, html_answer(chrome, 404))


def scenario_host(case: Case, html: str, chrome: str) -> Host:
    """What the case's host serves during the re-checks (``chrome``: ``html`` without the article)."""
    article, lang, path = case.page.article, case.lang, _path(case.url)
    host = Host({"/": html_answer(chrome)}, html_answer(chrome, 404))
    builders: dict[str, Callable[[], Answer]] = {
        "hard_404": lambda: html_answer(chrome, 404),
        "soft_404_sitewide": lambda: html_answer(v.soft_404(html, article, lang)),
        "emptied": lambda: html_answer(chrome),
        "removal_notice": lambda: html_answer(
            v.removal_notice(html, article, case.notice, keep_headline=case.keep_headline)
        ),
        "redirect_home": lambda: Answer(301, b"", (("Location", f"http://{urlsplit(case.url).netloc}/"),)),
        "unchanged": lambda: html_answer(html),
        "edited": lambda: html_answer(v.edited(html, article, v.phrase(v.UPDATE, lang))),
        "notfound_widget": lambda: html_answer(v.notfound_widget(html, lang)),
        "paywalled": lambda: html_answer(v.paywalled(html, article, v.phrase(v.PAYWALL, lang))),
    }
    host.pages[path] = builders[case.scenario]()
    if case.scenario == "soft_404_sitewide":
        host.fallback = host.pages[path]
    return host


def rehosted(case: Case) -> tuple[str, str]:
    """The page at its served URL, and its chrome (the page without the article)."""
    html = v.rehost(case.page.html, case.page.url, case.url)
    return html, v.strip_article(html, case.page.article)


def _path(url: str) -> str:
    return unquote(urlsplit(url).path) or "/"


def sitemap_host(cases: list[Case]) -> Host:
    entries = "".join(f"<url><loc>{escape(c.url)}</loc></url>" for c in cases)
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{entries}</urlset>"
    )
    return Host({"/sitemap.xml": Answer(200, xml.encode(), (("Content-Type", "application/xml"),))})


# -- morgue runs ------------------------------------------------------------------------------


def write_config(work: Path, cases: list[Case], port: int) -> Path:
    domains = [SITEMAP_HOST, *(c.host for c in cases)]
    config = work / "morgue.toml"
    config.write_text(
        "processes = 1\n\n"
        f'[liveness]\nconfirmations = {ROUNDS}\nconfirm_interval = "0s"\n\n'
        f'[[sources]]\nname = "real"\nsitemaps = ["http://{SITEMAP_HOST}:{port}/sitemap.xml"]\n'
        f"allowed_domains = {json.dumps(domains)}\n"
        "allow_private_addresses = true\n",  # the hosts are pinned to 127.0.0.1 (MORGUE_HOSTS)
        encoding="utf-8",
    )
    return config


def morgue(work: Path, config: Path, db: str, hosts: dict[str, str], *args: str) -> float:
    """Run one ``morgue`` command in a subprocess; its wall time in seconds."""
    # the subprocess runs in ``work``: pin it to this checkout's code, not whatever ``pip install -e`` points at
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "MORGUE_HOSTS": json.dumps(hosts), "PYTHONPATH": pythonpath}
    for key in ("MORGUE_REDIS_URL", "MORGUE_DATABASE_URL", "MORGUE_CONFIG"):
        env.pop(key, None)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "crawler", "--config", str(config), "--db", db, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
        cwd=work,
    )
    if done.returncode != 0:
        raise RuntimeError(f"morgue {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def read_archive(db: str, cases: list[Case]) -> None:
    """Each case's article, final status, re-check fetches (in order) and paywall flag."""
    engine = make_engine(db)
    with make_sessionmaker(engine)() as session:
        ids = dict(session.execute(select(models.ArticleUrl.url, models.ArticleUrl.article_id)).all())
        status = dict(session.execute(select(models.Article.id, models.Article.status)).all())
        fetches = session.execute(
            select(models.Fetch.article_id, models.Fetch.verdict, models.Fetch.status, models.Fetch.reasons)
            .join(models.CrawlRun, models.CrawlRun.id == models.Fetch.run_id)
            .where(models.CrawlRun.kind == "recheck", models.Fetch.kind == "article")
            .order_by(models.Fetch.fetched_at, models.Fetch.id)
        ).all()
        paywall = dict(
            session.execute(
                select(models.ArticleVersion.article_id, models.ArticleVersion.is_paywalled).order_by(
                    models.ArticleVersion.number
                )
            ).all()
        )
    engine.dispose()
    checks: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for article_id, verdict, http_status, reasons in fetches:
        checks[article_id].append({"verdict": verdict, "status": http_status, "reasons": reasons})
    for case in cases:
        case.article_id = ids.get(canonicalize(case.url))
        if case.article_id is not None:
            case.final_status = status[case.article_id]
            case.checks = checks.get(case.article_id, [])
            case.paywalled_flag = paywall.get(case.article_id)


def run(work: Path, cases: list[Case]) -> dict[str, float]:
    """Archive every case, switch to the scenarios, re-check ROUNDS times; seconds per phase."""
    db = f"sqlite:///{work / 'real.db'}"
    seconds: dict[str, float] = {}
    with VirtualHosts() as server:
        for case in cases:
            case.url = served_url(case, server.port)
        started = time.perf_counter()
        pages = {case.host: rehosted(case) for case in cases}
        server.hosts = {c.host: original_host(c, *pages[c.host]) for c in cases} | {SITEMAP_HOST: sitemap_host(cases)}
        scenario_hosts = {c.host: scenario_host(c, *pages[c.host]) for c in cases}
        seconds["build variants"] = time.perf_counter() - started
        hosts = {name: "127.0.0.1" for name in server.hosts}
        config = write_config(work, cases, server.port)
        morgue(work, config, db, hosts, "init")
        seconds["crawl"] = morgue(work, config, db, hosts, "crawl", "--delay", "0")
        server.hosts = scenario_hosts
        for r in range(ROUNDS):
            seconds[f"recheck {r + 1}"] = morgue(work, config, db, hosts, "recheck", "--all", "--delay", "0")
    read_archive(db, cases)
    return seconds


# -- report -----------------------------------------------------------------------------------


def scenario_table(cases: list[Case]) -> str:
    out = [f"{'scenario':18} {'truth':7} {'n':>3} {'removed':>7}  first re-check verdicts"]
    for scenario in (*REMOVALS, *CONTROLS):
        group = [c for c in cases if c.scenario == scenario and c.article_id is not None]
        if not group:
            continue
        first = Counter(c.checks[0]["verdict"] if c.checks else "none" for c in group)
        dist = " ".join(f"{k}:{n}" for k, n in first.most_common())
        truth = "removed" if scenario in REMOVALS else "alive"
        out.append(f"{scenario:18} {truth:7} {len(group):>3} {sum(c.removed for c in group):>7}  {dist}")
    return "\n".join(out)


def scores(cases: list[Case]) -> dict[str, Any]:
    judged = [c for c in cases if c.article_id is not None]
    tp = sum(c.removed and c.removed_truth for c in judged)
    fp = [c for c in judged if c.removed and not c.removed_truth]
    fn = [c for c in judged if not c.removed and c.removed_truth]
    controls = [c for c in judged if not c.removed_truth]
    return {
        "precision": tp / (tp + len(fp)) if tp + len(fp) else 1.0,
        "recall": tp / (tp + len(fn)) if tp + len(fn) else 1.0,
        "true_removals": tp,
        "false_removals": len(fp),
        "controls": len(controls),
        "missed": len(fn),
        "paywalled_flagged": sum(bool(c.paywalled_flag) for c in judged if c.scenario == "paywalled"),
    }


def _cell(c: Case) -> str:
    if c.removed_truth:
        return "TP" if c.removed else "FN"
    return "FP" if c.removed else "TN"


def language_matrix(cases: list[Case]) -> str:
    cells: dict[str, Counter[str]] = defaultdict(Counter)
    for c in cases:
        if c.article_id is not None:
            cells[c.lang or "none"][_cell(c)] += 1
    out = [f"{'lang':5} {'TP':>4} {'FN':>4} {'FP':>4} {'TN':>4}  recall"]
    for lang, cell in sorted(cells.items(), key=lambda kv: -sum(kv[1].values())):
        pos = cell["TP"] + cell["FN"]
        recall = f"{cell['TP'] / pos:.2f}" if pos else "  - "
        out.append(f"{lang:5} {cell['TP']:>4} {cell['FN']:>4} {cell['FP']:>4} {cell['TN']:>4}  {recall}")
    return "\n".join(out)


def misses(cases: list[Case]) -> str:
    wrong = [c for c in cases if c.article_id is not None and c.removed != c.removed_truth]
    out = []
    for c in sorted(wrong, key=lambda c: (c.scenario, c.page.file)):
        extra = f" headline {'kept' if c.keep_headline else 'gone'}" if c.scenario == "removal_notice" else ""
        out.append(f"  {c.page.file} [{c.lang}] {c.scenario}{extra} -> {c.final_status}")
        for i, check in enumerate(c.checks, 1):
            reasons = "; ".join(map(str, check["reasons"]))[:220]
            out.append(f"      {i}. {check['status']} {check['verdict']}: {reasons}")
    return "\n".join(out) or "  none"


def failure_classes(cases: list[Case]) -> str:
    """Misses and false removals grouped by what the re-checks said: first verdict and reason, and the last."""
    classes: Counter[str] = Counter()
    for c in cases:
        if c.article_id is None or c.removed == c.removed_truth or not c.checks:
            continue
        first, last = c.checks[0], c.checks[-1]
        reason = str(first["reasons"][0]) if first["reasons"] else "-"
        reason = "similarity" if reason.startswith("similarity") else reason
        classes[f"{c.scenario}: {first['verdict']} ({reason}) then {last['verdict']}"] += 1
    return "\n".join(f"  {n:>3}  {k}" for k, n in classes.most_common()) or "  none"


def report(cases: list[Case], seconds: dict[str, float], total: float) -> str:
    s = scores(cases)
    lost = [f"{c.page.file} ({c.scenario})" for c in cases if c.article_id is None]
    lines = [
        f"{len({c.page.file for c in cases})} pages, {len(cases)} cases, "
        f"{len(cases) - len(lost)} archived by the crawl",
        *([f"not archived (left out): {', '.join(lost)}"] if lost else []),
        "",
        scenario_table(cases),
        "",
        f"removed: precision {s['precision']:.3f}  recall {s['recall']:.3f}  ({s['true_removals']} found, "
        f"{s['missed']} missed; {s['false_removals']} false removals among {s['controls']} controls)",
        f"paywalled controls flagged is_paywalled: {s['paywalled_flagged']}",
        "",
        "Per <html lang> (removed = positive):",
        language_matrix(cases),
        "",
        "Failure classes (misses and false removals):",
        failure_classes(cases),
        "",
        "Misses and false removals (status verdict: reasons of each re-check):",
        misses(cases),
        "",
        "Run time: " + ", ".join(f"{k} {t:.1f}s" for k, t in seconds.items()) + f"; total {total:.1f}s",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (after the shuffle)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write every case's row here")
    parser.add_argument("--every", action="store_true", help="every scenario on every page (9 cases a page)")
    parser.add_argument("--keep", type=Path, help="work in this folder (kept) instead of a temporary one")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    pages = load_pages(args.data)
    if args.every:
        cases = deal_every(pages[: args.limit], args.seed)
    else:
        cases = deal(pages, args.seed)[: None if args.limit is None else 2 * args.limit]
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        seconds = run(work, cases)
    total = time.perf_counter() - started
    print(report(cases, seconds, total))
    if args.json:
        args.json.write_text(
            json.dumps(
                {"seed": args.seed, "seconds": seconds, "scores": scores(cases), "cases": [c.row() for c in cases]},
                indent=1,
                ensure_ascii=False,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
