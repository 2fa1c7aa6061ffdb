"""Which addresses morgue may connect to: the address policy (pure; docs/reliability.md).

An address is *private* when it is not globally routable: loopback (127.0.0.0/8, ::1), RFC 1918
(10/8, 172.16/12, 192.168/16), RFC 4193 unique-local (fc00::/7), link-local (169.254/16, which holds
the cloud metadata service 169.254.169.254, and fe80::/10), CGNAT (100.64/10), unspecified (0.0.0.0,
::), multicast, and the other special-purpose ranges of the IANA registries (documentation,
benchmarking, reserved). An IPv6 address that embeds an IPv4 one (IPv4-mapped ``::ffff:a.b.c.d``,
6to4, Teredo, NAT64 ``64:ff9b::/96``) is judged by the IPv4 address it carries.

:class:`AddressPolicy` says, for a host as written in a URL and the address it resolved to, whether
morgue may connect: a public address always; a private one only when the configuration names it,
that is (a) the host *is* that literal address and some source names it in its URLs or
``allowed_domains``, or (b) the host name belongs to a source with ``allow_private_addresses = true``
(its ``allowed_domains`` and the hosts of its URLs, subdomains included). A host *name* resolving to a
private address is never allowed by a literal address elsewhere in the configuration: naming
``127.0.0.1`` lets morgue fetch ``http://127.0.0.1/``, not a name that a DNS record points there.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
REFUSED_REASON = "address:private"  # the reason of a refused request's observation (verdict blocked)


def parse_address(host: str) -> IPAddress | None:
    """``host`` as an IP address when it is a literal one (``[::1]`` brackets allowed), else None."""
    text = host.strip().strip("[]").split("%", 1)[0]  # a zone index (fe80::1%eth0) does not change the address
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's address
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_private(address: str | IPAddress) -> bool:
    """True unless ``address`` is a globally routable unicast address (see the module docstring).

    A string that is not an IP address counts as private: what cannot be judged is not connected to.
    """
    ip = parse_address(address) if isinstance(address, str) else address
    if ip is None:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            return is_private(inner)
    return ip.is_multicast or ip.is_unspecified or ip.is_loopback or ip.is_link_local or ip.is_private or (
        isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT
    ) or not ip.is_global


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """The private addresses and host names the configuration allows (see the module docstring)."""

    literals: frozenset[str] = frozenset()  # IP addresses named by a source (normalised: str(ip_address(x)))
    names: tuple[str, ...] = ()  # domains of sources with allow_private_addresses = true (subdomains too)

    @classmethod
    def of(cls, sources: Iterable[tuple[Iterable[str], bool]]) -> AddressPolicy:
        """The policy of sources given as (hosts named by the source, allow_private_addresses)."""
        literals: set[str] = set()
        names: set[str] = set()
        for hosts, allow_private in sources:
            for host in hosts:
                host = host.strip().lower().rstrip(".").lstrip(".")
                ip = parse_address(host)
                if ip is not None:
                    literals.add(str(ip))
                elif allow_private and host:
                    names.add(host)
        return cls(literals=frozenset(literals), names=tuple(sorted(names)))

    def allowing(self, hosts: Iterable[str]) -> AddressPolicy:
        """This policy, also allowing ``hosts`` (literal addresses, or names that may resolve privately)."""
        extra = AddressPolicy.of([(hosts, True)])
        return AddressPolicy(
            literals=self.literals | extra.literals, names=tuple(sorted({*self.names, *extra.names}))
        )

    def permits(self, host: str, address: str) -> bool:
        """May morgue connect to ``address``, which ``host`` (as written in the URL) resolved to?"""
        if not is_private(address):
            return True
        literal = parse_address(host)
        if literal is not None:  # a literal host connects to itself: it must be named
            return str(literal) in self.literals and parse_address(address) == literal
        name = host.strip().lower().rstrip(".")
        return any(name == d or name.endswith("." + d) for d in self.names)

    def refusal(self, host: str, address: str) -> str:
        """Why a connection to ``address`` for ``host`` is refused (for the observation's error)."""
        if parse_address(host) is not None:
            return (
                f"{address} is a private address that no source names "
                "(name it in start_urls, feeds, sitemaps or allowed_domains)"
            )
        return (
            f"{host} resolves to {address}, a private address "
            "(set allow_private_addresses = true on its source to allow it)"
        )
