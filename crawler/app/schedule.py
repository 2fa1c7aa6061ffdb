"""``morgue schedule``: APScheduler 3.x decides *when*; every run is a fresh ``morgue``
subprocess (the Twisted reactor cannot restart, memory stays bounded, a crash is a failed
job, not a dead scheduler), exactly what a cron line would start.

Jobs come from ``[schedule]`` (``crawl``, ``recheck``, ``verify``: cron expressions in ``timezone``)
and from ``schedule`` on a source (that source then gets its own crawl job). They are
kept in the archive database (APScheduler's SQLAlchemy job store), so next-run times
survive restarts; coalescing is on, one instance per job, and a run missed by less than
``misfire_grace`` still starts. Each run gets ``time_limit``: past it the subprocess is
asked to stop (SIGTERM; it closes the crawl gracefully and marks its run interrupted),
and killed a minute later if it has not.
"""

from __future__ import annotations

import logging
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine, delete, select

from crawler.components.distributed import redis_url
from crawler.config import Config
from crawler.cron import cron_trigger
from storage import models

logger = logging.getLogger(__name__)
KILL_GRACE = 60.0  # seconds between SIGTERM and SIGKILL
EXIT_LOCK_HELD = 3

_children: set[subprocess.Popen[bytes]] = set()
_children_lock = threading.Lock()
_signalled: set[int] = set()


@dataclass(frozen=True, slots=True)
class JobSpec:
    id: str  # "crawl", "recheck", "crawl:<source>"
    cron: str
    argv: tuple[str, ...]  # the morgue subcommand and its options


def job_specs(config: Config) -> list[JobSpec]:
    """The jobs the config asks for."""
    specs = [
        JobSpec(f"crawl:{s.name}", s.schedule, ("crawl", "--source", s.name)) for s in config.sources if s.schedule
    ]
    others = [s.name for s in config.sources if not s.schedule]
    if config.schedule.crawl and others:
        argv = (
            ("crawl",)
            if len(others) == len(config.sources)
            else ("crawl", *[a for n in others for a in ("--source", n)])
        )
        specs.insert(0, JobSpec("crawl", config.schedule.crawl, argv))
    if redis_url(config):  # distributed: the nightly job only pushes the seeds; `morgue worker`s crawl
        specs = [JobSpec(s.id, s.cron, (*s.argv, "--enqueue")) for s in specs]
    if config.schedule.recheck and config.sources:
        specs.append(JobSpec("recheck", config.schedule.recheck, ("recheck",)))
    if config.schedule.verify:  # the fixity check reads the archive only: the same job in distributed mode
        specs.append(JobSpec("verify", config.schedule.verify, ("verify",)))
    return specs


def morgue_command(argv: tuple[str, ...], *, database_url: str, config_path: str | None) -> list[str]:
    cmd = [sys.executable, "-m", "crawler", "--quiet", "--db", database_url]
    if config_path:
        cmd += ["--config", config_path]
    return cmd + list(argv)


def run_job(command: list[str], time_limit: float) -> int:
    """The job: run ``command`` (a morgue subprocess) with a time limit; returns its exit code."""
    logger.info("starting: %s", " ".join(command[2:]))
    proc = subprocess.Popen(command)
    with _children_lock:
        _children.add(proc)
    try:
        try:
            code = proc.wait(timeout=time_limit)
        except subprocess.TimeoutExpired:
            logger.warning("time limit of %.0fs reached, stopping %s", time_limit, proc.pid)
            code = stop_child(proc)
    finally:
        with _children_lock:
            _children.discard(proc)
    if code == EXIT_LOCK_HELD:
        logger.warning("skipped: another morgue run holds the archive's lock")
    elif code != 0:
        logger.error("%s exited with code %s", " ".join(command[2:]), code)
    else:
        logger.info("done: %s", " ".join(command[2:]))
    return code


def stop_child(proc: subprocess.Popen[bytes], grace: float = KILL_GRACE) -> int:
    """SIGTERM (graceful: the run is marked interrupted), then SIGKILL after ``grace`` seconds."""
    with _children_lock:
        first = proc.pid not in _signalled
        _signalled.add(proc.pid)
    if first:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def stop_children(grace: float = KILL_GRACE) -> None:
    """SIGTERM every running job once (a second SIGTERM would make Scrapy stop uncleanly), then wait."""
    with _children_lock:
        children = list(_children)
        to_signal = [p for p in children if p.pid not in _signalled]
        _signalled.update(p.pid for p in to_signal)
    for proc in to_signal:
        proc.send_signal(signal.SIGTERM)
    for proc in children:
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()


def persisted_jobs(engine: Engine) -> dict[str, dict[str, Any]]:
    """Jobs in the store, as APScheduler's own state dicts (trigger, args, next_run_time...)."""
    with engine.connect() as conn:
        rows = conn.execute(select(models.SchedulerJob.id, models.SchedulerJob.job_state)).all()
    return {job_id: pickle.loads(state) for job_id, state in rows}


def _trigger(spec: JobSpec, config: Config) -> CronTrigger:
    return cron_trigger(spec.cron, config.schedule.timezone)


def build_scheduler(
    config: Config,
    engine: Engine,
    *,
    database_url: str,
    config_path: str | None,
    scheduler_cls: Callable[..., BaseScheduler] = BlockingScheduler,
) -> BaseScheduler:
    """A scheduler whose job store holds exactly the config's jobs (unchanged ones keep their next run)."""
    scheduler = scheduler_cls(
        timezone=config.schedule.timezone,
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=models.SchedulerJob.__tablename__)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": int(config.schedule.misfire_grace.total_seconds()),
        },
    )
    specs = job_specs(config)
    persisted = persisted_jobs(engine)
    time_limit = config.schedule.time_limit.total_seconds()
    stale = set(persisted) - {s.id for s in specs}
    if stale:
        with engine.begin() as conn:
            conn.execute(delete(models.SchedulerJob).where(models.SchedulerJob.id.in_(stale)))
    for spec in specs:
        trigger = _trigger(spec, config)
        args = (morgue_command(spec.argv, database_url=database_url, config_path=config_path), time_limit)
        old = persisted.get(spec.id)
        if old is not None and str(old.get("trigger")) == str(trigger) and tuple(old.get("args", ())) == args:
            continue  # unchanged: keep its stored next run time (and run it now if it was missed)
        scheduler.add_job(run_job, trigger, id=spec.id, name=" ".join(spec.argv), args=args, replace_existing=True)
    return scheduler


def job_table(config: Config, engine: Engine, *, now: datetime) -> list[dict[str, Any]]:
    """Each configured job with its trigger and next run time (stored, or computed if never stored)."""
    persisted = persisted_jobs(engine)
    rows = []
    for spec in job_specs(config):
        trigger = _trigger(spec, config)
        stored = persisted.get(spec.id)
        next_run = stored.get("next_run_time") if stored and str(stored.get("trigger")) == str(trigger) else None
        rows.append(
            {
                "job": spec.id,
                "command": "morgue " + " ".join(spec.argv),
                "schedule": f"{spec.cron} ({config.schedule.timezone})",
                "next_run": next_run or trigger.get_next_fire_time(None, now.astimezone(trigger.timezone)),
                "stored": stored is not None,
            }
        )
    return rows


def serve(scheduler: BaseScheduler, *, run_now: tuple[str, ...] = ()) -> None:
    """Run the scheduler in the foreground until SIGTERM or SIGINT, then stop running jobs gracefully."""
    stopping = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        if stopping.is_set():
            return
        stopping.set()
        logger.info("received %s: stopping the scheduler and any running job", signal.Signals(signum).name)
        threading.Thread(target=stop_children, daemon=True).start()
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def fire_now(event: Any) -> None:
        for job_id in run_now:
            scheduler.modify_job(job_id, next_run_time=datetime.now(scheduler.timezone))

    if run_now:
        from apscheduler.events import EVENT_SCHEDULER_STARTED

        scheduler.add_listener(fire_now, EVENT_SCHEDULER_STARTED)
    scheduler.start()
    stop_children()
