"""Archived pages, served as hostile documents.

A capture is the HTTP payload of a WARC response record (or, for a removal-type fetch, the body
the database kept as evidence). It is sent from its own path with a ``Content-Security-Policy``
that sandboxes it (an opaque origin: no access to the interface's pages, cookies or storage),
allows no script, no plugin, no form, and no request at all except ``data:`` images and inline
styles, so an archived page neither runs code nor calls the live web. The article page shows it
in an ``<iframe sandbox="">`` as a second fence.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path

from crawler.app.web.data import CaptureRef
from crawler.components.warc import WarcDirError, read_record
from crawler.core.items import WarcRef

CAPTURE_CSP = (
    "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
CAPTURE_HEADERS = {
    "Content-Security-Policy": CAPTURE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "private, max-age=3600",
}
_CHARSET = re.compile(r"charset\s*=\s*['\"]?([\w.:-]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Capture:
    body: bytes
    content_type: str  # what the interface sends: text/html or text/plain, with the charset if known
    origin: str  # "warc" | "evidence"


class NoCapture(LookupError):  # noqa: N818 - "no capture" is what the page says
    """Nothing archived for this version or fetch; the message says why."""


def _served_type(content_type: str | None) -> str:
    """HTML stays HTML (under the sandbox), anything else is shown as text, never run or sniffed."""
    declared = (content_type or "").split(";")[0].strip().lower()
    kind = "text/html" if declared in ("", "text/html", "application/xhtml+xml") else "text/plain"
    charset = _CHARSET.search(content_type or "")
    return f"{kind}; charset={charset.group(1)}" if charset else kind


def warc_available(warc_dir: str | None, warc_file: str | None) -> bool:
    """True when the WARC file a row points at is in ``warc_dir``."""
    path = _warc_path(warc_dir, warc_file)
    return path is not None and path.is_file()


def _warc_path(warc_dir: str | None, warc_file: str | None) -> Path | None:
    if not warc_dir or not warc_file:
        return None
    folder = Path(warc_dir).expanduser().resolve()
    path = (folder / warc_file).resolve()
    if path.parent != folder:  # a name from the database never leaves the WARC folder
        return None
    return path


def load_capture(ref: CaptureRef, warc_dir: str | None) -> Capture:
    """The archived payload of ``ref``: its WARC record when the file is there, else the
    evidence body; :class:`NoCapture` when neither exists."""
    path = _warc_path(warc_dir, ref.warc_file)
    if path is not None and path.is_file() and ref.warc_offset is not None:
        with contextlib.suppress(OSError, WarcDirError, ValueError):
            record, payload = read_record(path.parent, WarcRef(path.name, ref.warc_offset, ref.warc_length or 0))
            if record.rec_type == "revisit" or not payload:
                status = record.http_headers.get_statuscode() if record.http_headers else ref.status
                raise NoCapture(f"this fetch ({status}) stored no new payload: see the capture of its version")
            headers = record.http_headers
            declared = headers.get_header("Content-Type") if headers else None
            return Capture(payload, _served_type(declared or ref.content_type), "warc")
    if ref.evidence:
        return Capture(ref.evidence, _served_type(ref.content_type), "evidence")
    if not ref.warc_file:
        raise NoCapture("no capture: this fetch was not written to a WARC file")
    if not warc_dir:
        raise NoCapture("no capture: no WARC folder is configured (warc_dir, or morgue serve --warc-dir)")
    raise NoCapture(f"no capture: {ref.warc_file} is not in the WARC folder")
