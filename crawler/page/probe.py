"""Random-URL probes (Bar-Yossef et al. 2004, pattern-preserving as in hammertime): what
does this site answer for an article URL that cannot exist? A soft-404 page that looks
like that answer is not the article.

``probe_url`` keeps the directory and the shape of the last path segment (letter runs,
digit runs, separators, extension) so the site's router treats it like an article URL.
"""

from __future__ import annotations

import random
import re
import string
from urllib.parse import urlsplit, urlunsplit

RUN = re.compile(r"[A-Za-z]+|\d+|[^A-Za-z\d]+")


def probe_key(url: str) -> tuple[str, str]:
    """(host[:port], directory) that one probe stands for."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/") or "/"
    directory = path.rsplit("/", 1)[0] + "/" if "/" in path else "/"
    return parts.netloc.lower(), directory


def probe_url(url: str, rng: random.Random | None = None) -> str:
    """A URL of the same shape as ``url`` in the same directory, which should not exist."""
    rng = rng or random.Random()
    parts = urlsplit(url)
    slash = "/" if parts.path.endswith("/") and parts.path != "/" else ""
    directory, _, last = parts.path.rstrip("/").rpartition("/")
    stem, dot, ext = last.partition(".") if re.search(r"\.[A-Za-z0-9]{1,5}$", last) else (last, "", "")
    if not stem:
        stem = "article"
    out = []
    for run in RUN.findall(stem):
        if run.isdigit():
            out.append("".join(rng.choice(string.digits) for _ in run))
        elif run.isalpha():
            out.append("".join(rng.choice(string.ascii_lowercase) for _ in run))
        else:
            out.append(run)
    new = "".join(out)
    if len(new) < 8:  # too short to be surely absent: lengthen with letters
        new += "-" + "".join(rng.choice(string.ascii_lowercase) for _ in range(12))
    return urlunsplit((parts.scheme, parts.netloc, f"{directory}/{new}{dot}{ext}{slash}", "", ""))
