"""The address policy, in process: which addresses are private, what the configuration allows, the
resolver's check on every answer, the downloader middlewares, and how a refusal is recorded.
The real crawls and re-checks are in tests/test_address_policy_crawl.py."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from crawler.app.runner import recheck_scope
from crawler.components.addresses import AddressMiddleware, AddressRefused, ResolverRefusalMiddleware
from crawler.components.dns import MorgueResolver, failure_reason, proxy_hosts, refusal
from crawler.components.robots import RobotsUnreachable
from crawler.config import ConfigError, address_policy, parse_config
from crawler.core.addresses import AddressPolicy, is_private
from crawler.core.items import Verdict
from crawler.core.lifecycle import ALIVE, Policy, UrlState, advance
from crawler.spiders.observe import error_result, failure_result

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("address", "private"),
    [
        ("127.0.0.1", True), ("127.0.0.2", True), ("10.1.2.3", True), ("172.16.0.1", True), ("172.31.255.254", True),
        ("192.168.1.1", True), ("169.254.169.254", True), ("100.64.0.1", True), ("100.127.255.254", True),
        ("224.0.0.1", True), ("239.255.255.250", True), ("0.0.0.0", True), ("255.255.255.255", True),
        ("::1", True), ("::", True), ("fc00::1", True), ("fd12:3456::1", True), ("fe80::1", True), ("ff02::1", True),
        ("::ffff:127.0.0.1", True), ("::ffff:169.254.169.254", True), ("2002:7f00:1::", True),  # IPv4 inside IPv6
        ("64:ff9b::a00:1", True), ("[::1]", True), ("not-an-address", True),
        ("93.184.216.34", False), ("8.8.8.8", False), ("100.128.0.1", False), ("172.32.0.1", False),
        ("2606:4700:4700::1111", False), ("::ffff:8.8.8.8", False),
    ],
)  # fmt: skip
def test_private_addresses(address: str, private: bool) -> None:
    assert is_private(address) is private


def _sources(*tables: dict[str, Any]) -> Any:
    return parse_config({"sources": list(tables)}).sources


def test_what_the_configuration_allows() -> None:
    sources = _sources(
        {"name": "demo", "start_urls": ["http://127.0.0.1:8080/"]},
        {"name": "intranet", "start_urls": ["http://news.corp.example/"], "allow_private_addresses": True},
        {"name": "v6", "feeds": ["http://[fd00::5]/rss"], "allowed_domains": ["fd00::5"]},
        {"name": "public", "start_urls": ["https://news.example/"]},
    )
    policy = address_policy(sources)
    assert policy.literals == frozenset({"127.0.0.1", "fd00::5"}) and policy.names == ("news.corp.example",)
    assert policy.permits("127.0.0.1", "127.0.0.1")  # named by its literal address
    assert not policy.permits("127.0.0.2", "127.0.0.2")  # loopback too, named by nobody
    assert not policy.permits("169.254.169.254", "169.254.169.254")
    assert policy.permits("fd00::5", "fd00::5") and policy.permits("[fd00::5]", "fd00::5")
    assert policy.permits("news.corp.example", "10.0.0.7")  # opted in
    assert policy.permits("www.news.corp.example", "10.0.0.7")  # a subdomain of it
    assert not policy.permits("news.example", "127.0.0.1")  # a name resolving to a named literal: not allowed
    assert not policy.permits("news.example", "10.0.0.7")
    assert policy.permits("news.example", "93.184.216.34")  # public addresses: always
    assert policy.permits("203.0.113.9.example", "8.8.8.8")
    assert not AddressPolicy().permits("127.0.0.1", "127.0.0.1")  # nothing configured: nothing private


def test_allow_private_addresses_is_a_boolean_of_the_source() -> None:
    [source] = _sources({"name": "a", "start_urls": ["http://a.example/"], "allow_private_addresses": True})
    assert source.allow_private_addresses is True
    [source] = _sources({"name": "a", "start_urls": ["http://a.example/"]})
    assert source.allow_private_addresses is False
    with pytest.raises(ConfigError, match=r"sources\[a\]\.allow_private_addresses: expected true or false"):
        _sources({"name": "a", "start_urls": ["http://a.example/"], "allow_private_addresses": "yes"})


def test_a_recheck_takes_its_scopes_and_address_policy_from_the_configuration() -> None:
    sources = _sources(
        {"name": "pinned", "start_urls": ["http://news.example/"], "allow_private_addresses": True},
        {"name": "local", "start_urls": ["http://127.0.0.1:9/"]},
    )
    scopes, policy = recheck_scope(sources)
    assert scopes == {"pinned": ("news.example",), "local": ("127.0.0.1",)}
    assert policy.permits("news.example", "127.0.0.1") and policy.permits("127.0.0.1", "127.0.0.1")
    scopes, policy = recheck_scope(sources[1:])  # without the opt-in, the name may not resolve to loopback
    assert not policy.permits("news.example", "127.0.0.1") and policy.permits("127.0.0.1", "127.0.0.1")


def _answer(resolver: MorgueResolver, name: str) -> str | Failure:
    out: list[Any] = []
    resolver.getHostByName(name).addBoth(out.append)  # pinned and literal answers fire at once
    return out[0]


def test_the_resolver_checks_every_answer_it_gives() -> None:
    policy = AddressPolicy.of([(("127.0.0.1",), False), (("intranet.example",), True)])
    # the reactor is not used for pinned names and literal addresses: they are answered without a lookup
    resolver = MorgueResolver(None, 0, 1.0, {"news.example": "127.0.0.1", "intranet.example": "10.1.1.1"}, policy)
    refused = _answer(resolver, "news.example")
    assert isinstance(refused, Failure) and refused.check(DNSLookupError)
    assert failure_reason("news.example") == "address-private"
    assert refusal("news.example") == (
        "news.example resolves to 127.0.0.1, a private address "
        "(set allow_private_addresses = true on its source to allow it)"
    )
    assert _answer(resolver, "intranet.example") == "10.1.1.1"  # opted in
    assert _answer(resolver, "127.0.0.1") == "127.0.0.1"  # named literally
    assert isinstance(_answer(resolver, "127.0.0.2"), Failure)
    assert isinstance(_answer(resolver, "169.254.169.254"), Failure)
    # a name that answers differently from one lookup to the next: each answer is checked when it is given,
    # and the connection uses the answer it was given (Twisted's HostnameEndpoint asks, then connects to it)
    resolver.hosts["news.example"] = "93.184.216.34"
    assert _answer(resolver, "news.example") == "93.184.216.34"
    assert failure_reason("news.example") is None
    resolver.hosts["news.example"] = "127.0.0.1"
    assert isinstance(_answer(resolver, "news.example"), Failure)


def test_a_proxy_named_in_the_environment_may_be_private(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", "http://10.0.0.3:3128")
    monkeypatch.setenv("no_proxy", "localhost")
    assert "10.0.0.3" in proxy_hosts() and "localhost" not in proxy_hosts()
    crawler = get_crawler(settings_dict={"MORGUE_ADDRESS_POLICY": AddressPolicy(), "MORGUE_HOSTS": {}})
    resolver = MorgueResolver.from_crawler(crawler, None)
    assert _answer(resolver, "10.0.0.3") == "10.0.0.3"  # Scrapy connects to the proxy instead of the site
    assert isinstance(_answer(resolver, "10.0.0.4"), Failure)


def test_a_literal_private_address_is_refused_before_anything_is_sent() -> None:
    middleware = AddressMiddleware(AddressPolicy.of([(("127.0.0.1",), False)]))
    assert middleware.process_request(Request("http://127.0.0.1:8080/news/a")) is None
    assert middleware.process_request(Request("http://news.example/a")) is None  # names: the resolver's job
    assert middleware.process_request(Request("http://93.184.216.34/")) is None
    for url in ("http://127.0.0.2:8080/admin", "http://169.254.169.254/latest/meta-data/", "http://[::1]/",
                "http://10.0.0.1/", "http://0.0.0.0:80/"):  # fmt: skip
        with pytest.raises(AddressRefused) as err:
            middleware.process_request(Request(url))
        assert err.value.morgue_kind == "address-private"
        assert "is a private address that no source names" in str(err.value)


def test_a_response_from_a_peer_the_policy_refuses_is_not_used() -> None:
    """The last check: the address the connection actually reached (``Response.ip_address``)."""
    strict = AddressMiddleware(AddressPolicy.of([(("127.0.0.1",), False)]))
    opted_in = AddressMiddleware(AddressPolicy.of([(("news.example",), True)]))
    request = Request("http://news.example/a")
    response = HtmlResponse(request.url, body=b"<p>x</p>", ip_address=ipaddress.ip_address("127.0.0.2"))
    with pytest.raises(AddressRefused, match=r"connected to 127\.0\.0\.2: news\.example resolves to 127\.0\.0\.2"):
        strict.process_response(request, response)
    assert opted_in.process_response(request, response) is response
    public = HtmlResponse(request.url, body=b"<p>x</p>", ip_address=ipaddress.ip_address("93.184.216.34"))
    assert strict.process_response(request, public) is public


def test_a_refused_lookup_becomes_a_refusal_that_is_not_retried() -> None:
    resolver = MorgueResolver(None, 0, 1.0, {"rebound.example": "192.168.0.10"}, AddressPolicy())
    assert isinstance(_answer(resolver, "rebound.example"), Failure)
    middleware = ResolverRefusalMiddleware()
    with pytest.raises(AddressRefused, match=r"rebound\.example resolves to 192\.168\.0\.10"):
        middleware.process_exception(Request("http://rebound.example/a"), DNSLookupError("no results"))
    assert middleware.process_exception(Request("http://gone.example/a"), DNSLookupError("no results")) is None
    assert middleware.process_exception(Request("http://rebound.example/a"), TimeoutError()) is None


def _failure(exc: BaseException, url: str, **meta: Any) -> Failure:
    failure = Failure(exc)
    failure.request = Request(url, meta={"morgue_source": "s", "morgue_kind": "article", **meta})  # type: ignore[attr-defined]
    return failure


def _stats() -> MemoryStatsCollector:
    return MemoryStatsCollector(get_crawler())


def test_a_refusal_is_recorded_blocked_and_never_counts_toward_removal() -> None:
    refused = AddressRefused("127.0.0.2 is a private address that no source names", "127.0.0.2")
    result = error_result(
        _failure(refused, "http://127.0.0.2:8080/secret", redirect_urls=["http://127.0.0.1:8080/news/a"]),
        stats=_stats(), now=NOW,
    )  # fmt: skip
    assert result is not None
    assert (result.url, result.verdict, result.reasons) == ("http://127.0.0.1:8080/news/a", Verdict.BLOCKED,
                                                            ("address:private",))  # fmt: skip
    assert result.error == "address-private: 127.0.0.2 is a private address that no source names"
    state, events = UrlState(status=ALIVE), []
    for day in range(10):
        state, new = advance(state, result.verdict, datetime(2026, 1, 1 + day, tzinfo=UTC), Policy())
        events.extend(new)
    assert (state.status, state.streak, state.removed_at, events) == ("blocked", 0, None, ["blocked"])


def test_robots_txt_unreachable_is_recorded_transient_and_a_robots_ban_is_not_recorded() -> None:
    unreachable = RobotsUnreachable("robots.txt answered 503: complete disallow until it answers again (RFC 9309)")
    result = failure_result("http://news.example/a", Failure(unreachable), source="s", kind="article", now=NOW)
    assert (result.verdict, result.reasons) == (Verdict.TRANSIENT, ("robots:unreachable",))
    assert result.error is not None and result.error.startswith("robots-unreachable: robots.txt answered 503")
    stats = _stats()
    assert error_result(_failure(unreachable, "http://news.example/a"), stats=stats, now=NOW) is not None
    assert error_result(_failure(IgnoreRequest("Forbidden by robots.txt"), "http://news.example/a"),
                        stats=stats, now=NOW) is None  # fmt: skip
    assert stats.get_value("morgue/robots_forbidden") == 1
