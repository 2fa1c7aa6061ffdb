"""URL canonicalisation: one key per real article.

``canonicalize`` drops fragments, tracking parameters (``utm_*``, ``fbclid``...),
default ports and trailing-slash variants, lowercases the host and sorts the query.
Pure functions, no I/O.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

TRACKING_PARAMS = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|yclid|"
    r"_ga|_gl|ocid|cmpid|xtor|at_medium|at_campaign|ns_campaign|ns_mchannel|ns_source|"
    r"ns_linkname|ns_fee|soc_src|soc_trk|taid|ito|ref_src|smid)$",
    re.IGNORECASE,
)
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 2048  # longer URLs are not requested, not followed, not stored (the URL columns' size)


def _escape(path: str) -> str:
    """One spelling per path: non-ASCII percent-encoded as UTF-8 (as Scrapy requests it), escapes uppercase."""
    return re.sub(r"%[0-9a-f]{2}", lambda m: m.group(0).upper(), quote(path, safe="/%:@!$&'()*+,;=-._~"))


def canonicalize(url: str) -> str:
    """Return the canonical form of ``url`` (absolute http(s) URLs; others returned stripped)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not one, an unclosed IPv6 bracket: not a URL to request
        return url
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return url
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", _escape(parts.path)) or "/"
    if path != "/" and path.endswith("/"):
        path = path.rstrip("/") or "/"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k)
    ]
    query.sort()
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def absolute(base: str, href: str | None) -> str | None:
    """``href`` resolved against ``base``; None for empty, javascript: or mailto: links."""
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(("javascript:", "mailto:", "tel:", "data:")):
        return None
    return urljoin(base, href)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().rstrip(".")


def is_site_root(url: str) -> bool:
    """True for ``https://host/`` and localised roots like ``/fr/`` or ``/en/index.html``."""
    path = urlsplit(url).path
    path = re.sub(r"(index|default|home)\.(html?|php|aspx?)$", "", path, flags=re.IGNORECASE)
    segments = [s for s in path.split("/") if s]
    return not segments or (
        len(segments) == 1 and bool(re.fullmatch(r"[a-z]{2}(-[a-z]{2})?", segments[0], re.I))
    )


def in_domains(url: str, domains: list[str] | tuple[str, ...]) -> bool:
    """True if the URL's host is one of ``domains`` or a subdomain of one."""
    host = host_of(url)
    return any(host == d or host.endswith("." + d) for d in (d.lower().lstrip(".") for d in domains))


def strip_tracking(url: str) -> str:
    """``url`` without its fragment and tracking parameters, otherwise as given (what to request)."""
    parts = urlsplit(url.strip())
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAMS.match(k)
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query, doseq=True), ""))
