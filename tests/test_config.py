from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.app.cli import cli
from crawler.config import ConfigError, load_config, parse_config, resolve_database_url

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "morgue.toml"


def test_example_config_loads() -> None:
    config = load_config(EXAMPLE)
    rfi = config.sources[0]
    assert rfi.name == "rfi"
    assert rfi.feeds == ("https://www.rfi.fr/fr/rss",)
    assert rfi.allowed_domains == ("rfi.fr",)
    assert rfi.is_article_url("https://www.rfi.fr/fr/afrique/20241208-x")
    assert not rfi.is_article_url("https://www.rfi.fr/fr/afrique/")


def test_allowed_domains_default_to_the_hosts_of_the_urls() -> None:
    config = parse_config({"sources": [{"name": "a", "feeds": ["https://feeds.a.org/rss"]}]})
    assert config.sources[0].allowed_domains == ("feeds.a.org",)


@pytest.mark.parametrize(
    ("data", "culprit"),
    [
        ({"databse_url": "sqlite://"}, "databse_url"),
        ({"sources": [{"name": "a", "start_urls": ["https://a.org/"], "feed": ["x"]}]}, "sources[0].feed"),
        (
            {"sources": [{"name": "a", "start_urls": "https://a.org/", "article_pattern": "(["}]},
            "sources[a].article_pattern",
        ),
        ({"sources": [{"name": "a", "start_urls": [1]}]}, "sources[a].start_urls"),
        ({"sources": [{"name": "a", "sitemaps": ["ftp://a.org/s.xml"]}]}, "sources[a].sitemaps[0]"),
        ({"sources": [{"start_urls": ["https://a.org/"]}]}, "sources[0].name"),
        ({"sources": [{"name": "a"}]}, "sources[a]"),
        ({"sources": {"name": "a"}}, "sources"),
        ({"database_url": 5}, "database_url"),
    ],
)
def test_errors_name_the_key(data: dict, culprit: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    assert str(err.value).startswith(culprit + ":")


def test_database_url_precedence() -> None:
    config = parse_config({"database_url": "sqlite:///from-file.db"})
    assert resolve_database_url(None, config, env={}) == "sqlite:///from-file.db"
    assert (
        resolve_database_url(None, config, env={"MORGUE_DATABASE_URL": "sqlite:///env.db"})
        == "sqlite:///env.db"
    )
    assert (
        resolve_database_url("sqlite:///cli.db", config, env={"MORGUE_DATABASE_URL": "x"})
        == "sqlite:///cli.db"
    )
    assert resolve_database_url(None, parse_config({}), env={}) == "sqlite:///morgue.db"


@pytest.mark.parametrize(
    ("toml", "culprit"),
    [
        (
            '[[sources]]\nname = "a"\nstart_urls = ["https://a.org/"]\narticle_pattern = "(["\n',
            "sources[a].article_pattern",
        ),
        ('[[sources]]\nname = "a"\nstart_urls = ["https://a.org/"]\nfrequency = 3\n', "sources[0].frequency"),
        ("database_url = [\n", "invalid TOML"),
    ],
)
def test_cli_config_errors_exit_2_naming_the_key(tmp_path: Path, toml: str, culprit: str) -> None:
    path = tmp_path / "morgue.toml"
    path.write_text(toml)
    result = CliRunner().invoke(cli, ["--config", str(path), "--db", f"sqlite:///{tmp_path}/x.db", "crawl"])
    assert result.exit_code == 2, result.output
    assert culprit in result.output
    assert "Traceback" not in result.output


def test_missing_config_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "nope.toml"), "crawl"])
    assert result.exit_code == 2
    assert "nope.toml" in result.output
