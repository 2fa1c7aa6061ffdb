"""The address policy in the downloader: literal addresses refused before anything is sent.

:class:`AddressMiddleware` (``DOWNLOADER_MIDDLEWARES`` priority 40: before the scope check and
before robots.txt is fetched) refuses a request, redirect, feed, sitemap, probe or re-check whose
URL is a literal private address that the configuration does not name
(:class:`crawler.core.addresses.AddressPolicy`, setting ``MORGUE_ADDRESS_POLICY``; strict when
unset). The request's errback gets :class:`AddressRefused`, recorded as ``blocked`` with the
reason ``address:private``: never evidence of removal.

Host names are checked where the connection is made, by the resolver
(:class:`crawler.components.dns.MorgueResolver`): it refuses to answer with a private address that
the policy does not permit for that name, and the connection uses exactly the answer it gave.
:class:`ResolverRefusalMiddleware` (priority 560, so that its ``process_exception`` runs before the
retry middleware's) turns the failed lookup into :class:`AddressRefused`: a refusal is not retried,
and its error says which address the name resolved to. As a last check, a response whose
``ip_address`` (the peer the connection actually reached) the policy does not permit is refused the
same way, so its body is never used even if a connection slipped past the resolver (another
resolver installed, a proxy).
"""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import IgnoreRequest

from crawler.components.dns import failure_reason, refusal
from crawler.core.addresses import AddressPolicy, parse_address
from crawler.core.urls import host_of

POLICY_SETTING = "MORGUE_ADDRESS_POLICY"
DNS_FAILURES = {"DNSLookupError", "CannotResolveHostError"}  # what Twisted and Scrapy make of a failed lookup


class AddressRefused(IgnoreRequest):
    """A request to a private address the configuration does not allow (never sent); ``host`` is the URL's."""

    morgue_kind = "address-private"

    def __init__(self, message: str, host: str) -> None:
        super().__init__(message)
        self.host = host


class AddressMiddleware:
    def __init__(self, policy: AddressPolicy | None = None) -> None:
        self.policy = policy or AddressPolicy()

    @classmethod
    def from_crawler(cls, crawler: Any) -> AddressMiddleware:
        return cls(crawler.settings.get(POLICY_SETTING))

    def process_request(self, request: Any) -> None:
        host = host_of(request.url)
        if parse_address(host) is not None and not self.policy.permits(host, host):
            raise AddressRefused(self.policy.refusal(host, host), host)
        return None

    def process_response(self, request: Any, response: Any) -> Any:
        peer = response.ip_address
        host = host_of(request.url)
        if peer is not None and not self.policy.permits(host, str(peer)):
            raise AddressRefused(f"connected to {peer}: {self.policy.refusal(host, str(peer))}", host)
        return response


class ResolverRefusalMiddleware:
    def process_exception(self, request: Any, exception: BaseException) -> None:
        host = host_of(request.url)
        if type(exception).__name__ in DNS_FAILURES and failure_reason(host) == "address-private":
            raise AddressRefused(refusal(host) or str(exception), host) from exception
        return None
