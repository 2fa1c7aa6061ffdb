"""What every ``morgue`` command shares: the state (config, database), the errors and their
exit codes, the filter and output options, and the output stream.

Exit codes, mapped here and only here: 0 ok; 1 the job failed (crawl error, nothing found);
2 usage, config or database error (one line on stderr naming the culprit); 3 another run holds
the archive's lock; 4 the run was interrupted (SIGTERM, Ctrl-C, time limit).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, TypeVar

import click

from crawler.app.output import FORMATS
from crawler.config import Config, ConfigError, load_config, resolve_database_url, warc_folder
from storage.db import DatabaseError, make_engine, make_sessionmaker
from storage.models import ARTICLE_STATUSES

F = TypeVar("F", bound=Callable[..., Any])
ACCESSES = ("free", "metered", "subscription", "registration")


class MorgueCliError(click.ClickException):
    """Base of every error a command reports: one line on stderr, then ``exit_code``."""

    exit_code = 1


class JobFailed(MorgueCliError):  # noqa: N818 - named for the outcome the exit code reports
    """The job ran and failed, or found nothing: exit code 1."""

    exit_code = 1


class UsageFailure(MorgueCliError):  # noqa: N818 - named for the outcome the exit code reports
    """A usage, config or database error: exit code 2."""

    exit_code = 2


class LockHeld(MorgueCliError):  # noqa: N818 - named for the outcome the exit code reports
    """Another run holds the archive's lock: exit code 3."""

    exit_code = 3


class Interrupted(MorgueCliError):  # noqa: N818 - named for the outcome the exit code reports
    """The run was interrupted (signal, Ctrl-C, time limit): exit code 4."""

    exit_code = 4


@dataclass
class State:
    config_path: str | None
    db: str | None
    quiet: bool = False
    log_file: str | None = None
    _config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(self.config_path)
            except ConfigError as exc:
                raise UsageFailure(f"config: {exc}") from None
        return self._config

    @property
    def database_url(self) -> str:
        return resolve_database_url(self.db, self.config)

    def warc_folder(self, explicit: str | None = None) -> str | None:
        """The WARC folder: ``--warc-dir``, else the config's ``warc_dir``, else beside a SQLite archive
        (None: no captures kept)."""
        return explicit or warc_folder(self.config, self.database_url)

    def engine(self) -> Any:
        """The archive's engine, its schema checked (exit 2 naming the problem otherwise)."""
        from storage.db import check_schema

        try:
            engine = make_engine(self.database_url)
        except DatabaseError as exc:
            raise UsageFailure(f"--db: {exc}") from None
        ctx = click.get_current_context(silent=True)
        if ctx is not None:  # its connections closed with the command, also when run in-process (CliRunner)
            ctx.call_on_close(engine.dispose)
        try:
            check_schema(engine)
        except DatabaseError as exc:
            raise UsageFailure(f"database: {exc}") from None
        return engine

    def session_factory(self) -> Any:
        return make_sessionmaker(self.engine())


pass_state = click.make_pass_decorator(State)


def parse_datetime(value: str | None, name: str) -> datetime | None:
    """``--since``/``--until``: a date or an ISO 8601 datetime, as aware UTC (naive means UTC)."""
    if value is None:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise UsageFailure(f"{name}: not a date (use YYYY-MM-DD or an ISO 8601 datetime): {value!r}") from None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def safe_url(url: str) -> str:
    """A database or Redis URL fit to print: the password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --- the shared options: defined once, the same name, help and type on every command ---

SOURCES = click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
STATUSES = click.option(
    "--status", "statuses", multiple=True, type=click.Choice(ARTICLE_STATUSES), help="Only this status (repeatable)."
)
OUT = click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write here instead of stdout.")


def since_option(what: str = "Published (or first seen)") -> Callable[[F], F]:
    return click.option("--since", help=f"{what} on or after this date (YYYY-MM-DD or ISO 8601).")


def until_option(what: str = "Published (or first seen)") -> Callable[[F], F]:
    return click.option("--until", help=f"{what} before this date (YYYY-MM-DD or ISO 8601).")


def format_option(choices: tuple[str, ...] = FORMATS, default: str = "table") -> Callable[[F], F]:
    return click.option(
        "--format", "fmt", type=click.Choice(choices), default=default, show_default=True, help="Output format."
    )


@contextlib.contextmanager
def output(out: str | None) -> Iterator[TextIO]:
    """Standard output, or ``out`` written whole or not at all (a ``.part`` file renamed at the end)."""
    if not out:
        yield sys.stdout
        return
    target = Path(out)
    tmp = target.with_name(target.name + ".part")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            yield fh
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
