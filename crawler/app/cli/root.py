"""The ``morgue`` group: global options, and the one place library errors become exit codes."""

from __future__ import annotations

from typing import Any

import click

from crawler.app.cli.base import LockHeld, State, UsageFailure, pass_state, safe_url
from crawler.config import ConfigError
from storage.db import DatabaseError, make_engine, upgrade


class MorgueGroup(click.Group):
    """Maps the errors the library raises to the CLI's exit codes (see ``base``), so a command
    never prints a traceback for a bad config, an unreachable database or a held lock."""

    def invoke(self, ctx: click.Context) -> Any:
        from storage.locks import LockHeldError

        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise UsageFailure(f"config: {exc}") from None
        except DatabaseError as exc:
            raise UsageFailure(f"database: {exc}") from None
        except LockHeldError as exc:
            raise LockHeld(str(exc)) from None


@click.group(cls=MorgueGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    envvar="MORGUE_CONFIG",
    type=click.Path(dir_okay=False),
    help="Config file (default: ./morgue.toml). Env: MORGUE_CONFIG.",
)
@click.option(
    "--db",
    envvar="MORGUE_DATABASE_URL",
    help="Database URL, e.g. sqlite:///morgue.db or postgresql+psycopg://user@host/db. Env: MORGUE_DATABASE_URL.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success (for cron); errors still go to stderr.")
@click.option("--log-file", type=click.Path(dir_okay=False), help="Append the crawl's log to this file.")
@click.version_option(package_name="morgue")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, db: str | None, quiet: bool, log_file: str | None) -> None:
    """morgue: a news archive that notices what disappears.

    \b
    Quick start:
      morgue demo                      # crawl a bundled sample site into morgue-demo.db
      morgue init                      # create or upgrade the schema
      morgue crawl                     # crawl the sources of morgue.toml
      morgue query "coalition" --format json
    """
    ctx.obj = State(config_path=config_path, db=db, quiet=quiet, log_file=log_file)


@cli.command()
@pass_state
def init(state: State) -> None:
    """Create or upgrade the database schema (idempotent).

    Example: morgue --db sqlite:///morgue.db init
    """
    try:
        revision = upgrade(make_engine(state.database_url))
    except DatabaseError as exc:
        raise UsageFailure(f"--db: {exc}") from None
    click.echo(f"database ready at revision {revision}: {safe_url(state.database_url)}")
