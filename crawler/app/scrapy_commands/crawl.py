"""``scrapy crawl news`` and ``scrapy crawl recheck`` are ``morgue crawl`` and ``morgue recheck``.

Scrapy's own ``crawl`` command would run the spider bare: no run row, no lock, no incremental
skips, none of the configuration's politeness or WARC settings. This command replaces it for
morgue's two spiders and hands over to the morgue CLI, so both paths load the configuration the
same way (``--config``/``MORGUE_CONFIG``/``./morgue.toml``, ``MORGUE_DATABASE_URL``), take the same
lock, record the same run and build the same Scrapy settings. Spider arguments map to options:

    scrapy crawl news -a source=rfi -a delay=0 -a full=1      # morgue crawl --source rfi --delay 0 --full
    scrapy crawl recheck -a all=1 -a limit=100                # morgue recheck --all --limit 100

Any other spider runs as with Scrapy's command.
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

MORGUE_SPIDERS = {"news": "crawl", "recheck": "recheck"}
VALUE_ARGS = {"source": "--source", "delay": "--delay", "limit": "--limit", "warc_dir": "--warc-dir",
              "time_limit": "--time-limit", "config": "--config", "db": "--db"}  # fmt: skip
FLAG_ARGS = {"full": "--full", "all": "--all", "verbose": "--verbose"}
GLOBAL_OPTIONS = ("--config", "--db")


def morgue_argv(spider: str, spargs: dict[str, str]) -> list[str]:
    """The ``morgue`` command line that does what ``scrapy crawl SPIDER -a k=v ...`` asks."""
    head: list[str] = []
    tail = [MORGUE_SPIDERS[spider]]
    for key, value in spargs.items():
        if key in FLAG_ARGS:
            if value.strip().lower() in ("1", "true", "yes", "on"):
                tail.append(FLAG_ARGS[key])
        elif key in VALUE_ARGS:
            option = VALUE_ARGS[key]
            values = [v.strip() for v in value.split(",")] if key == "source" else [value]
            for v in values:
                (head if option in GLOBAL_OPTIONS else tail).extend((option, v))
        else:
            raise UsageError(f"-a {key}: not an argument of morgue's {spider} spider")
    return [*head, *tail]


class Command(ScrapyCrawl):
    requires_crawler_process = False  # morgue's runner makes its own, after taking the lock

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) == 1 and args[0] in MORGUE_SPIDERS:
            from crawler.app.cli import cli

            argv = morgue_argv(args[0], dict(opts.spargs))
            try:
                cli.main(args=argv, prog_name=f"scrapy crawl {args[0]}", standalone_mode=True)
            except SystemExit as done:
                self.exitcode = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
            return
        if self.crawler_process is None:  # another spider of the project: Scrapy's own command
            from scrapy.crawler import CrawlerProcess

            self.crawler_process = CrawlerProcess(self.settings)
        super().run(args, opts)


__all__ = ["Command", "morgue_argv"]
