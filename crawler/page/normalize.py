"""Text and value normalisation: turn strings found on a page into clean, comparable values.

Pure functions, no I/O. ``clean_text``/``clean_body`` tidy text, ``repair_mojibake`` undoes UTF-8 read as
cp1252/Latin-1, ``parse_datetime`` gives aware UTC datetimes, ``language_code`` ISO 639-1 codes and
``split_authors`` person names from a byline.

Conventions chosen here (and relied on by ``crawler.page.extract``):

- Unicode NFC everywhere.
- Removed: zero-width space U+200B, word joiner U+2060, BOM U+FEFF, soft hyphen U+00AD, and the bidi
  controls (LRM/RLM/ALM, U+202A-U+202E, U+2066-U+2069). ZWJ/ZWNJ (U+200D/U+200C) are kept: they change
  the spelling of Persian, Indic and emoji text.
- Every no-break or fixed-width space (NBSP U+00A0, narrow NBSP U+202F, figure space U+2007, thin and
  hair spaces U+2009/U+200A, punctuation space U+2008) becomes U+00A0, so French typography
  ("« texte »", "1 500", "Irak : ...") keeps its non-breaking spaces in one single form. A whitespace run
  that contains any ordinary (breaking) whitespace becomes one ordinary space.
- Typographic characters are kept as they are: ’ stays ’, « » stay « ».
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime

__all__ = [
    "AGENCIES",
    "clean_body",
    "clean_text",
    "language_code",
    "parse_datetime",
    "repair_mojibake",
    "split_authors",
    "text_key",
]

# --------------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------------

_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u00ad\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
_NOBREAK = re.compile("[\u202f\u2007\u2008\u2009\u200a]")  # → U+00A0
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_WHITESPACE_TO_FIX = re.compile(r"\s{2,}|[^\S \xa0]")  # runs, and single tabs/newlines/odd spaces

# cp1252 characters of bytes 0x80-0x9F, mapped back to the byte value (as a Latin-1 character).
_CP1252_BACK = {
    ord(bytes([b]).decode("cp1252")): chr(b)
    for b in range(0x80, 0xA0)
    if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
}
_CONT = "\x80-\xbf" + "".join(chr(c) for c in _CP1252_BACK)  # chars standing for continuation bytes
# A lead byte of a multi-byte UTF-8 sequence followed by a continuation byte, as seen after a wrong decode.
_MOJIBAKE_HINT = re.compile(f"[\u00c2-\u00df][{_CONT}]|\u00e2[{_CONT}][{_CONT}]|\u00f0[{_CONT}]{{3}}")
_LOST_NBSP = re.compile(r"(?<=[\s\w])Ã(?= )")
_C1_FIX = {
    b: (bytes([b]).decode("cp1252") if chr(b) in _CP1252_BACK.values() else None) for b in range(0x80, 0xA0)
}
_UTF8_SEQ = re.compile(r"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _plausible(ch: str) -> bool:
    """True for characters a repaired sequence may legitimately produce (Western, Greek, Cyrillic,
    Hebrew, Arabic text, common punctuation and emoji) - not CJK or rare blocks, which are far more
    often produced by accident from legitimate Latin-1 pairs such as "é…»"."""
    cp = ord(ch)
    return (
        0xA0 <= cp <= 0x17F
        or 0x218 <= cp <= 0x21B
        or 0x370 <= cp <= 0x4FF
        or 0x590 <= cp <= 0x6FF
        or 0x2000 <= cp <= 0x206F
        or cp in (0x20AC, 0x2122)
        or 0x1F300 <= cp <= 0x1FAFF
    )


def _repair_once(s: str) -> str:
    view = s.translate(_CP1252_BACK)  # 1:1 per character, positions are preserved

    def fix(m: re.Match[str]) -> str:
        try:
            repaired = m.group().encode("latin-1").decode("utf-8")
        except UnicodeError:
            return s[m.start() : m.end()]
        if all(_plausible(c) for c in repaired):
            return repaired
        return s[m.start() : m.end()]

    out: list[str] = []
    last = 0
    for m in _UTF8_SEQ.finditer(view):
        out.append(s[last : m.start()])
        out.append(fix(m))
        last = m.end()
    out.append(s[last:])
    return "".join(out)


def repair_mojibake(s: str) -> str:
    """Undo UTF-8 text that was decoded as cp1252 or Latin-1 ("Ã©tÃ©" → "été", "â€™" → "’").

    Only sequences that decode as valid UTF-8 to plausible characters are replaced, so legitimate text
    ("Fuß“", "café…»") is left alone. Text encoded two or three times over is repaired too.
    """
    for _ in range(3):
        if not _MOJIBAKE_HINT.search(s):
            break
        # "à" is C3 A0; once the NBSP byte has become a plain space only "Ã " is left
        repaired = _LOST_NBSP.sub("à", _repair_once(s))
        if repaired == s:
            break
        s = repaired
    if re.search("[\x80-\x9f]", s):  # lone C1 controls are cp1252 characters read as Latin-1
        s = s.translate(_C1_FIX)
    return s


def _collapse(m: re.Match[str]) -> str:
    """A whitespace run → one NBSP if it only holds NBSPs, else one ordinary space."""
    return "\xa0" if set(m.group()) == {"\xa0"} else " "


CACHED_TEXT = 2000  # characters: shorter strings are cleaned once per process (a page asks for the same
# paragraphs, headings and captions again and again: three calls in four repeat one; 9% of extraction time)


def clean_text(s: str | None) -> str | None:
    """One line of clean text: mojibake repaired, NFC, invisible characters removed, whitespace collapsed.

    Returns None for None and for strings that are empty after cleaning.
    """
    if s is None:
        return None
    return _clean_text_cached(s) if len(s) <= CACHED_TEXT else _clean_text(s)


@functools.lru_cache(maxsize=8192)
def _clean_text_cached(s: str) -> str | None:
    return _clean_text(s)


def _clean_text(s: str) -> str | None:
    s = repair_mojibake(s)
    s = unicodedata.normalize("NFC", s)
    s = _NOBREAK.sub("\xa0", _INVISIBLE.sub("", s))
    s = _WHITESPACE_TO_FIX.sub(_collapse, _CONTROL.sub(" ", s)).strip()
    return s or None


def clean_body(s: str | None) -> str | None:
    """Clean multi-paragraph text: every line break separates paragraphs; each paragraph is cleaned with
    :func:`clean_text`, empty ones dropped, and the rest joined with one blank line ("\\n\\n")."""
    if s is None:
        return None
    paragraphs = [p for p in (clean_text(line) for line in re.split(r"[\r\n\u2028\u2029\x0c\x0b]+", s)) if p]
    return "\n\n".join(paragraphs) or None


_MARKS = "".join(
    chr(cp)
    for start, end in ((0x300, 0x370), (0x483, 0x48A), (0x591, 0x5C8), (0x610, 0x61B), (0x64B, 0x660),
                       (0x670, 0x671), (0x6D6, 0x6EE), (0x1AB0, 0x1B00), (0x1DC0, 0x1E00), (0x20D0, 0x2100),
                       (0xFE20, 0xFE30))
    for cp in range(start, end)
    if unicodedata.category(chr(cp)) == "Mn"
)  # fmt: skip
_STRIP_MARKS = re.compile(f"[{re.escape(_MARKS)}\u0640]+")  # combining marks, Arabic harakat, tatweel


def text_key(s: str | None) -> str:
    """A comparison key: cleaned, accents and Arabic diacritics removed, casefolded, ’ → ', one space."""
    if s is None:
        return ""
    return _text_key_cached(s) if len(s) <= CACHED_TEXT else _text_key(s)


@functools.lru_cache(maxsize=8192)
def _text_key_cached(s: str) -> str:
    return _text_key(s)


def _text_key(s: str) -> str:
    s = clean_text(s)
    if not s:
        return ""
    s = _STRIP_MARKS.sub("", unicodedata.normalize("NFD", s))
    return s.casefold().replace("\u2019", "'").replace("\u2018", "'").replace("\xa0", " ")


# --------------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {}
for _num, _names in enumerate(
    (
        "january jan janvier janv januar jän enero ene gennaio",
        "february feb fevrier février fevr févr februar feber febrero febbraio",
        "march mar mars märz maerz marzo",
        "april apr avril avr abril aprile",
        "may mai mayo maggio",
        "june jun juin juni junio giugno",
        "july jul juillet juil juli julio luglio",
        "august aug aout août agosto ago",
        "september sep sept septembre septiembre setiembre settembre set",
        "october oct octobre oktober okt octubre ottobre",
        "november nov novembre noviembre",
        "december dec décembre decembre déc dezember dez diciembre dic dicembre",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _num

_TZ_ABBR = {
    "utc": 0, "gmt": 0, "z": 0, "wet": 0, "bst": 60, "west": 60, "cet": 60, "mez": 60, "cest": 120,
    "mesz": 120, "eet": 120, "eest": 180, "msk": 180, "est": -300, "edt": -240, "cst": -360, "cdt": -300,
    "mst": -420, "mdt": -360, "pst": -480, "pdt": -420,
}  # fmt: skip

_LABEL = re.compile(
    r"^\s*(?:publi[ée]e?|mis\s+à\s+jour|mise\s+à\s+jour|modifi[ée]e?|cr[ée]{2}|published|updated|posted|"
    r"last\s+updated|first\s+published|ver[öo]ffentlicht|aktualisiert|stand|erschienen|publicad[oa]|"
    r"actualizad[oa]|modificad[oa]|date|datum|fecha)\b[\s:,]*(?:le|on|at|am|el|the|à|a\s+las)?\b[\s:,]*",
    re.IGNORECASE,
)
_MONTH_RE = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_TIME = (
    r"(?:\s*(?:,|-|–|—|\||à|a|at|um|a\s+las|T)?\s*"
    r"(?P<H>\d{1,2})\s*[:hH.]\s*(?P<M>\d{2})(?:[:.](?P<S>\d{2}))?(?:\.\d+)?\s*(?:[:hH.]|uhr)?"
    r"\s*(?P<ampm>[ap]\.?\s?m\.?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2}|(?:UTC|GMT)(?:\s*[+-]\d{1,2}(?::?\d{2})?)?|[A-Z]{3,4})?)?"
)
_YMD = re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})" + _TIME, re.IGNORECASE)
_DMY = re.compile(r"(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y>\d{4})" + _TIME, re.IGNORECASE)
_D_MONTH_Y = re.compile(
    rf"(?P<d>\d{{1,2}})(?:er|\.|º|°|st|nd|rd|th)?\s+(?:de\s+)?(?P<mon>{_MONTH_RE})\.?,?\s+(?:de\s+)?(?P<y>\d{{4}})"
    + _TIME,
    re.IGNORECASE,
)
_MONTH_D_Y = re.compile(
    rf"(?P<mon>{_MONTH_RE})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})" + _TIME, re.IGNORECASE
)
_RFC2822 = re.compile(r"^(?:[A-Za-z]{3},?\s+)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}")
_EPOCH = re.compile(r"^\d{10}(?:\d{3})?$")
_MIN_YEAR = 1800


def _tz_from(token: str | None) -> tzinfo | None:
    if not token:
        return None
    t = token.strip()
    m = re.fullmatch(r"(?:UTC|GMT)?\s*([+-])(\d{1,2}):?(\d{2})?", t, re.IGNORECASE)
    if m:
        minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
        return timezone(timedelta(minutes=-minutes if m.group(1) == "-" else minutes))
    offset = _TZ_ABBR.get(t.lower())
    return None if offset is None else timezone(timedelta(minutes=offset))


def _build(y: int, mo: int, d: int, m: re.Match[str]) -> datetime | None:
    hour = int(m.group("H")) if m.group("H") else 0
    minute = int(m.group("M")) if m.group("M") else 0
    second = int(m.group("S")) if m.group("S") else 0
    ampm = (m.group("ampm") or "").replace(".", "").replace(" ", "").lower()
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    try:
        dt = datetime(y, mo, d, hour, minute, second)
    except ValueError:
        return None
    tz = _tz_from(m.group("tz"))
    return dt.replace(tzinfo=tz) if tz else dt


def _parse_any(s: str, dayfirst: bool) -> datetime | None:
    iso = re.sub(r"\s*(?:UTC|GMT)$", "+00:00", s)
    iso = re.sub(r"(\d)\s+([+-]\d{2}:?\d{2})$", r"\1\2", iso)
    try:
        return datetime.fromisoformat(iso)
    except ValueError:
        pass
    if _RFC2822.match(s):
        try:
            return parsedate_to_datetime(s)
        except (TypeError, ValueError, IndexError):
            pass
    if _EPOCH.match(s):
        value = int(s)
        return datetime.fromtimestamp(value / 1000 if len(s) == 13 else value, UTC)
    if m := _YMD.search(s):
        return _build(int(m.group("y")), int(m.group("m")), int(m.group("d")), m)
    if m := _DMY.search(s):
        a, b = int(m.group("a")), int(m.group("b"))
        day, month = (a, b) if (dayfirst and b <= 12) or a > 12 else (b, a)
        return _build(int(m.group("y")), month, day, m)
    for rx in (_D_MONTH_Y, _MONTH_D_Y):
        if m := rx.search(s):
            month = _MONTHS.get(m.group("mon").lower())
            if month:
                return _build(int(m.group("y")), month, int(m.group("d")), m)
    return None


def parse_datetime(
    raw: str | None,
    *,
    default_tz: tzinfo = UTC,
    not_after: datetime | None = None,
    dayfirst: bool = True,
) -> datetime | None:
    """Parse a date or date-time string into an aware UTC datetime.

    Accepts ISO 8601 ("2014-12-08T14:32:00+01:00", "...Z", "2014-12-08 14:32"), RFC 822/2822 as in feeds
    ("Mon, 08 Dec 2014 14:32:00 GMT"), numeric day-first dates ("08/12/2014 - 14:32", "08.12.2014"; set
    ``dayfirst=False`` for US sites), dates with English, French, German, Spanish or Italian month names
    ("8 décembre 2014 à 14h32", "December 8, 2014 2:32 pm"), Unix timestamps, and leading labels such as
    "Publié le :" or "Updated:". Naive values are taken to be in ``default_tz``.

    Returns None when unparseable, before year 1800, equal to the Unix epoch (a placeholder), or later
    than ``not_after`` (the fetch time; no tolerance). A naive ``not_after`` is taken to be UTC.
    """
    dt = _read(raw, dayfirst)
    if dt is None or dt.year < _MIN_YEAR:
        return None
    if dt.tzinfo is None or dt.utcoffset() is None:
        dt = dt.replace(tzinfo=default_tz)
    try:
        dt = dt.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    if dt == datetime(1970, 1, 1, tzinfo=UTC):
        return None
    if not_after is not None:
        limit = not_after if not_after.tzinfo else not_after.replace(tzinfo=UTC)
        if dt > limit:
            return None
    return dt


def local_datetime(raw: str | None) -> datetime | None:
    """``raw`` parsed as written: aware in its own offset when it states one, naive otherwise; None if unreadable."""
    return _read(raw, True)


def _read(raw: str | None, dayfirst: bool) -> datetime | None:
    """A date string as written (label such as "Publié le" dropped), or None when it is not one."""
    if not raw or not isinstance(raw, str):
        return None
    s = clean_text(raw)
    if not s or len(s) > 200:
        return None
    s = _LABEL.sub("", s).strip(" :,-–—|") or s
    try:
        return _parse_any(s, dayfirst)
    except (ValueError, OverflowError, OSError):
        return None


def _on_day(at: datetime, day: date) -> datetime:
    """``at`` in the whole-hour offset nearest to UTC that puts it on ``day`` (-12 to +14 hours), else ``at``."""
    utc = at.astimezone(UTC)
    gap = (day - utc.date()).days
    hours = -(utc.hour + 1) if gap == -1 else 24 - utc.hour if gap == 1 else 0
    if not gap or not -12 <= hours <= 14:
        return at
    return utc.astimezone(timezone(timedelta(hours=hours)))


def in_own_offset(at: datetime | None, raw: str | None) -> datetime | None:
    """``at`` (an aware instant, as stored: UTC) read in the offset of the string it came from, so that its day is
    the page's own day: the offset ``raw`` states, or, when ``raw`` is a naive local time of the same instant
    (a page showing "2023-11-08 17:49" for 01:49Z), the difference between the two, or, when ``raw`` is a bare
    day next to the UTC day of ``at`` (the URL's day of a UTC stamp), the nearest whole-hour offset on that day;
    else ``at`` unchanged."""
    if at is None or at.tzinfo is None:
        return at
    local = local_datetime(raw)
    if local is None:
        return at
    if local.tzinfo is None and ":" not in raw:  # a bare day: the instant read in the nearest offset on that day
        return _on_day(at, local.date())
    offset = local.utcoffset() if local.tzinfo else local.replace(tzinfo=UTC) - at
    if offset is None or not offset or abs(offset) > timedelta(hours=14) or offset % timedelta(minutes=15):
        return at
    return at.astimezone(timezone(offset))


# --------------------------------------------------------------------------------------------------
# Languages
# --------------------------------------------------------------------------------------------------

_ISO_639_1 = (
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv "
    "dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig "
    "ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh "
    "mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru "
    "rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug "
    "uk ur uz ve vi vo wa wo xh yi yo za zh zu"
)
ISO_639_1 = frozenset(_ISO_639_1.split())
_LANGUAGE_ALIASES = {
    # deprecated ISO 639-1 codes
    "iw": "he", "in": "id", "ji": "yi", "jw": "jv", "mo": "ro",
    # ISO 639-2/3 codes of common news languages
    "eng": "en", "fra": "fr", "fre": "fr", "deu": "de", "ger": "de", "spa": "es", "ara": "ar", "ita": "it",
    "por": "pt", "nld": "nl", "dut": "nl", "rus": "ru", "zho": "zh", "chi": "zh", "jpn": "ja", "tur": "tr",
    "pol": "pl", "fas": "fa", "per": "fa", "ukr": "uk", "swe": "sv", "heb": "he", "hin": "hi", "kor": "ko",
    # language names
    "english": "en", "french": "fr", "français": "fr", "francais": "fr", "german": "de", "deutsch": "de",
    "spanish": "es", "español": "es", "espanol": "es", "arabic": "ar", "العربية": "ar", "italian": "it",
    "italiano": "it", "portuguese": "pt", "português": "pt", "russian": "ru", "chinese": "zh",
}  # fmt: skip


def language_code(raw: str | None) -> str | None:
    """ISO 639-1 code of a language tag or name: "fr-FR" → "fr", "en_US" → "en", "deu" → "de",
    "French" → "fr"; None for anything else ("x-default", "zz", "")."""
    if not raw or not isinstance(raw, str):
        return None
    s = raw.strip().lower()
    if not s:
        return None
    if s in _LANGUAGE_ALIASES:
        return _LANGUAGE_ALIASES[s]
    primary = re.split(r"[-_.@\s,;]", s, maxsplit=1)[0]
    if primary in ISO_639_1:
        return primary
    return _LANGUAGE_ALIASES.get(primary)


# --------------------------------------------------------------------------------------------------
# Authors
# --------------------------------------------------------------------------------------------------

AGENCIES = frozenset(
    (
        "afp", "agence france-presse", "agence france presse", "reuters", "thomson reuters", "ap",
        "associated press", "the associated press", "dpa", "deutsche presse-agentur", "ansa", "efe",
        "agencia efe", "europa press", "xinhua", "kyodo", "yonhap", "tass", "ria novosti", "interfax",
        "anadolu", "anadolu agency", "aa", "upi", "pa", "pa media", "press association", "belga", "anp",
        "apa", "sda", "keystone-sda", "ats", "kna", "epd", "dapd", "ddp", "bloomberg", "map", "aps",
        "tap", "wafa", "mena", "qna", "spa", "kuna", "irna", "isna", "ips", "pti", "ians", "aap",
        "agences", "agence", "agencies", "agency", "agenturen", "agentur", "agencias", "agencia", "وكالات",
        "وكالة الأنباء", "فرانس برس", "أ ف ب", "رويترز", "wire services", "news agencies", "wires",
        "rédaction", "la rédaction", "redaction", "redaktion", "die redaktion", "redacción", "la redacción",
        "staff", "staff writer", "staff writers", "staff reporter", "newsroom", "editorial board",
        "the editorial board", "editors", "the editors", "web desk", "news desk", "desk", "الجزيرة نت",
    )
)  # fmt: skip

_PREFIX = re.compile(
    r"^\s*(?:(?:un\s+)?(?:article|texte|reportage|entretien|propos\s+recueillis|interview|enquête)\s+"
    r"(?:de|par|réalisée?\s+par|recueillis\s+par)|written\s+by|reported\s+by|reporting\s+by|words\s+by|"
    r"story\s+by|posted\s+by|text\s+by|texte\s*:|text\s*:|texto\s*:|autor(?:in)?\s*:|auteur\s*:|author\s*:|"
    r"par|by|von|por|بقلم|كتب|كتبت)(?:\s+|\s*:\s*|$)",
    re.IGNORECASE,
)
_PREFIX_LOWER = re.compile(r"^\s*(?:di|da|de)\s+(?=\S)")  # Italian/Portuguese/Spanish, lowercase only
_CUT = re.compile(
    r"\s*(?:\b(?:last\s+updated|publi[ée]e?|mis\s+à\s+jour|modifi[ée]e?|published|updated|posted|ver[öo]ffentlicht|"
    r"aktualisiert|publicad[oa]|actualizad[oa]|le\s+\d|on\s+\d|am\s+\d|el\s+\d)\b|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|"
    r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}).*$",
    re.IGNORECASE,
)
_PIPE = re.compile(r"\s*(?:\||•|·|\s[-–—]\s|\n)\s*")
_SEPARATORS = re.compile(
    r"\s*(?:,|;|،|&|\+|/|\s(?:and|et|und|with|avec|mit|con)\s|(?-i:\s(?:y|e|و)\s))\s*", re.IGNORECASE
)
_PARENS = re.compile(r"\s*[(\[][^)\]]*[)\]]")
_ROLE = re.compile(
    r"\b(?:correspondan(?:t|te)s?|correspondents?|korrespondent(?:in)?|corresponsal(?:es)?|envoy[ée]e?s?|"
    r"enviad[oa]s?|sp[ée]ciale?s?|reporters?|journalist(?:e|in)?s?|r[ée]dact(?:eur|rice)s?|"
    r"redakteur(?:in)?|editor(?:ial)?s?|[ée]ditorialiste|writers?|staff|chef|cheffe|columnist|chroniqueu(?:r|se)|"
    r"contributors?|contributing|photograph(?:er|e)s?|bureau|desk|service|international|senior|"
    r"intern|stagiaire|mitarbeiter(?:in)?|autor(?:in)?|freelance|pigiste|analyst|analyste|"
    r"responsable|head|director|directeur|directrice|special)\b",
    re.IGNORECASE,
)
_PLACE_TAIL = re.compile(r"\s+(?:à|au|aux|en|in|aus|from|desde|at|à\s+la)\s+\S.*$")
_PLACE_ONLY = re.compile(r"^(?:à|au|aux|en|in|aus|from|desde|at)\s+\S", re.IGNORECASE)
_CONTACT = re.compile(r"\S+@\S+|https?://\S+|www\.\S+|(?<!\w)@\w+")
_PARTICLE_WORDS = "de du des la le d' van von der den di da dos das del bin ibn al el"
_PARTICLES = frozenset(_PARTICLE_WORDS.split())


def _fix_case(word: str) -> str:
    """Title-case an ALL-CAPS word ("DUBOIS" → "Dubois", "JEAN-PIERRE" → "Jean-Pierre")."""
    letters = [c for c in word if c.isalpha()]
    if len(letters) < 2 or not all(c.isupper() for c in letters):
        return word
    return word.title().replace("’S", "’s").replace("'S", "'s")


def _normalise_name(piece: str) -> str | None:
    piece = _PARENS.sub("", piece)
    piece = _PREFIX.sub("", piece)
    piece = _PREFIX_LOWER.sub("", piece)
    piece = _PLACE_TAIL.sub("", piece) if not _PLACE_ONLY.match(piece) else ""
    piece = piece.strip(" \t.,;:-–—|•·'\"«»“”()[]")
    if not piece or piece.casefold() in AGENCIES or _ROLE.search(piece):
        return None
    if any(c.isdigit() for c in piece) or len(piece) > 60 or not any(c.isalpha() for c in piece):
        return None
    words = piece.split()
    if len(words) > 6 or (words[0][0].isalpha() and words[0][0].islower() and words[0] not in _PARTICLES):
        return None
    if len(words) == 1 and piece.isupper() and len(piece) <= 5:  # an acronym: the outlet ("RFI"), kept as is
        return piece
    fixed = [_fix_case(w) for w in words]
    if all(w == w.upper() for w in words) and len(words) > 1:  # an all-caps name: lowercase particles
        fixed = [fixed[0]] + [w.lower() if w.lower() in _PARTICLES else w for w in fixed[1:]]
    return " ".join(fixed)


def split_authors(raw: str | None) -> list[str]:
    """Person names in a byline.

    "Par Claire Dubois et Marc Lefèvre" → ["Claire Dubois", "Marc Lefèvre"]; also "By A and B",
    "Von A und B", "Por A y B", comma lists, "بقلم ...". News agencies ("| AFP", "avec AFP", "with
    Reuters", "(dpa)"), roles ("Correspondant à Paris", "Staff writer"), places ("à Beyrouth"), dates,
    e-mail addresses and handles are dropped. ALL-CAPS names are title-cased. Order kept, duplicates
    removed.
    """
    text = clean_text(raw)
    if not text:
        return []
    text = _CONTACT.sub(" ", text)
    names: list[str] = []
    seen: set[str] = set()
    for part in _PIPE.split(text):
        part = _CUT.sub("", _PREFIX.sub("", part))
        for piece in _SEPARATORS.split(part):
            name = _normalise_name(piece)
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                names.append(name)
    return names
