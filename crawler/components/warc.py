"""WARC files: every fetched response, with its request, in gzipped WARC files (warcio).

:class:`WarcWriter` appends a ``response`` record and its ``request`` record (linked by
``WARC-Concurrent-To``) per exchange to ``<dir>/morgue-<timestamp>-<serial>.warc.gz``, one
gzip member per record, and starts a new file (with a ``warcinfo`` record) when the current
one has reached ``max_size`` bytes. It returns a :class:`WarcRef` to the response record
(file name, offset, length), which the archive stores on the fetch and on the version.

Revisits: given the archived capture of the same page (``prior``, a :class:`Capture`), a 304 Not
Modified and a 200 whose payload is byte for byte the prior one's are written as WARC 1.1
``revisit`` records (profiles ``server-not-modified`` and ``identical-payload-digest``) without
HTTP headers, holding ``WARC-Refers-To``, ``WARC-Refers-To-Target-URI``, ``WARC-Refers-To-Date``
and the prior ``WARC-Payload-Digest``: replay tools (pywb) serve them as the capture they refer
to, so the latest capture of an unchanged article replays as its page, never as an empty 304.
``Morgue-Refers-To-File``/``-Offset``/``-Length`` say where that capture is (:func:`read_capture`
follows them). docs/archive.md explains the whole.

:class:`WarcMiddleware` is the Scrapy downloader middleware that writes every response as it
comes from the downloader (before redirects are followed and before decompression, so the
record is what the server sent) and puts its :class:`WarcRef` in ``request.meta["morgue_warc"]``.
A request carrying ``request.meta["morgue_warc_prior"]`` (the :class:`WarcRef` of the article's
current capture, set by the spiders from the archive) gets a revisit record when it can.
Settings: ``MORGUE_WARC_DIR`` (the folder; the middleware is off when unset) and
``MORGUE_WARC_MAX_SIZE`` (bytes per file before rotating, default 1 GB). Writes are small
blocking appends in the reactor thread.

:func:`export_warc` copies selected records (byte for byte, with their request records) into
one new WARC file.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import logging
import socket
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from crawler.core.items import WarcRef

logger = logging.getLogger(__name__)

DEFAULT_MAX_SIZE = 1024**3  # 1 GB, the usual size of crawl WARC files
SOFTWARE = "morgue/0.1 (news archiver)"
META_KEY = "morgue_warc"
PRIOR_KEY = "morgue_warc_prior"  # request.meta: WarcRef of the capture a 304 or an identical body refers to
WARC_VERSION = "1.1"
PROFILE_IDENTICAL = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
PROFILE_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
LOCATION_HEADERS = ("Morgue-Refers-To-File", "Morgue-Refers-To-Offset", "Morgue-Refers-To-Length")
# headers that describe the transfer rather than the payload: the body is stored de-chunked
_TRANSFER_HEADERS = {"transfer-encoding"}


class WarcDirError(ValueError):
    """The WARC folder cannot be created or written to; the message names it."""


def prepare_warc_dir(path: str | Path) -> Path:
    """Create ``path`` if needed and check that files can be written there."""
    directory = Path(path).expanduser()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".morgue-write-test-"):
            pass
    except OSError as exc:
        raise WarcDirError(f"cannot write WARC files to {directory}: {exc.strerror or exc}") from None
    return directory.resolve()


@dataclass(frozen=True, slots=True)
class Capture:
    """What a revisit record says of the response record it refers to, and where that record is."""

    record_id: str
    uri: str
    date: str
    payload_digest: str
    ref: WarcRef


def payload_digest(body: bytes) -> str:
    """The ``WARC-Payload-Digest`` warcio writes for ``body`` (SHA-1, base32)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def _timestamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")[:17]


class WarcWriter:
    """Append request/response pairs to rotating gzipped WARC files in ``directory``."""

    def __init__(self, directory: str | Path, *, max_size: int = DEFAULT_MAX_SIZE, prefix: str = "morgue") -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1 byte")
        self.directory = Path(directory)
        self.max_size = max_size
        self.prefix = prefix
        self.serial = 0
        self.files: list[Path] = []  # every file this writer created, in order
        self._fh: IO[bytes] | None = None
        self._writer: WARCWriter | None = None

    @property
    def current(self) -> Path | None:
        return self.files[-1] if self._fh is not None else None

    def _open(self) -> None:
        self.close()
        stamp = _timestamp(datetime.now(UTC))
        while True:
            self.serial += 1
            path = self.directory / f"{self.prefix}-{stamp}-{self.serial:05d}.warc.gz"
            try:
                self._fh = path.open("xb")
                break
            except FileExistsError:
                continue
        self.files.append(path)
        self._writer = WARCWriter(self._fh, gzip=True, warc_version=WARC_VERSION)
        info = self._writer.create_warcinfo_record(
            path.name, {"software": SOFTWARE, "format": "WARC File Format 1.1", "hostname": socket.gethostname()}
        )
        self._writer.write_record(info)

    def _ensure_file(self) -> tuple[IO[bytes], WARCWriter]:
        if self._fh is None or self._fh.tell() >= self.max_size:
            self._open()
        assert self._fh is not None and self._writer is not None
        return self._fh, self._writer

    def write_exchange(
        self,
        *,
        url: str,
        status: int,
        response_headers: Iterable[tuple[str, str]],
        body: bytes,
        method: str = "GET",
        request_headers: Iterable[tuple[str, str]] = (),
        request_body: bytes = b"",
        fetched_at: datetime | None = None,
        protocol: str = "HTTP/1.1",
        ip_address: str | None = None,
        prior: Capture | None = None,
    ) -> WarcRef:
        """Write one response record (a revisit of ``prior`` when the server said 304 or sent the
        prior payload again) and its request record; returns the first record's place."""
        fh, writer = self._ensure_file()
        date = datetime_to_iso_date(
            (fetched_at or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None), use_micros=True
        )
        warc_headers = {"WARC-Date": date}
        if ip_address:
            warc_headers["WARC-IP-Address"] = ip_address
        profile = _revisit_profile(status, body, prior)
        if profile is not None and prior is not None:
            response = _revisit(writer, url, profile, prior, warc_headers)
        else:
            try:
                reason = HTTPStatus(status).phrase
            except ValueError:
                reason = ""
            headers = [
                (f"X-Archive-Orig-{k}" if k.lower() in _TRANSFER_HEADERS else k, v) for k, v in response_headers
            ]
            response = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                length=len(body),  # known: warcio then digests in place, without a temporary file
                http_headers=StatusAndHeaders(f"{status} {reason}".strip(), headers, protocol=protocol or "HTTP/1.1"),
                warc_headers_dict=warc_headers,
            )
        offset = fh.tell()
        writer.write_record(response)
        length = fh.tell() - offset
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        req_headers = list(request_headers)
        if not any(k.lower() == "host" for k, _ in req_headers):
            req_headers.insert(0, ("Host", parts.netloc))
        request = writer.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(request_body),
            length=len(request_body),
            http_headers=StatusAndHeaders(f"{method} {path} HTTP/1.1", req_headers, is_http_request=True),
            warc_headers_dict={
                "WARC-Date": date,
                "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
            },
        )
        writer.write_record(request)
        fh.flush()
        return WarcRef(self.files[-1].name, offset, length)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
        self._fh = self._writer = None


def _revisit_profile(status: int, body: bytes, prior: Capture | None) -> str | None:
    """The revisit profile for this response, or None when it must be a full response record."""
    if prior is None:
        return None
    if status == 304:
        return PROFILE_NOT_MODIFIED
    if status == 200 and payload_digest(body) == prior.payload_digest:
        return PROFILE_IDENTICAL
    return None


def _revisit(writer: WARCWriter, url: str, profile: str, prior: Capture, warc_headers: dict[str, str]) -> Any:
    """A revisit record of ``prior``, without HTTP headers: replayed as the capture it refers to."""
    headers = {
        **warc_headers,
        "WARC-Profile": profile,
        "WARC-Refers-To": prior.record_id,
        "WARC-Refers-To-Target-URI": prior.uri,
        "WARC-Refers-To-Date": prior.date,
        "WARC-Payload-Digest": prior.payload_digest,
        LOCATION_HEADERS[0]: prior.ref.file,
        LOCATION_HEADERS[1]: str(prior.ref.offset),
        LOCATION_HEADERS[2]: str(prior.ref.length),
    }
    return writer.create_warc_record(url, "revisit", warc_headers_dict=headers)


def _pairs(headers: Any) -> list[tuple[str, str]]:
    """Scrapy ``Headers`` (bytes keys, lists of bytes values) as (name, value) strings."""
    out = []
    for key, values in headers.items():
        name = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        for value in values if isinstance(values, list) else [values]:
            out.append((name, value.decode("latin-1") if isinstance(value, bytes) else str(value)))
    return out


class WarcMiddleware:
    """Downloader middleware writing every response (and its request) to WARC files."""

    def __init__(
        self, directory: str | Path, *, max_size: int = DEFAULT_MAX_SIZE, stats: Any = None, crawler: Any = None
    ) -> None:
        self.writer = WarcWriter(prepare_warc_dir(directory), max_size=max_size)
        self.stats = stats
        self.crawler = crawler  # to stop the crawl when the folder stops taking writes
        self.failed = False
        self.captures: dict[WarcRef, Capture | None] = {}  # prior captures read so far (a redirect reads one twice)

    @classmethod
    def from_crawler(cls, crawler: Any) -> WarcMiddleware:
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        settings = crawler.settings
        directory = settings.get("MORGUE_WARC_DIR")
        if not directory:  # the default: no WARC files (silently, as Scrapy's own optional components)
            raise NotConfigured
        max_size = settings.getint("MORGUE_WARC_MAX_SIZE", DEFAULT_MAX_SIZE)
        middleware = cls(directory, max_size=max_size, stats=crawler.stats, crawler=crawler)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_response(self, request: Any, response: Any) -> Any:
        """Write the exchange. When the folder stops taking writes (disk full, removed, read-only),
        the crawl is closed with reason ``warc_error`` (stat ``morgue/warc_error`` says why); the
        responses still in flight are archived, without a WARC record."""
        if self.failed:
            return response
        ip = getattr(response, "ip_address", None)
        prior = None
        prior_ref = request.meta.get(PRIOR_KEY)
        if prior_ref is not None and response.status in (200, 304):
            prior = self._capture(prior_ref)
        try:
            ref = self.writer.write_exchange(
                url=response.url,
                status=response.status,
                response_headers=_pairs(response.headers),
                body=response.body,
                method=request.method,
                request_headers=_pairs(request.headers),
                request_body=request.body or b"",
                protocol=getattr(response, "protocol", None) or "HTTP/1.1",
                ip_address=str(ip) if ip else None,
                prior=prior,
            )
        except OSError as exc:
            self._fail(f"{self.writer.directory}: {exc.strerror or exc}")
            return response
        request.meta[META_KEY] = ref
        if self.stats is not None:
            self.stats.inc_value("morgue/warc_records")
            if prior is not None and _revisit_profile(response.status, response.body, prior):
                self.stats.inc_value("morgue/warc_revisits")
        return response

    def _capture(self, ref: WarcRef) -> Capture | None:
        if ref not in self.captures:
            if len(self.captures) > 10_000:
                self.captures.clear()
            self.captures[ref] = capture_at(self.writer.directory, ref)
        return self.captures[ref]

    def _fail(self, why: str) -> None:
        from scrapy.utils.defer import deferred_from_coro

        self.failed = True
        logger.error("cannot write WARC files (%s): stopping the crawl", why)
        if self.stats is not None:
            self.stats.set_value("morgue/warc_error", why)
        if self.crawler is not None:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="warc_error"))

    def spider_closed(self) -> None:
        with contextlib.suppress(OSError):
            self.writer.close()
        if self.stats is not None:
            self.stats.set_value("morgue/warc_files", [p.name for p in self.writer.files])


def read_record(directory: str | Path, ref: WarcRef) -> tuple[Any, bytes]:
    """The record at ``ref`` (warcio ``ArcWarcRecord``) and its decoded HTTP payload."""
    with (Path(directory) / ref.file).open("rb") as fh:
        fh.seek(ref.offset)
        try:
            for record in ArchiveIterator(fh):
                return record, record.content_stream().read()
        except ArchiveLoadFailed:
            pass
    raise WarcDirError(f"no WARC record at {ref.file}:{ref.offset}")


def capture_at(directory: str | Path, ref: WarcRef) -> Capture | None:
    """The capture a revisit of the record at ``ref`` refers to: that record when it is a response,
    the capture it refers to when it is itself a revisit; None when the file or record is missing
    (the response is then written whole)."""
    try:
        with (Path(directory) / ref.file).open("rb") as fh:
            fh.seek(ref.offset)
            record = next(iter(ArchiveIterator(fh)), None)
    except (OSError, ValueError, EOFError, ArchiveLoadFailed) as exc:
        logger.info("no prior capture at %s:%s (%s): writing the response whole", ref.file, ref.offset, exc)
        return None
    if record is None:
        return None
    headers = record.rec_headers
    digest = headers.get_header("WARC-Payload-Digest")
    if record.rec_type == "response" and digest:
        return Capture(
            headers.get_header("WARC-Record-ID"),
            headers.get_header("WARC-Target-URI"),
            headers.get_header("WARC-Date"),
            digest,
            ref,
        )
    location = _location(record)
    if record.rec_type == "revisit" and digest and location is not None:
        return Capture(
            headers.get_header("WARC-Refers-To"),
            headers.get_header("WARC-Refers-To-Target-URI"),
            headers.get_header("WARC-Refers-To-Date"),
            digest,
            location,
        )
    return None


def _location(record: Any) -> WarcRef | None:
    """Where the capture a revisit record refers to is (its Morgue-Refers-To-* headers)."""
    file, offset, length = (record.rec_headers.get_header(h) for h in LOCATION_HEADERS)
    if not file or not (offset or "").isdigit() or not (length or "").isdigit():
        return None
    return WarcRef(file, int(offset), int(length))


def read_capture(directory: str | Path, ref: WarcRef) -> tuple[Any, Any, bytes]:
    """The record at ``ref``, the response record holding its page (the record itself, or the capture
    a revisit refers to) and that page's decoded HTTP payload."""
    record, payload = read_record(directory, ref)
    if record.rec_type != "revisit":
        return record, record, payload
    location = _location(record)
    if location is None:
        raise WarcDirError(f"the revisit record at {ref.file}:{ref.offset} does not say where its capture is")
    original, payload = read_record(directory, location)
    if original.rec_type != "response":
        raise WarcDirError(f"no response record at {location.file}:{location.offset}")
    return record, original, payload


def export_warc(refs: Iterable[WarcRef], directory: str | Path, out: str | Path) -> int:
    """Copy the response records ``refs`` (and the request record after each) into one new
    gzipped WARC file ``out``, written atomically. Returns the number of records copied; a
    revisit record brings the capture it refers to along (so the file replays on its own);
    references to missing files are skipped with a warning."""
    directory, target = Path(directory), Path(out)
    tmp = target.with_name(target.name + ".part")
    copied, missing = 0, set()
    queue = list(dict.fromkeys(refs))
    queued = set(queue)
    with tmp.open("wb") as dst:
        writer = WARCWriter(dst, gzip=True, warc_version=WARC_VERSION)
        writer.write_record(writer.create_warcinfo_record(target.name, {"software": SOFTWARE}))
        for ref in queue:  # grows while it is read: the captures that revisits refer to
            source = directory / ref.file
            if not source.is_file():
                if ref.file not in missing:
                    logger.warning("WARC file %s is missing: its records are not exported", source)
                    missing.add(ref.file)
                continue
            with source.open("rb") as src:
                src.seek(ref.offset)
                dst.write(src.read(ref.length))
                request, refers_to = _request_after(src, ref)
                dst.write(request)
            copied += 1
            if refers_to is not None and refers_to not in queued:
                queue.append(refers_to)
                queued.add(refers_to)
    tmp.replace(target)
    return copied


def _request_after(src: IO[bytes], ref: WarcRef) -> tuple[bytes, WarcRef | None]:
    """The raw bytes of the request record that follows the record at ``ref`` and belongs to it, and
    where the capture is that the record refers to (a revisit) or None."""
    src.seek(ref.offset)
    iterator = ArchiveIterator(src)
    response_id, refers_to = None, None
    for record in iterator:
        if response_id is None:
            response_id = record.rec_headers.get_header("WARC-Record-ID")
            refers_to = _location(record) if record.rec_type == "revisit" else None
            continue
        if record.rec_type != "request" or record.rec_headers.get_header("WARC-Concurrent-To") != response_id:
            return b"", refers_to
        iterator.read_to_end(record)
        offset, length = iterator.get_record_offset(), iterator.get_record_length()  # absolute in the file
        src.seek(offset)
        return src.read(length), refers_to
    return b"", refers_to
