"""A tiny static news-site server on 127.0.0.1, for ``morgue demo`` and for the tests.

A site is a folder. ``GET /a/b`` serves ``a/b``, ``a/b.html`` or ``a/b/index.html``
(the query string is ignored, so tracking-parameter variants get the same page).
``_routes.json`` in the folder overrides paths::

    {"/old": {"status": 301, "location": "/"},
     "/removed": {"status": 410, "file": "_gone.html"},
     "/paywalled": {"status": 200, "file": "p.html", "headers": {"X-A": "b"}},
     "*": {"status": 200, "file": "index.html"}}

``"*"`` applies to every path that has neither a route nor a file (a catch-all site).

Files answered with 200 carry an ETag, and ``If-None-Match`` with it gets a 304.
A missing path answers 404 with ``_404.html`` when it exists. In text files
(.html, .xml, .txt, .json) ``{{BASE}}`` becomes the server's base URL, so sitemaps and
feeds can hold absolute URLs. The server binds to 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mimetypes
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

TEXT_SUFFIXES = {".html", ".xml", ".txt", ".json", ".rss", ".atom"}
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default 5 overflows when a crawl with helpers opens many connections at once


class SiteServer:
    """Serve a site folder on 127.0.0.1; use as a context manager."""

    def __init__(self, root: Path, *, port: int = 0, delay: float = 0.0) -> None:
        self.root = Path(root).resolve()
        self.delay = delay  # seconds to wait before answering (a slow site, for tests)
        routes_file = self.root / "_routes.json"
        self.routes: dict[str, dict[str, Any]] = (
            json.loads(routes_file.read_text("utf-8")) if routes_file.exists() else {}
        )
        self.hits: list[str] = []  # request paths, in order (tests read it)
        self.requests: list[tuple[str, dict[str, str]]] = []  # (path, request headers), in order
        handler = _make_handler(self)
        self.httpd = _Server(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread: threading.Thread | None = None

    def start(self) -> SiteServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def resolve(self, path: str) -> Path | None:
        """The file that serves ``path``, or None."""
        rel = path.lstrip("/")
        candidates = [rel, rel + ".html", rel.rstrip("/") + "/index.html"] if rel else ["index.html"]
        for cand in candidates:
            f = (self.root / cand).resolve()
            if f.is_file() and self.root in f.parents and not f.name.startswith("_"):
                return f
        return None

    def render(self, f: Path) -> bytes:
        data = f.read_bytes()
        if f.suffix in TEXT_SUFFIXES:
            data = data.replace(b"{{BASE}}", self.base_url.encode())
        return data


def _make_handler(site: SiteServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "morgue-demo/1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            pass

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            site.hits.append(self.path)
            site.requests.append((self.path, dict(self.headers.items())))
            if site.delay:
                time.sleep(site.delay)
            route = site.routes.get(path) or ({} if site.resolve(path) else site.routes.get("*", {}))
            status = int(route.get("status", 200))
            headers = dict(route.get("headers", {}))
            body = b""
            if "location" in route:
                headers["Location"] = route["location"].replace("{{BASE}}", site.base_url)
            if "file" in route:
                f: Path | None = site.root / route["file"]
            elif "location" in route:
                f = None
            else:
                f = site.resolve(path)
                if f is None:
                    status = 404
                    f = site.root / "_404.html"
                    f = f if f.exists() else None
            if f is not None:
                body = site.render(f)
                if status == 200:
                    headers.setdefault("ETag", '"' + hashlib.sha1(body).hexdigest()[:16] + '"')
                    if self.headers.get("If-None-Match") == headers["ETag"]:
                        status, body = 304, b""
                headers.setdefault(
                    "Content-Type",
                    CONTENT_TYPES.get(f.suffix)
                    or mimetypes.guess_type(f.name)[0]
                    or "application/octet-stream",
                )
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client went away (kill -9)
                self.wfile.write(body)

    return Handler
