"""A Scrapy DNS resolver that tells NXDOMAIN apart from other DNS failures.

Set as ``TWISTED_DNS_RESOLVER = "crawler.components.dns.MorgueResolver"``. A failed lookup is asked
once more through ``getaddrinfo`` to learn why: "no such name" is ``nxdomain`` (evidence
that a domain is gone), anything else ``servfail`` (transient). Twisted's endpoint turns
every resolver error into one generic DNSLookupError, so the reason is kept in
:data:`FAILURES` by host name, where :func:`failure_reason` finds it for the errback.
``MORGUE_HOSTS`` maps host names to an IP address or to ``"nxdomain"``, like curl's
``--resolve``: for sites reached through a tunnel, and for tests.

The address policy (:mod:`crawler.core.addresses`, setting ``MORGUE_ADDRESS_POLICY``; strict when
unset) is enforced here, on every answer, pinned or looked up, cached or fresh: an address the policy
does not permit for that host name fails the lookup (reason ``address-private``, the refusal's text in
:data:`REFUSALS`). Every connection Scrapy's downloader makes goes through this resolver, literal IP
addresses included (Twisted's ``HostnameEndpoint`` asks the reactor's resolver for every host, and
connects to exactly the addresses it returned), so what is checked is what is connected to: there is
no second lookup that DNS could answer differently. The hosts of the proxies in the environment
(``http_proxy``, ``https_proxy``), which Scrapy connects to instead of the site, are allowed.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit
from urllib.request import getproxies

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.error import DNSLookupError
from twisted.internet.threads import deferToThreadPool
from twisted.python.failure import Failure

from crawler.core.addresses import AddressPolicy, parse_address

FAILURES: dict[str, str] = {}  # host -> "nxdomain" | "servfail" | "address-private", for the latest failed lookup
REFUSALS: dict[str, str] = {}  # host -> why its address was refused, for the latest refused lookup
NO_SUCH_NAME = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


def proxy_hosts() -> list[str]:
    """The hosts of the proxies in the environment (``http_proxy``...), which Scrapy connects to instead:
    named by the operator, they may be private (a proxy on the local network)."""
    return [urlsplit(url).hostname or "" for scheme, url in getproxies().items() if scheme != "no"]


def why_unresolved(name: str) -> str:
    """``nxdomain`` when the name does not exist, ``servfail`` for other failures, ``ok`` if it resolves now."""
    try:
        socket.getaddrinfo(name, None)
    except socket.gaierror as exc:
        return "nxdomain" if exc.errno in NO_SUCH_NAME else "servfail"
    except OSError:
        return "servfail"
    return "ok"


class MorgueResolver(CachingThreadedResolver):
    def __init__(
        self,
        reactor: Any,
        cache_size: int,
        timeout: float,
        hosts: dict[str, str] | None = None,
        policy: AddressPolicy | None = None,
    ) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.hosts = {k.lower(): v for k, v in (hosts or {}).items()}
        self.policy = policy or AddressPolicy()

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> MorgueResolver:
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        policy = settings.get("MORGUE_ADDRESS_POLICY") or AddressPolicy()
        if settings.getbool("HTTPPROXY_ENABLED"):
            policy = policy.allowing(proxy_hosts())
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"), settings.getdict("MORGUE_HOSTS"), policy)

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:  # noqa: N802 - Twisted API
        mapped = self.hosts.get(name.lower())
        if mapped == "nxdomain":
            FAILURES[name.lower()] = "nxdomain"
            return defer.fail(DNSLookupError(f"nxdomain: {name}"))
        if mapped:
            d = defer.succeed(mapped)
        elif parse_address(name) is not None:  # a literal address is its own answer
            d = defer.succeed(name.strip("[]"))
        else:
            d = super().getHostByName(name, timeout)  # cached answers pass the check below too
            d.addErrback(self._explain, name)
        return d.addCallback(self._check, name)

    def _check(self, address: str, name: str) -> str:
        """``address`` if the policy lets morgue connect to it for ``name``; else the lookup fails."""
        if self.policy.permits(name, address):
            FAILURES.pop(name.lower(), None)
            return address
        FAILURES[name.lower()] = "address-private"
        REFUSALS[name.lower()] = self.policy.refusal(name, address)
        raise DNSLookupError(f"address-private: {REFUSALS[name.lower()]}")

    def _explain(self, failure: Failure, name: str) -> defer.Deferred[str]:
        d = deferToThreadPool(self.reactor, self.reactor.getThreadPool(), why_unresolved, name)

        def fail(why: str) -> str:
            FAILURES[name.lower()] = "servfail" if why == "ok" else why
            raise DNSLookupError(f"{FAILURES[name.lower()]}: {name}: {failure.value}")

        return d.addCallback(fail)


def failure_reason(host: str) -> str | None:
    """Why the latest lookup of ``host`` failed ("nxdomain", "servfail", "address-private"), if seen here."""
    return FAILURES.get(host.lower())


def refusal(host: str) -> str | None:
    """Why the latest lookup of ``host`` was refused by the address policy, if it was."""
    return REFUSALS.get(host.lower()) if FAILURES.get(host.lower()) == "address-private" else None
