"""Text similarity for liveness: is this the archived article, the site's not-found page,
or something else? Pure functions over strings.

``cosine`` compares term-frequency vectors of content words (lowercased, NFKC, words of
three letters or more minus a small multilingual stop list), which separates two
unrelated news articles in the same language far better than raw word overlap.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter

WORD = re.compile(r"\w+", re.UNICODE)
STOPWORDS = frozenset(
    """
    the and for that with this from have has was were are not but his her its they their them will would
    been said says also more than into about after over out who what when which there then other some
    les des une est pas pour que qui dans par sur avec son ses aux plus mais ont été être cette ces
    comme tout elle ils leur nous vous sont fait dont lui était aussi
    der die das und den dem des ein eine ist nicht mit sich auf für von auch als bei nach wie aus
    noch wird sind wurde hat oder zum zur
    los las del por con una para que sus como más pero fue han este esta entre sobre también
    gli che per non una sono della delle degli nel nella con alla anche come più
    dos das não uma com para por mais como foi são seu sua pelo pela aos
    في من على إلى التي الذي عن مع أن هذا هذه كان بعد قبل
    """.split()
)


def content_words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    return [w for w in WORD.findall(text) if len(w) >= 3 and not w.isdigit() and w not in STOPWORDS]


def word_count(text: str | None) -> int:
    return len(WORD.findall(text or ""))


def cosine(a: str | None, b: str | None) -> float:
    """Cosine similarity of the content-word frequency vectors of ``a`` and ``b`` (0..1)."""
    va, vb = Counter(content_words(a or "")), Counter(content_words(b or ""))
    if not va or not vb:
        return 0.0
    dot = sum(n * vb[w] for w, n in va.items() if w in vb)
    return dot / (math.sqrt(sum(n * n for n in va.values())) * math.sqrt(sum(n * n for n in vb.values())))


def word_drop(original: str | None, now: str | None) -> float:
    """Relative drop in word count from ``original`` to ``now`` (0.85 = 85 % fewer words)."""
    before = word_count(original)
    if before == 0:
        return 0.0
    return max(0.0, (before - word_count(now)) / before)


_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|\w+")  # each CJK character is a token
SHINGLE = 4


def tokens(text: str | None) -> list[str]:
    """Case-folded NFKC word tokens; each Han, kana or hangul character is a token of its own."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text or "").casefold())


def shingles(words: list[str], k: int = SHINGLE) -> set[tuple[str, ...]]:
    """The set of contiguous ``k``-token runs (the tokens themselves when there are fewer than ``k``)."""
    if len(words) < k:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}


def presence(needle: str | None, haystack: set[tuple[str, ...]]) -> float:
    """Share of ``needle``'s shingles found in ``haystack`` (shingles of a page's text): how much of an
    archived text is still on the page, in order, wherever the page puts it. 0..1; 0 for an empty needle."""
    wanted = shingles(tokens(needle))
    if not wanted:
        return 0.0
    return len(wanted & haystack) / len(wanted)


def novel_tokens(text: str | None, reference: str | None, k: int = SHINGLE) -> int:
    """Tokens of ``text`` that start a ``k``-token run absent from ``reference``: what a page says
    beyond a template (the site's answer for any URL), in tokens."""
    words = tokens(text)
    known = shingles(tokens(reference), k)
    if len(words) < k:
        return 0 if tuple(words) in known else len(words)
    return sum(1 for i in range(len(words) - k + 1) if tuple(words[i : i + k]) not in known)
