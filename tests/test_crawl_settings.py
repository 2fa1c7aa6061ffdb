"""The one place a configuration and the command line become Scrapy settings."""

from __future__ import annotations

from crawler.app.crawl_settings import CrawlOptions, crawl_overrides
from crawler.config import parse_config


def test_the_configuration_and_the_options_give_the_crawls_settings() -> None:
    config = parse_config({"delay": 2.5, "download_timeout": 20, "processes": 0, "warc_max_size": 1000}, path=None)
    settings = crawl_overrides(config, CrawlOptions(time_limit=60, warc_dir="/archive/warc"))
    assert settings["DOWNLOAD_DELAY"] == settings["AUTOTHROTTLE_START_DELAY"] == 2.5
    assert settings["DOWNLOAD_TIMEOUT"] == 20 and settings["CLOSESPIDER_TIMEOUT"] == 60
    assert settings["MORGUE_PAGE_PROCESSES"] == 0 and settings["MORGUE_WRITER_PROCESS"] is False
    assert settings["MORGUE_WARC_DIR"] == "/archive/warc" and settings["MORGUE_WARC_MAX_SIZE"] == 1000
    assert settings["LOG_LEVEL"] == "WARNING" and "MORGUE_PROGRESS" not in settings


def test_the_command_line_wins_over_the_configuration() -> None:
    config = parse_config({"delay": 2.5}, path=None)
    settings = crawl_overrides(config, CrawlOptions(delay=0.0, quiet=True, progress=True))
    assert settings["DOWNLOAD_DELAY"] == 0.0
    assert settings["LOG_LEVEL"] == "CRITICAL" and "MORGUE_PROGRESS" not in settings  # quiet: no progress line
    assert "MORGUE_WARC_DIR" not in settings
    logged = crawl_overrides(config, CrawlOptions(quiet=True, log_file="crawl.log", progress=True))
    assert logged["LOG_LEVEL"] == "INFO" and logged["LOG_FILE"] == "crawl.log" and "MORGUE_PROGRESS" not in logged
