"""A Scrapy DNS resolver that tells NXDOMAIN apart from other DNS failures.

Set as ``TWISTED_DNS_RESOLVER = "crawler.components.dns.MorgueResolver"``. A failed lookup is asked
once more through ``getaddrinfo`` to learn why: "no such name" is ``nxdomain`` (evidence
that a domain is gone), anything else ``servfail`` (transient). Twisted's endpoint turns
every resolver error into one generic DNSLookupError, so the reason is kept in
:data:`FAILURES` by host name, where :func:`failure_reason` finds it for the errback.
``MORGUE_HOSTS`` maps host names to an IP address or to ``"nxdomain"``, like curl's
``--resolve``: for sites reached through a tunnel, and for tests.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.error import DNSLookupError
from twisted.internet.threads import deferToThreadPool
from twisted.python.failure import Failure

FAILURES: dict[str, str] = {}  # host -> "nxdomain" | "servfail", for the latest failed lookup
NO_SUCH_NAME = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}


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
    def __init__(self, reactor: Any, cache_size: int, timeout: float, hosts: dict[str, str] | None = None) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.hosts = {k.lower(): v for k, v in (hosts or {}).items()}

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> MorgueResolver:
        cache_size = crawler.settings.getint("DNSCACHE_SIZE") if crawler.settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(
            reactor, cache_size, crawler.settings.getfloat("DNS_TIMEOUT"), crawler.settings.getdict("MORGUE_HOSTS")
        )

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:  # noqa: N802 - Twisted API
        mapped = self.hosts.get(name.lower())
        if mapped == "nxdomain":
            FAILURES[name.lower()] = "nxdomain"
            return defer.fail(DNSLookupError(f"nxdomain: {name}"))
        if mapped:
            FAILURES.pop(name.lower(), None)
            return defer.succeed(mapped)
        d = super().getHostByName(name, timeout)
        d.addErrback(self._explain, name)
        return d

    def _explain(self, failure: Failure, name: str) -> defer.Deferred[str]:
        d = deferToThreadPool(self.reactor, self.reactor.getThreadPool(), why_unresolved, name)

        def fail(why: str) -> str:
            FAILURES[name.lower()] = "servfail" if why == "ok" else why
            raise DNSLookupError(f"{FAILURES[name.lower()]}: {name}: {failure.value}")

        return d.addCallback(fail)


def failure_reason(host: str) -> str | None:
    """Why the latest lookup of ``host`` failed ("nxdomain" | "servfail"), if this resolver saw it."""
    return FAILURES.get(host.lower())
