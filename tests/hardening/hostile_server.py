"""A purpose-built hostile news site on 127.0.0.x, for the hardening tests.

:class:`HostileServer` is a ``ThreadingHTTPServer`` on a loopback address (``127.0.0.1`` by
default, port 0) whose paths each misbehave in one way: lying charsets, binary bodies, a
50 MB body, a gzip bomb, redirect loops and chains, a body that drips one byte a second,
truncated and malformed HTML, malformed and entity-bomb feeds and sitemaps, a self-referencing
sitemap index, a 500,000-URL sitemap, very long URLs and headers, invisible characters,
impossible dates, redirects out of scope. Big bodies are generated on the fly (never stored);
the gzip bomb (1 GB of zeros in about 1 MB) is built once per process.

``HostileServer.hits`` counts requests per path, so tests can assert what was (never) fetched.
``ARTICLES`` maps each hostile article path to a short description: the listing page at ``/``
links to all of them, plus three well-formed articles (``GOOD``) that must always be archived.
"""

from __future__ import annotations

import contextlib
import gzip
import threading
import time
from collections import Counter
from collections.abc import Callable
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

HTML = "text/html; charset=utf-8"
BIG_PAGE_BYTES = 50 * 1024 * 1024  # the 50 MB page
BIG_SITEMAP_URLS = 500_000
CHAIN_HOPS = 50
DRIP_BYTES = 120  # the drip stops after this many seconds (bytes)
LONG = 10_000  # characters in "very long" URLs and headers

WORDS = (
    "Le conseil municipal a voté mardi soir le budget de l'année prochaine après un long débat sur les "
    "transports, les écoles et la rénovation du marché couvert. Les élus de l'opposition ont dénoncé une "
    "hausse des dépenses de fonctionnement, tandis que la majorité a défendu des investissements jugés "
    "nécessaires pour l'avenir de la commune et de ses habitants. "
)
BODY = "".join(f"<p>{WORDS} Paragraphe {i}.</p>\n" for i in range(6))


def page(title: str, *, body: str = BODY, head: str = "", charset: str = "utf-8") -> str:
    return (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="{charset}"><title>{title}</title>{head}</head>'
        f"<body><header><nav><a href='/'>Accueil</a></nav></header><main><article><h1>{title}</h1>"
        f'<p class="chapo">Un chapeau de présentation pour « {title} ».</p>{body}</article></main>'
        "<footer>© Hostile</footer></body></html>"
    )


GOOD = {f"/news/20250101-good-{i}": f"Bonne nouvelle numéro {i}" for i in (1, 2, 3)}
ARTICLES = {
    "/news/20250102-latin1-declared-utf8": "ISO-8859-1 bytes declared UTF-8 (header and meta)",
    "/news/20250102-utf8-declared-latin1": "UTF-8 bytes declared ISO-8859-1 (header and meta)",
    "/news/20250103-pdf": "a PDF",
    "/news/20250103-jpeg": "a JPEG",
    "/news/20250103-jpeg-as-html": "JPEG bytes declared text/html",
    "/news/20250104-huge": "50 MB with a Content-Length",
    "/news/20250104-huge-stream": "50 MB without a Content-Length (streamed until the connection closes)",
    "/news/20250105-gzip-bomb": "Content-Encoding: gzip, 1 GB of zeros in about 1 MB",
    "/news/20250106-loop-a": "redirect loop a -> b -> a",
    "/news/20250106-chain-0": f"a {CHAIN_HOPS}-hop redirect chain",
    "/news/20250107-drip": "a body that drips one byte a second",
    "/news/20250108-truncated-html": "HTML cut in the middle of a tag",
    "/news/20250108-malformed-html": "misnested, unclosed and stray tags",
    "/news/20250108-cut-connection": "the connection closes before Content-Length is reached",
    "/news/20250109-invisible": "zero-width and bidi control characters in the title",
    "/news/20250110-future-date": "a publication date in 2099",
    "/news/20250110-bad-date": "publication dates that do not parse",
    "/news/undated-future": "only a publication date in 2099 (nothing in the URL either)",
    "/news/undated-bad-date": "only publication dates that do not parse",
    "/news/20250111-nul-and-surrogates": "NUL characters and a lone surrogate in the title and JSON-LD",
    "/news/20250112-long-canonical": f"a rel=canonical URL of {LONG} characters",
    "/news/20250112-redirect-long": f"a redirect to a URL of {LONG} characters",
    "/news/20250112-long-headers": f"ETag, Content-Type and Last-Modified of {LONG} characters",
    "/news/20250113-offsite-redirect": "a redirect to 127.0.0.2 (not in allowed_domains)",
    "/news/20250113-file-redirect": "a redirect to file:///etc/passwd",
}
LONG_LINK = "/news/20250112-long-link?q=" + "a" * LONG  # on the listing page: never requested


@cache
def gzip_bomb() -> bytes:
    """1 GB of zeros, gzip-compressed to about 1 MB: 16 gzip members of 64 MB each (built in ~0.2 s)."""
    member = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9, mtime=0)
    return member * 16


BOMB_DTD = (
    '<?xml version="1.0"?>\n<!DOCTYPE bomb [\n<!ENTITY lol "lol">\n'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + "]>\n"
)  # &lol9; is 10^9 "lol": 3 GB if anything ever expanded it


class HostileServer:
    """The hostile site on ``host`` (a 127.0.0.0/8 address); use as a context manager."""

    def __init__(self, host: str = "127.0.0.1", *, offsite: str | None = None) -> None:
        self.hits: Counter[str] = Counter()  # path -> requests
        self.offsite = offsite  # base URL of another server, the target of out-of-scope redirects
        self.httpd = ThreadingHTTPServer((host, 0), _make_handler(self))
        self.httpd.daemon_threads = True
        self.base_url = f"http://{host}:{self.httpd.server_address[1]}"
        self._thread: threading.Thread | None = None
        self.routes: dict[str, Callable[[Any], None]] = _routes(self)

    def __enter__(self) -> HostileServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        return self.base_url + path


def _send(h: Any, status: int, body: bytes = b"", *, ctype: str | None = HTML, **headers: str) -> None:
    h.send_response(status)
    if ctype:
        h.send_header("Content-Type", ctype)
    for name, value in headers.items():
        h.send_header(name.replace("_", "-"), value)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    with contextlib.suppress(OSError):
        h.wfile.write(body)


def _redirect(h: Any, location: str, status: int = 302) -> None:
    _send(h, status, ctype=None, Location=location)


def _stream(h: Any, chunks: Any, *, ctype: str, length: int | None = None) -> None:
    """Write a generated body until it ends or the client goes away (never buffered whole)."""
    h.send_response(200)
    h.send_header("Content-Type", ctype)
    if length is not None:
        h.send_header("Content-Length", str(length))
    h.end_headers()
    try:
        for chunk in chunks:
            h.wfile.write(chunk)
    except OSError:  # the client hung up (size limit, timeout): stop generating
        return


def _filler(total: int) -> Any:
    head = page("Une page de cinquante mégaoctets").encode()[:-len("</body></html>")]
    yield head
    block = b"<p>" + b"x" * 65_530 + b"</p>"
    sent = len(head)
    while sent < total:
        piece = block[: total - sent]
        sent += len(piece)
        yield piece


def _big_sitemap(base: str) -> Any:
    yield b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    for start in range(0, BIG_SITEMAP_URLS, 10_000):
        block = range(start, start + 10_000)
        yield b"".join(b"<url><loc>%s/big/%06d</loc></url>\n" % (base.encode(), i) for i in block)
    yield b"</urlset>\n"


def _article(title: str, **kw: Any) -> Callable[[Any], None]:
    body = page(title, **kw).encode()
    return lambda h: _send(h, 200, body)


def _listing(server: HostileServer) -> bytes:
    links = [*GOOD, *ARTICLES, LONG_LINK]
    if server.offsite:
        links.append(server.offsite + "/news/20250113-offsite-link")
    items = "".join(f'<li><a href="{link}">{link[:80]}</a></li>' for link in links)
    return f"<!DOCTYPE html><html><head><title>Hostile news</title></head><body><ul>{items}</ul></body></html>".encode()


def _routes(server: HostileServer) -> dict[str, Callable[[Any], None]]:
    base = server.base_url
    latin1 = page("Élection à Noël : café, crème brûlée et été", charset="utf-8").encode("iso-8859-1", "replace")
    utf8 = page("Élection à Noël : café, crème brûlée et déjà-vu", charset="iso-8859-1").encode("utf-8")
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) * 40
    jpeg += b"\xff\xd9"
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"\x00\x01\x02binary" * 500 + b"\n%%EOF\n"
    html = page("Un article tronqué au milieu d'une balise").encode()
    truncated = html[: html.index(b"Paragraphe 3")] + b'<p class="sui'
    malformed = (
        "<html><head><title>Balises mal formées</title><body><div><h1>Balises <b><i>mal</b></i> formées</h2>"
        f"<p>{WORDS}<p>{WORDS}<table><tr><td>{WORDS}</div></div></div></span>"
        f"<p class=unquoted id=x y=\"z>{WORDS}</p></article></html></html><p>{WORDS} fin."
    ).encode()
    invisible = "\u200b\u202eTitre\u202c avec\u200f des \u2066caractères\u2069 invisibles\ufeff\u200b"
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "%s"}</script>'
    future = ld % "2099-01-01T08:00:00Z" + '<meta property="article:published_time" content="2099-01-01T08:00:00Z">'
    bad = ld % "2025-13-45T99:99:99" + '<meta property="article:published_time" content="le 45 brumaire an CCXXXIII">'
    nul_title = "Titre avec\x00 un NUL"
    nul_ld = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Titre \\ud800 \\u0000 bis",'
    nul_ld += ' "author": {"name": "A\\u0000B \\udfff"}, "datePublished": "2025-01-11T08:00:00Z"}</script>'
    long_canonical = f'<link rel="canonical" href="{base}/news/20250112-long-canonical?x={"c" * LONG}">'

    def huge_with_length(h: Any) -> None:
        _stream(h, _filler(BIG_PAGE_BYTES), ctype=HTML, length=BIG_PAGE_BYTES)

    def huge_stream(h: Any) -> None:
        h.close_connection = True
        _stream(h, _filler(BIG_PAGE_BYTES), ctype=HTML)

    def bomb(h: Any) -> None:
        _send(h, 200, gzip_bomb(), Content_Encoding="gzip")

    def drip(h: Any) -> None:
        def bytes_() -> Any:
            for _ in range(DRIP_BYTES):
                yield b"<"
                time.sleep(1.0)

        _stream(h, bytes_(), ctype=HTML, length=DRIP_BYTES)

    def cut(h: Any) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", "50000")
        h.end_headers()
        h.wfile.write(html[:1000])
        h.close_connection = True

    def long_headers(h: Any) -> None:
        _send(
            h,
            200,
            page("Des en-têtes interminables").encode(),
            ctype="text/html; charset=utf-8; x=" + "t" * LONG,
            ETag='"' + "e" * LONG + '"',
            Last_Modified="Tue, 07 Jan 2025 08:00:00 GMT" + " " + "m" * LONG,
        )

    def chain(n: int) -> Callable[[Any], None]:
        if n == CHAIN_HOPS:
            return _article("Le bout de la chaîne de redirections")
        return lambda h: _redirect(h, f"/news/20250106-chain-{n + 1}")

    routes: dict[str, Callable[[Any], None]] = {
        "/": lambda h: _send(h, 200, _listing(server)),
        "/robots.txt": lambda h: _send(h, 200, b"User-agent: *\nAllow: /\n", ctype="text/plain"),
        "/news/20250102-latin1-declared-utf8": lambda h: _send(h, 200, latin1),
        "/news/20250102-utf8-declared-latin1": lambda h: _send(h, 200, utf8, ctype="text/html; charset=iso-8859-1"),
        "/news/20250103-pdf": lambda h: _send(h, 200, pdf, ctype="application/pdf"),
        "/news/20250103-jpeg": lambda h: _send(h, 200, jpeg, ctype="image/jpeg"),
        "/news/20250103-jpeg-as-html": lambda h: _send(h, 200, jpeg),
        "/news/20250104-huge": huge_with_length,
        "/news/20250104-huge-stream": huge_stream,
        "/news/20250105-gzip-bomb": bomb,
        "/news/20250106-loop-a": lambda h: _redirect(h, "/news/20250106-loop-b"),
        "/news/20250106-loop-b": lambda h: _redirect(h, "/news/20250106-loop-a"),
        "/news/20250107-drip": drip,
        "/news/20250108-truncated-html": lambda h: _send(h, 200, truncated),
        "/news/20250108-malformed-html": lambda h: _send(h, 200, malformed),
        "/news/20250108-cut-connection": cut,
        "/news/20250109-invisible": _article(invisible),
        "/news/20250110-future-date": _article("Un article venu du futur", head=future),
        "/news/20250110-bad-date": _article("Des dates impossibles", head=bad),
        "/news/undated-future": _article("Seulement une date du futur", head=future),
        "/news/undated-bad-date": _article("Seulement des dates illisibles", head=bad),
        "/news/20250111-nul-and-surrogates": _article(nul_title, head=nul_ld),
        "/news/20250112-long-canonical": _article("Une URL canonique interminable", head=long_canonical),
        "/news/20250112-redirect-long": lambda h: _redirect(h, "/news/20250112-long-target?x=" + "r" * LONG),
        "/news/20250112-long-headers": long_headers,
        "/news/20250113-offsite-redirect": lambda h: _redirect(h, (server.offsite or base) + "/secret"),
        "/news/20250113-file-redirect": lambda h: _redirect(h, "file:///etc/passwd"),
        # feeds
        "/feeds/malformed.rss": lambda h: _send(h, 200, MALFORMED_RSS.replace(b"{{BASE}}", base.encode()),
                                                ctype="application/rss+xml"),
        "/feeds/malformed.atom": lambda h: _send(h, 200, MALFORMED_ATOM.replace(b"{{BASE}}", base.encode()),
                                                 ctype="application/atom+xml"),
        "/feeds/garbage.rss": lambda h: _send(h, 200, b"\x00\x01<<<>>> not xml &&&", ctype="application/rss+xml"),
        "/feeds/bomb.rss": lambda h: _send(h, 200, (BOMB_DTD + BOMB_RSS).replace("{{BASE}}", base).encode(),
                                           ctype="application/rss+xml"),
        # sitemaps
        "/sitemaps/bomb.xml": lambda h: _send(h, 200, (BOMB_DTD + BOMB_SITEMAP).replace("{{BASE}}", base).encode(),
                                              ctype="application/xml"),
        "/sitemaps/self-index.xml": lambda h: _send(h, 200, SELF_INDEX.replace("{{BASE}}", base).encode(),
                                                    ctype="application/xml"),
        "/sitemaps/gzip-bomb.xml.gz": lambda h: _send(h, 200, gzip_bomb(), ctype="application/x-gzip"),
        "/sitemaps/big.xml": lambda h: _stream(h, _big_sitemap(base), ctype="application/xml"),
    }
    routes.update({f"/news/20250106-chain-{n}": chain(n) for n in range(CHAIN_HOPS + 1)})
    routes.update({path: _article(title) for path, title in GOOD.items()})
    return routes


MALFORMED_RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Malformed</title>
<item><title>Un lien valide</title><link>{{BASE}}/news/20250101-good-1</link><pubDate>Wed, 01 Jan 2025 08:00:00 GMT
<item><title>Sans fin <b>gras</title><link>{{BASE}}/news/20250114-swallowed</link>
<item><title>Une date du futur</title><link>{{BASE}}/news/20250101-good-2</link>
<pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>
<item><title>Date illisible</title><link>{{BASE}}/news/20250101-good-3</link><pubDate>jamais de la vie</pubDate></item>
<item><title>Apres les degats</title><link>{{BASE}}/news/20250114-from-malformed-rss</link></item>
</chan"""

MALFORMED_ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Malformed & broken</title>
<entry><title>Entry one</title><link href="{{BASE}}/news/20250114-from-malformed-atom"/><updated>not a date</updated>
<entry><link rel="alternate" href="{{BASE}}/news/20250101-good-1"/></entry></entry>
</feed><entry>after the end</entry>"""

BOMB_RSS = """<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>{{BASE}}/news/20250101-good-1</link><description>&lol9;</description></item>
</channel></rss>"""

BOMB_SITEMAP = """<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{{BASE}}/news/20250115-bomb-&lol9;</loc></url>
<url><loc>{{BASE}}/news/20250101-good-2</loc></url>
</urlset>"""

SELF_INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{{BASE}}/sitemaps/self-index.xml</loc></sitemap>
</sitemapindex>"""


def _make_handler(server: HostileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "hostile/1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            pass

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            server.hits[path] += 1
            route = server.routes.get(path)
            if route is None:
                _send(self, 404, page("Page introuvable", body="<p>Cette page n'existe pas.</p>").encode())
                return
            route(self)

    return Handler


if __name__ == "__main__":  # python -m tests.hardening.hostile_server: serve it for manual poking
    with HostileServer() as site:
        print(f"hostile site at {site.base_url}/ (Ctrl-C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


