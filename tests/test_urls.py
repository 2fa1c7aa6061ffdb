import pytest

from crawler.core.urls import canonicalize, in_domains, is_site_root, strip_tracking


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.rfi.fr/fr/a-1", "https://www.rfi.fr/fr/a-1"),
        ("https://WWW.RFI.FR/fr/a-1/", "https://www.rfi.fr/fr/a-1"),
        ("https://www.rfi.fr/fr/a-1?utm_source=tw&utm_medium=x#comments", "https://www.rfi.fr/fr/a-1"),
        ("https://www.rfi.fr:443/fr/a-1?fbclid=abc", "https://www.rfi.fr/fr/a-1"),
        ("http://127.0.0.1:8080/fr//a?b=2&a=1", "http://127.0.0.1:8080/fr/a?a=1&b=2"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org/?id=5&xtor=RSS-1", "https://example.org/?id=5"),
        ("https://ex.fr/monde/20250124-réel-élevée", "https://ex.fr/monde/20250124-r%C3%A9el-%C3%A9lev%C3%A9e"),
        ("https://ex.fr/monde/20250124-r%c3%a9el-%C3%A9lev%c3%a9e", "https://ex.fr/monde/20250124-r%C3%A9el-%C3%A9lev%C3%A9e"),
        ("https://ex.fr/a b?q=é", "https://ex.fr/a%20b?q=%C3%A9"),
    ],
)
def test_canonicalize(url: str, expected: str) -> None:
    assert canonicalize(url) == expected


def test_strip_tracking_keeps_the_path_as_given() -> None:
    assert strip_tracking("https://a.org/x/?utm_campaign=z&id=3#top") == "https://a.org/x/?id=3"


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("https://a.org/", True),
        ("https://a.org", True),
        ("https://a.org/fr/", True),
        ("https://a.org/index.html", True),
        ("https://a.org/fr/monde/", False),
        ("https://a.org/fr/20141208-x", False),
    ],
)
def test_is_site_root(url: str, root: bool) -> None:
    assert is_site_root(url) is root


def test_in_domains() -> None:
    assert in_domains("https://www.rfi.fr/x", ["rfi.fr"])
    assert not in_domains("https://evilrfi.fr/x", ["rfi.fr"])
    assert not in_domains("https://rfi.fr.evil.org/x", ["rfi.fr"])
