"""Crawl benchmark: morgue's speed, incremental cost and memory on a synthetic site, against news-please.

    python -m bench.crawl [--articles N] [--large N2] [--no-setup] [--skip-newsplease] [--json OUT]
                                                                            (from the repository root)

One run: ``bench/setup.sh`` (nginx from Debian packages, ``bench.example.com`` in /etc/hosts, news-please in
``bench/.venv-newsplease``), then a synthetic news site of N articles (:mod:`bench.site`, 50-150 KB pages,
sections, sitemap index, RSS) served by nginx on 127.0.0.1:80 as ``http://bench.example.com``, then:

- (a) extraction ceiling: morgue's page pipeline alone (:func:`crawler.spiders.observe.response_result`:
  liveness verdict + normalised article) over up to ``--sample`` of the article files, one process, pages/s;
- (b) ``morgue crawl --delay 0`` end to end into SQLite and into PostgreSQL (database ``morgue_bench``,
  dropped and created), article pages/s over the run's duration, and the ratio to (a);
- (c) news-please 1.6.16 (SitemapCrawler, its default HTML+JSON file pipelines) on the same site: JSON
  files written per second of wall time, and morgue's (SQLite) ratio to it;
- (d) the same ``morgue crawl`` again with nothing changed (SQLite): its time relative to the first,
  the requests nginx logged, the new versions stored;
- (e) ``morgue recheck --all --delay 0`` of the whole archive (SQLite): URLs/s;
- (f) peak RSS of the first SQLite crawl at N, and at ``--large`` N2 when given: the crawl process and its
  helper processes (page processes, writer process) summed, sampled every 0.2 s from /proc (the crawl
  process alone, ``wait4``'s ru_maxrss, is in the JSON as ``crawl_process_rss_mb``).

A figure that cannot be measured (nginx or news-please missing, PostgreSQL unreachable...) prints as
``n/a (reason)``; the bench does not stop. Prints one table (with the machine's core count) and writes
JSON (default ``bench/out/crawl-N.json``). Speed is never asserted in unit tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.site import article_files, build

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
HOST = "bench.example.com"
BASE = f"http://{HOST}"
PG_ADMIN = os.environ.get("MORGUE_BENCH_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_DB = "morgue_bench"
NEWSPLEASE = ROOT / "bench" / ".venv-newsplease" / "bin" / "news-please"
TARGETS = {
    "ratio_b_a": 0.8,
    "ratio_newsplease": 5.0,
    "second_time_ratio": 0.10,
    "recheck_urls_per_s": 300.0,
    "rss_growth": 0.20,
}


class NotMeasuredError(Exception):
    """A figure that cannot be measured here; the message is the reason."""


def measure(results: dict[str, Any], key: str, fn: Callable[[], Any]) -> Any:
    try:
        results[key] = fn()
    except NotMeasuredError as exc:
        results[key] = {"n/a": str(exc)}
    except Exception as exc:  # the bench reports and goes on
        results[key] = {"n/a": f"{type(exc).__name__}: {str(exc)[:200]}"}
    return results[key]


# -- nginx ------------------------------------------------------------------------------------------


class Nginx:
    def __init__(self, site: Path, work: Path) -> None:
        self.site, self.work = site, work
        self.conf = work / "nginx.conf"
        self.log = work / "access.log"
        self.binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

    def start(self) -> None:
        if self.binary is None:
            raise NotMeasuredError("nginx not installed (bench/setup.sh installs it)")
        self.work.mkdir(parents=True, exist_ok=True)
        user = "user root;" if os.geteuid() == 0 else ""
        self.conf.write_text(
            f"""{user}
worker_processes auto;
pid {self.work}/nginx.pid;
error_log {self.work}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log {self.log};
  sendfile on; tcp_nopush on; keepalive_timeout 65; keepalive_requests 100000;
  types {{ text/html html; application/xml xml; application/rss+xml rss; text/plain txt; }}
  default_type text/html;
  server {{
    listen 127.0.0.1:80;
    server_name {HOST} 127.0.0.1;
    root {self.site};
    location / {{ try_files $uri $uri.html $uri/index.html =404; }}
  }}
}}
""",
            "utf-8",
        )
        proc = subprocess.run(
            [self.binary, "-c", str(self.conf), "-p", str(self.work)], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise NotMeasuredError(f"nginx did not start: {proc.stderr.strip()[:200]}")

    def requests(self) -> int:
        return sum(1 for _ in self.log.open("rb")) if self.log.exists() else 0

    def stop(self) -> None:
        if self.binary and (self.work / "nginx.pid").exists():
            subprocess.run([self.binary, "-c", str(self.conf), "-p", str(self.work), "-s", "quit"], check=False)
            for _ in range(50):
                if not (self.work / "nginx.pid").exists():
                    break
                time.sleep(0.1)


# -- morgue runs ---------------------------------------------------------------------------------


def morgue_env() -> dict[str, str]:
    env = {**os.environ, "MORGUE_HOSTS": json.dumps({HOST: "127.0.0.1"})}
    for key in ("MORGUE_REDIS_URL", "MORGUE_DATABASE_URL", "MORGUE_CONFIG"):
        env.pop(key, None)
    return env


def write_config(work: Path) -> Path:
    config = work / "morgue.toml"
    config.write_text(
        f"""[[sources]]
name = "bench"
start_urls = ["{BASE}/"]
feeds = ["{BASE}/rss.xml"]
sitemaps = ["{BASE}/sitemap.xml"]
allowed_domains = ["{HOST}"]
article_pattern = "/\\\\d{{8}}-"
allow_private_addresses = true  # {HOST} is pinned to 127.0.0.1 (MORGUE_HOSTS)
""",
        "utf-8",
    )
    return config


def tree_rss_kb(root: int) -> int:
    """Resident memory of ``root`` and all its descendants (page processes, writer process), in KB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, ValueError, IndexError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        for pid in children.get(frontier.pop(), ()):
            if pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(rss.get(pid, 0) for pid in tree)


def run_morgue(config: Path, db: str, *args: str, timeout: float = 3600) -> tuple[float, int, int]:
    """Run ``morgue ... args``; returns (wall seconds, peak RSS of the morgue process in KB, peak RSS of it
    and its helper processes together in KB, sampled every 0.2 s) or raises with its stderr."""
    cmd = [sys.executable, "-m", "crawler", "--quiet", "--config", str(config), "--db", db, *args]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=config.parent, env=morgue_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = start + timeout
    tree_peak, next_sample = 0, start
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            raise NotMeasuredError(f"morgue {args[0]} did not finish in {timeout:.0f}s")
        if time.perf_counter() >= next_sample:
            tree_peak = max(tree_peak, tree_rss_kb(proc.pid))
            next_sample = time.perf_counter() + 0.2
        time.sleep(0.05)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise NotMeasuredError(f"morgue {' '.join(args)} exited {proc.returncode}: {err.strip()[-300:]}")
    return wall, usage.ru_maxrss, max(tree_peak, usage.ru_maxrss)


def last_run(db: str) -> dict[str, Any]:
    from sqlalchemy import create_engine, func, select

    from storage import models

    engine = create_engine(db)
    with engine.connect() as conn:
        run = conn.execute(select(models.CrawlRun).order_by(models.CrawlRun.id.desc()).limit(1)).one()
        versions = conn.scalar(select(func.count()).select_from(models.ArticleVersion))
        articles = conn.scalar(select(func.count()).select_from(models.Article))
        article_fetches = conn.scalar(
            select(func.count())
            .select_from(models.Fetch)
            .where(models.Fetch.run_id == run.id, models.Fetch.kind == "article")
        )
    engine.dispose()
    duration = (run.finished_at - run.started_at).total_seconds()
    return {
        "status": run.status,
        "duration_s": round(duration, 2),
        "pages_fetched": run.pages_fetched,
        "article_fetches": article_fetches,
        "articles": articles,
        "versions": versions,
    }


def crawl_into(config: Path, db: str) -> dict[str, Any]:
    run_morgue(config, db, "init")
    wall, rss, tree = run_morgue(config, db, "crawl", "--delay", "0")
    run = last_run(db)
    if run["status"] != "succeeded":
        raise NotMeasuredError(f"crawl {run['status']}")
    run.update(wall_s=round(wall, 2), peak_rss_mb=round(tree / 1024, 1), crawl_process_rss_mb=round(rss / 1024, 1))
    run["pages_per_s"] = round(run["article_fetches"] / run["duration_s"], 1) if run["duration_s"] else None
    return run


def fresh_pg() -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    try:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
        admin.dispose()
    except Exception as exc:
        raise NotMeasuredError(f"PostgreSQL not reachable at {PG_ADMIN}: {str(exc).splitlines()[0][:120]}") from None
    return make_url(PG_ADMIN).set(database=PG_DB).render_as_string(hide_password=False)


# -- (a) extraction ceiling -------------------------------------------------------------------------


def extraction_ceiling(site: Path, sample: int) -> dict[str, Any]:
    from scrapy.http import HtmlResponse, Request

    from crawler.spiders.observe import response_result

    files = article_files(site)[:sample]
    pages = [(BASE + "/" + str(f.relative_to(site))[: -len(".html")], f.read_bytes()) for f in files]
    headers = {"Content-Type": "text/html; charset=utf-8"}
    now = datetime.now(UTC)
    first = HtmlResponse(url=pages[0][0], body=pages[0][1], headers=headers, status=200, request=Request(pages[0][0]))
    response_result(first, source="bench", kind="article", now=now)  # warm-up: imports, language model
    start = time.perf_counter()
    ok = 0
    for url, body in pages:
        result = response_result(
            HtmlResponse(url=url, body=body, headers=headers, status=200, request=Request(url)),
            source="bench",
            kind="article",
            now=now,
        )
        ok += result.article is not None
    elapsed = time.perf_counter() - start
    return {
        "pages": len(pages),
        "articles": ok,
        "seconds": round(elapsed, 2),
        "pages_per_s": round(len(pages) / elapsed, 1),
    }


# -- (c) news-please ---------------------------------------------------------------------------------


def newsplease(work: Path, n: int, timeout: float) -> dict[str, Any]:
    if not NEWSPLEASE.exists():
        raise NotMeasuredError("news-please not installed (bench/setup.sh installs it into bench/.venv-newsplease)")
    import socket

    try:
        if socket.gethostbyname(HOST) != "127.0.0.1":
            raise NotMeasuredError(f"{HOST} does not resolve to 127.0.0.1")
    except OSError:
        raise NotMeasuredError(f"{HOST} does not resolve (bench/setup.sh adds it to /etc/hosts)") from None
    cfg = work / "newsplease-config"
    data = work / "newsplease-data"
    shutil.rmtree(cfg, ignore_errors=True)
    shutil.rmtree(data, ignore_errors=True)
    cfg.mkdir(parents=True)
    src = next(NEWSPLEASE.parent.parent.glob("lib/python*/site-packages/newsplease/config/config.cfg"))
    text = src.read_text("utf-8")
    text = text.replace("working_path = ~/news-please-repo/", f"working_path = {data}/")
    text = text.replace("LOG_LEVEL = INFO", "LOG_LEVEL = ERROR")
    (cfg / "config.cfg").write_text(text, "utf-8")
    (cfg / "sitelist.hjson").write_text(
        json.dumps({"base_urls": [{"url": f"{BASE}/", "crawler": "SitemapCrawler"}]}), "utf-8"
    )
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(NEWSPLEASE), "-c", str(cfg), "-no-confirm"],
        cwd=work,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=(work / "newsplease.log").open("wb"),
    )
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.terminate()
        proc.wait(timeout=30)
    wall = time.perf_counter() - start
    stored = len(list(data.rglob("*.json"))) if data.exists() else 0
    if stored == 0:
        log = (work / "newsplease.log").read_text("utf-8", errors="replace").strip().splitlines()
        raise NotMeasuredError(f"news-please stored no article (exit {proc.returncode}; {(log or [''])[-1][:150]})")
    return {"articles": stored, "wall_s": round(wall, 2), "pages_per_s": round(stored / wall, 1), "of": n}


# -- the run -----------------------------------------------------------------------------------------


def fmt(value: Any, unit: str = "", digits: int = 1) -> str:
    if isinstance(value, dict) and "n/a" in value:
        return f"n/a ({value['n/a']})"
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}{unit}"
    return f"{value}{unit}"


def get(results: dict[str, Any], key: str, field: str) -> Any:
    value = results.get(key)
    if isinstance(value, dict) and "n/a" in value:
        return value
    return value.get(field) if isinstance(value, dict) else None


def ratio(a: Any, b: Any) -> Any:
    for v in (a, b):
        if isinstance(v, dict):
            return v
        if not v:
            return None
    return a / b


def verdict(value: Any, target: float, *, below: bool = False) -> str:
    if not isinstance(value, int | float):
        return "?"
    return "ok" if (value <= target if below else value >= target) else "MISSED"


def table(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    a = get(results, "a_extraction", "pages_per_s")
    b_sqlite = get(results, "b_sqlite", "pages_per_s")
    b_pg = get(results, "b_postgresql", "pages_per_s")
    c = get(results, "c_newsplease", "pages_per_s")
    d = results.get("d_second_crawl")
    e = get(results, "e_recheck", "urls_per_s")
    rss_small = get(results, "b_sqlite", "peak_rss_mb")
    rss_large = get(results, "f_large", "peak_rss_mb")
    r_sqlite, r_pg, r_np = ratio(b_sqlite, a), ratio(b_pg, a), ratio(b_sqlite, c)
    growth = ratio(rss_large, rss_small)
    growth = growth - 1 if isinstance(growth, float) else growth
    d_ratio = d.get("time_ratio") if isinstance(d, dict) and "n/a" not in d else d
    rows = [
        ("(a) extraction ceiling (normaliser alone)", fmt(a, " pages/s"), "", ""),
        ("(b) morgue crawl -> SQLite", fmt(b_sqlite, " pages/s"), "", ""),
        ("(b) ratio SQLite / (a)", fmt(r_sqlite, "", 2), ">= 0.8", verdict(r_sqlite, TARGETS["ratio_b_a"])),
        ("(b) morgue crawl -> PostgreSQL", fmt(b_pg, " pages/s"), "", ""),
        ("(b) ratio PostgreSQL / (a)", fmt(r_pg, "", 2), ">= 0.8", verdict(r_pg, TARGETS["ratio_b_a"])),
        ("(c) news-please (JSON files / wall s)", fmt(c, " pages/s"), "", ""),
        ("(c) morgue (SQLite) / news-please", fmt(r_np, "x", 1), ">= 5x", verdict(r_np, TARGETS["ratio_newsplease"])),
        (
            "(d) second crawl, time / first",
            fmt(d_ratio * 100 if isinstance(d_ratio, float) else d_ratio, " %"),
            "<= 10 %",
            verdict(d_ratio, TARGETS["second_time_ratio"], below=True),
        ),
        ("(d) second crawl, requests sent", fmt(get(results, "d_second_crawl", "requests")), "", ""),
        (
            "(d) second crawl, new versions",
            fmt(get(results, "d_second_crawl", "new_versions")),
            "0",
            verdict(-(get(results, "d_second_crawl", "new_versions") or 0), 0)
            if not isinstance(d, dict) or "n/a" not in d
            else "?",
        ),
        ("(e) recheck --all", fmt(e, " URLs/s"), ">= 300", verdict(e, TARGETS["recheck_urls_per_s"])),
        (f"(f) peak RSS (all processes), N = {results['articles']}", fmt(rss_small, " MB"), "", ""),
        (f"(f) peak RSS (all processes), N = {results.get('large') or '-'}", fmt(rss_large, " MB"), "", ""),
        (
            "(f) RSS growth",
            fmt(growth * 100 if isinstance(growth, float) else growth, " %"),
            "< 20 %",
            verdict(growth, TARGETS["rss_growth"], below=True) if isinstance(growth, float) else "?",
        ),
    ]
    return rows


def print_table(results: dict[str, Any]) -> None:
    rows = table(results)
    head = (
        f"morgue crawl bench: N = {results['articles']} articles ({results.get('site_mb', '?')} MB of HTML), "
        f"{results['cores']} cores, {results['machine']}, Python {results['python']}"
    )
    print(head)
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    names = ("figure", "value", "target", "")
    print("  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000, help="N, articles of the site (default 1000)")
    parser.add_argument("--large", type=int, default=None, help="also measure peak RSS at this N (e.g. 20000)")
    parser.add_argument("--sample", type=int, default=300, help="pages timed for (a) (default 300)")
    parser.add_argument("--no-setup", action="store_true", help="do not run bench/setup.sh")
    parser.add_argument("--skip-newsplease", action="store_true", help="do not run news-please (c)")
    parser.add_argument("--newsplease-timeout", type=float, default=900.0, help="seconds (default 900)")
    parser.add_argument("--json", type=Path, help="write the figures here (default bench/out/crawl-N.json)")
    args = parser.parse_args(argv)
    n = args.articles
    results: dict[str, Any] = {
        "articles": n,
        "large": args.large,
        "cores": os.cpu_count(),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "python": platform.python_version(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if not args.no_setup:
        subprocess.run(["bash", str(ROOT / "bench" / "setup.sh")], check=False)
    work = OUT / f"n{n}"
    site = OUT / f"site-{n}"
    work.mkdir(parents=True, exist_ok=True)
    print(f"bench: building the site ({n} articles) in {site}", file=sys.stderr)
    info = build(site, n, BASE)
    results["site_mb"] = round(info["bytes"] / 1e6, 1)
    nginx = Nginx(site, work / "nginx")
    try:
        started = measure(results, "nginx", lambda: nginx.start() or "started")
        config = write_config(work)
        print("bench: (a) extraction ceiling", file=sys.stderr)
        measure(results, "a_extraction", lambda: extraction_ceiling(site, args.sample))
        if started != "started":
            for key in ("b_sqlite", "b_postgresql", "c_newsplease", "d_second_crawl", "e_recheck", "f_large"):
                results[key] = started
        else:
            sqlite_db = f"sqlite:///{work / 'bench.db'}"
            for name in ("bench.db", "bench.db-wal", "bench.db-shm"):
                (work / name).unlink(missing_ok=True)
            print("bench: (b) morgue crawl -> SQLite", file=sys.stderr)
            first = measure(results, "b_sqlite", lambda: crawl_into(config, sqlite_db))
            print("bench: (b) morgue crawl -> PostgreSQL", file=sys.stderr)
            measure(results, "b_postgresql", lambda: crawl_into(config, fresh_pg()))
            print("bench: (d) second crawl, nothing changed", file=sys.stderr)
            measure(results, "d_second_crawl", lambda: second_crawl(config, sqlite_db, nginx, first))
            print("bench: (e) recheck --all", file=sys.stderr)
            measure(results, "e_recheck", lambda: recheck_all(config, sqlite_db))
            if args.skip_newsplease:
                results["c_newsplease"] = {"n/a": "skipped (--skip-newsplease)"}
            else:
                print("bench: (c) news-please", file=sys.stderr)
                measure(results, "c_newsplease", lambda: newsplease(work, n, args.newsplease_timeout))
            if args.large:
                measure(results, "f_large", lambda: large_rss(args.large, nginx))
            else:
                results["f_large"] = {"n/a": "run with --large 20000"}
    finally:
        nginx.stop()
    out = args.json or OUT / f"crawl-{n}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    results["table"] = [dict(zip(("figure", "value", "target", "verdict"), r, strict=True)) for r in table(results)]
    out.write_text(json.dumps(results, indent=2, default=str), "utf-8")
    print_table(results)
    print(f"(JSON: {out})")
    return 0


def second_crawl(config: Path, db: str, nginx: Nginx, first: Any) -> dict[str, Any]:
    if not isinstance(first, dict) or "n/a" in first:
        raise NotMeasuredError("the first SQLite crawl did not run")
    before = nginx.requests()
    wall, _, _ = run_morgue(config, db, "crawl", "--delay", "0")
    run = last_run(db)
    requests = nginx.requests() - before
    return {
        "wall_s": round(wall, 2),
        "duration_s": run["duration_s"],
        "time_ratio": round(run["duration_s"] / first["duration_s"], 4),
        "requests": requests,
        "new_versions": run["versions"] - first["versions"],
        "pages_fetched": run["pages_fetched"],
    }


def recheck_all(config: Path, db: str) -> dict[str, Any]:
    wall, _, _ = run_morgue(config, db, "recheck", "--all", "--delay", "0")
    run = last_run(db)
    return {
        "urls": run["pages_fetched"],
        "duration_s": run["duration_s"],
        "wall_s": round(wall, 2),
        "urls_per_s": round(run["pages_fetched"] / run["duration_s"], 1) if run["duration_s"] else None,
    }


def large_rss(n: int, small_nginx: Nginx) -> dict[str, Any]:
    small_nginx.stop()
    site = OUT / f"site-{n}"
    work = OUT / f"n{n}"
    work.mkdir(parents=True, exist_ok=True)
    print(f"bench: (f) building the site ({n} articles)", file=sys.stderr)
    build(site, n, BASE)
    nginx = Nginx(site, work / "nginx")
    nginx.start()
    try:
        db = f"sqlite:///{work / 'bench.db'}"
        for name in ("bench.db", "bench.db-wal", "bench.db-shm"):
            (work / name).unlink(missing_ok=True)
        print(f"bench: (f) morgue crawl of {n} articles -> SQLite", file=sys.stderr)
        return crawl_into(write_config(work), db)
    finally:
        nginx.stop()


if __name__ == "__main__":
    sys.exit(main())
