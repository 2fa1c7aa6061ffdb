"""Images with their captions and credits: figures, figcaptions, Microdata and JSON-LD.

A figure is a ``<figure>``, or the smallest block that holds exactly one image (``<noscript>`` copies not
counted) around a caption (``<figcaption>`` outside a figure, a ``caption``/``legende``/``mediaSubtitle``...
class), a credit (``credit``/``copyright``/``rights``/``image-author``... class, a line starting with "©")
or an image with ``data-caption``/``data-credit``; a figcaption right after a loose ``<picture>`` pairs with
it. Author portraits (``rel=author``, ``<address>``) and teaser links are not figures. When the element taken
for the article holds no captioned image while figures sit outside it, the whole body is searched.

The credit is, in order: an element with a credit class, a ``<cite>`` or a child starting with a credit label
("Foto:", "©", "Photo by"; a bare label stands for its parent) in the figure, the short or parenthesised
second half of a two-part caption, a ``data-credit``/``data-source``... attribute, a credit-class element
right next to the figure, the trailing "(Photo: X)", "(Jane Roe/Agency)" or agency of the caption, the text
after the last credit label in ``alt``/``title``, or the part of ``<img title>`` after "alt | ". A credited
block with no caption takes the image's alt text as caption. The same image seen twice keeps the caption and
credit of the copy that has them. JSON-LD ImageObjects (``caption``, ``creditText``, ``copyrightHolder``,
``author``, ``copyrightNotice``) fill what the page lacks, matched by file name, and are added when the page
does not show them.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from crawler.core.items import Image
from crawler.core.urls import absolute
from crawler.page.extract.context import _Page
from crawler.page.extract.dom import _REGION_TAGS, _classes, _in_boilerplate, _safe, _text
from crawler.page.extract.structured import _ld_str, _meta, _types
from crawler.page.normalize import (
    clean_text,
)

_LABEL_WORDS = (
    r"©|источник|\(c\)|copyright|crédits?(?:\s+photo)?|credits?|photographs?|photos?|fotos?|bild|images?|"
    r"illustration|source|quelle|fuente|fonte|fotografia|fotografía|fotoğraf|zdjęcie|ảnh|isithombe|фото|"
    r"kuva|billede|grafik|aufnahme|bildquelle|bildnachweis"
)
_CREDIT_LABEL = re.compile(
    rf"^\s*[(\[]?\s*(?:(?:{_LABEL_WORDS})\s*(?:by\b|:|©)?|(?:photo|foto|image|picture)\s+by\b)\s*[:©]?\s*",
    re.IGNORECASE,
)
_STARTS_WITH_LABEL = re.compile(
    rf"^\s*[(\[]?\s*(?:©|\(c\)|(?:{_LABEL_WORDS})\s*:|(?:photo|foto|image|picture)\s+by\s)", re.IGNORECASE
)
_CREDIT_TRAIL = re.compile(
    r"(?:^|\s|[(\[,])(?P<credit>(?:©|\(c\)|(?i:photographs?|photos?|crédits?|credits?|fotos?|bild|images?|source|"
    r"illustration|fotoğraf|ảnh|isithombe|quelle)\s*:)\s*[^()\[\]]{2,80}?|(?<![\w/])(?:AFP|Reuters|REUTERS|AP|"
    r"EPA|dpa|DPA|ANSA|EFE|Getty Images|AFP PHOTO|Anadolu|Xinhua|Sipa|SIPA|Maxppp|MAXPPP|Belga)"
    r"(?:\s*/\s*[^/()\[\]]{2,60}){0,2})\s*[)\]]?\s*$"
)
_PAREN_TRAIL = re.compile(r"\((?P<credit>[^()]{2,60}/[^()]{2,60})\)\s*$")  # "... (Jane Roe/Agency)"
_ALT_CREDIT = re.compile(  # the last label: "The quay © Outlet Foto: Jane Roe" → "Jane Roe"
    r"^.*(?:©|\(c\)|\b(?:Foto|Photo|Bild|Credit|Photograph)s?\s*:)\s*(?P<credit>[^©:]{2,80})$", re.I
)
_CREDIT_CLASS = re.compile(
    r"credit|copyright|photographer|fotograf|urheber|rights|bildrecht|"
    r"(?:image|img|photo|foto|media|picture|pic|bild)[-_]*(?:author|autor|source|quelle)",
    re.IGNORECASE,
)
_LOOSE_CREDIT_CLASS = re.compile(r"credit|copyright|source|author|autor|photographer|fotograf|rights|urheber", re.I)
_CAPTION_CLASS = re.compile(
    r"caption|legende|légende|legend|leyenda|didascalia|bildunterschrift|bildtext|figcaption|"
    r"(?:media|image|img|photo|picture|bild|foto)[-_]?sub-?(?:title|line)",
    re.IGNORECASE,
)
_CREDIT_DATA = ("data-credit", "data-copyright", "data-photographer", "data-author", "data-source", "data-rights")
_CAPTION_DATA = ("data-caption", "data-description", "data-legend")


def _clean_credit(text: str | None) -> str | None:
    text = clean_text(text)
    if not text:
        return None
    text = _CREDIT_LABEL.sub("", text).strip(" ")
    if text[:1] in "([" and text[-1:] in ")]":  # "(AFP)"
        text = text[1:-1]
    text = text.lstrip("([").rstrip(" ([")
    while text and text[-1] in ")]" and text.count(text[-1]) > text.count("(" if text[-1] == ")" else "["):
        text = text[:-1].rstrip()  # "(Photo: X)" after its label was cut
    return clean_text(text) or None


_BAD_SRC = re.compile(
    r"placeholder|blank\.gif|spacer|pixel\.gif|transparent[^/]*\.(?:gif|png)$|lazy\.(?:gif|png|svg)|^data:|^about:",
    re.IGNORECASE,
)


def _image_url(page: _Page, img: Any) -> str | None:
    candidates = [img.get(a) for a in ("src", "data-src", "data-lazy-src", "data-original", "data-url")]
    srcset = img.get("srcset") or img.get("data-srcset")
    if srcset:
        candidates.append(srcset.split(",")[0].strip().split(" ")[0])
    for candidate in candidates:
        if candidate and candidate.strip() and not _BAD_SRC.search(candidate.strip()):
            return absolute(page.base, candidate.strip())
    return None


def _main_image(figure: Any) -> Any:
    """The figure's image element: ``<img>``, else a ``<source>``, else any element with a ``src``."""
    imgs = list(figure.iter("img"))  # a placeholder first, the real picture in <noscript>
    img = next((i for i in imgs if not _BAD_SRC.search((i.get("src") or "").strip())), imgs[0] if imgs else None)
    if img is None:
        img = next(figure.iter("source"), None)
    if img is None:
        img = next(
            (el for el in figure.iter() if isinstance(el.tag, str) and (el.get("src") or el.get("data-src"))), None
        )
    return img if img is not None and img.tag not in ("script", "iframe", "video", "audio") else None


_CREDIT_ITEMPROPS = ("copyrightHolder", "creditText", "author", "copyrightNotice")


def _credit_elements(figure: Any, caption_el: Any) -> list[Any]:
    els = [
        el
        for el in figure.iter()
        if isinstance(el.tag, str)
        and el is not figure
        and (
            _LOOSE_CREDIT_CLASS.search(_classes(el))
            or el.get("itemprop") in _CREDIT_ITEMPROPS
            or (caption_el is not None and el.tag == "cite" and _inside(el, caption_el))
            or (len(el) == 0 and _STARTS_WITH_LABEL.match(el.text or "") and len(_text(el)) <= 120)
        )
    ]
    els = [_label_owner(el, figure, caption_el) for el in els]
    els = [el for el in els if not any(a in els for a in el.iterancestors())]
    if not els and caption_el is not None:
        els = _second_part(caption_el)
    return els


def _label_owner(el: Any, figure: Any, caption_el: Any) -> Any:
    """``<span class=credit><span>Foto:</span> Jane Roe</span>``: a bare label stands for its parent."""
    parent = el.getparent()
    if _clean_credit(_text(el)) or parent is None or parent is figure or parent is caption_el:
        return el
    return parent if len(_text(parent)) <= 120 else el


def _inside(el: Any, ancestor: Any) -> bool:
    return any(a is ancestor for a in el.iterancestors())


def _second_part(caption_el: Any) -> list[Any]:
    """``<figcaption><span>Caption text.</span><span>Agency/Name</span></figcaption>``: the short second part."""
    parts = [c for c in caption_el if isinstance(c.tag, str) and _text(c)]
    while len(parts) == 1 and not clean_text(caption_el.text) and not clean_text(parts[0].tail):
        caption_el = parts[0]  # "<div class=caption><p><span>...</span><span>...</span></p></div>"
        parts = [c for c in caption_el if isinstance(c.tag, str) and _text(c)]
    if len(parts) != 2 or any(clean_text(c.tail) for c in parts) or clean_text(caption_el.text):
        return []
    first, last = _text(parts[0]), _text(parts[1])
    if last[:1] == "(" and last[-1:] == ")" and len(last) <= 100:  # "<span>(Court records)</span>"
        return [parts[1]]
    if len(last) > 80 or len(last.split()) > 8 or last[-1:] in ".!?:" or len(first) <= len(last):
        return []
    return [parts[1]]


_BYLINE_XPATH = etree.XPath(".//address | .//*[@rel='author']")


def _figure(page: _Page, figure: Any, alt_caption: bool = False) -> Image | None:
    if _BYLINE_XPATH(figure):  # the author's portrait next to the byline
        return None
    img = _main_image(figure)
    url = _image_url(page, img) if img is not None else None
    if not url:
        return None
    caption_el = next(figure.iter("figcaption"), None)
    if caption_el is None:  # the outermost caption-class element ("newsCaption" > "caption")
        caption_el = next(
            (
                el
                for el in figure.iter()
                if isinstance(el.tag, str)
                and _CAPTION_CLASS.search(_classes(el))
                and not _inside(img, el)  # "<p class=withoutCaption><img></p>"
                and _text(el)
            ),
            None,
        )
    credit_els = _credit_elements(figure, caption_el)
    credit = _clean_credit(" ".join(dict.fromkeys(_text(el) for el in credit_els))) if credit_els else None
    credit = credit or _data_credit(img) or _near_credit(figure)
    caption = _text(caption_el, tuple(credit_els)) if caption_el is not None else None
    if caption and not credit:
        match = _CREDIT_TRAIL.search(caption) or _PAREN_TRAIL.search(caption)
        if match:
            credit = _clean_credit(match.group("credit"))
            caption = clean_text(caption[: match.start("credit")].rstrip(" ([-–—|,"))
    credit = credit or _alt_credit(img)
    if not caption:
        caption = clean_text(next((img.get(a) for a in _CAPTION_DATA if img.get(a)), None))
    if not credit:
        caption, credit = _title_credit(img, caption)
    if alt_caption and credit and not caption and img.tag == "img":  # a credited picture with no caption: its alt
        caption = clean_text(_ALT_LABEL.split(img.get("alt") or "", 1)[0])
    return Image(url=url, caption=caption or None, credit=credit)


def _data_credit(img: Any) -> str | None:
    for el in (img, img.getparent()):
        if el is None:
            continue
        for attr in _CREDIT_DATA:
            value = el.get(attr)
            if value and not value.startswith(("http", "/")) and len(value) <= 120:
                return _clean_credit(value)
    return None


def _near_credit(figure: Any) -> str | None:
    """A credit element next to the figure, in the smallest blocks around it that hold no other image."""
    node = figure
    for _ in range(3):
        parent = node.getparent()
        if parent is None or parent.tag in _REGION_TAGS or len(parent.findall(".//img")) > 1:
            return None
        for el in parent.iter():
            if el is figure or not isinstance(el.tag, str) or not _CREDIT_CLASS.search(_classes(el)):
                continue
            if not _inside(el, figure) and 2 <= len(_text(el)) <= 120:
                return _clean_credit(_text(el))
        node = parent
    return None


def _alt_credit(img: Any) -> str | None:
    """``<img alt="The harbour © Agency Foto: Jane Roe">``: a credit after a label in the alt (or title) text."""
    for attr in ("alt", "title"):
        match = _ALT_CREDIT.search(clean_text(img.get(attr)) or "")
        if match:
            return _clean_credit(match.group("credit"))
    return None


def _title_credit(img: Any, caption: str | None) -> tuple[str | None, str | None]:
    """``<img alt="Caption" title="Caption | Agency/Name">``: the credit after the alt text."""
    title, alt = clean_text(img.get("title")), clean_text(img.get("alt"))
    if not title or not alt or not title.startswith(alt):
        return caption, None
    rest = title[len(alt) :].strip()
    if not rest.startswith(("|", "©", "/")):
        return caption, None
    credit = _clean_credit(rest.lstrip("|/ "))
    if credit and len(credit) <= 80:
        return caption or alt, credit
    return caption, None


# --------------------------------------------------------------------------------------------------
# JSON-LD ImageObjects
# --------------------------------------------------------------------------------------------------


def _url_key(url: str | None) -> str:
    """The part of an image URL that survives resizing: the path without query."""
    if not url:
        return ""
    path = urlsplit(url).path.rstrip("/")
    return path.rsplit("/", 1)[-1].lower() if path else ""


def _ld_images(page: _Page) -> list[Image]:
    images: list[Image] = []
    nodes: list[Any] = []
    for key in ("image", "associatedMedia", "primaryImageOfPage", "thumbnail"):
        value = page.ld.get(key)
        nodes.extend(value if isinstance(value, list) else [value])
    for node in nodes:
        node = page.ld.resolve(node)
        if not isinstance(node, dict) or (_types(node) and "ImageObject" not in _types(node)):
            continue
        url = _ld_str(node.get("contentUrl")) or _ld_str(node.get("url"))
        caption = _ld_str(node.get("caption")) or _ld_str(node.get("description"))
        credit = next(
            (c for c in (_ld_str(page.ld.resolve(node.get(k))) for k in _CREDIT_ITEMPROPS) if c and "://" not in c),
            None,
        )
        if url and (caption or credit):
            images.append(Image(url=absolute(page.base, url) or url, caption=caption, credit=_clean_credit(credit)))
    return images


def _merge_ld(page: _Page, images: dict[str, Image]) -> None:
    """Fill the captions and credits the page lacks from JSON-LD, and add the JSON-LD images it does not show."""
    ld_images = _ld_images(page)
    if not ld_images:
        return
    by_key = {_url_key(i.url): i for i in ld_images}
    for url, image in list(images.items()):
        match = by_key.get(_url_key(url))
        if match is not None and (not image.caption or not image.credit):
            images[url] = Image(url=url, caption=image.caption or match.caption, credit=image.credit or match.credit)
    known = {_url_key(u) for u in images}
    captions = {i.caption for i in images.values() if i.caption}
    for image in ld_images:
        if _url_key(image.url) in known or (image.caption and image.caption in captions) or len(images) >= 20:
            continue
        images.setdefault(image.url, image)
        known.add(_url_key(image.url))
        if image.caption:
            captions.add(image.caption)


# --------------------------------------------------------------------------------------------------
# All images
# --------------------------------------------------------------------------------------------------


def _images(page: _Page) -> tuple[Image, ...]:
    images = _images_in(page, page.region)
    if not any(i.caption or i.credit for i in images.values()) and _figures_outside(page):
        body = page.tree.find("body")  # the figures sit outside the element taken for the article
        images = _images_in(page, body if body is not None else page.tree) or images
    _merge_ld(page, images)
    if not images:
        og = _meta(page.meta, "og:image", "og:image:url", "og:image:secure_url", "twitter:image")
        og = og or _ld_str(page.ld.get("image"))
        url = absolute(page.base, og) if og else None
        if url:
            images[url] = Image(url=url)
    return tuple(images.values())


_FIGURES_XPATH = etree.XPath("//body//figure | //body//figcaption")


def _figures_outside(page: _Page) -> bool:
    """Whether the page has figures outside the element taken for the article."""
    if page.region is page.tree or page.region.tag in ("body", "html"):
        return False
    return any(not _inside(f, page.region) for f in _FIGURES_XPATH(page.tree))


def _images_in(page: _Page, scope: Any) -> dict[str, Image]:
    images: dict[str, Image] = {}
    for figure in scope.iter("figure"):
        if _in_boilerplate(figure) or any(a.tag == "figure" for a in figure.iterancestors()):
            continue
        image = _safe(lambda f=figure: _figure(page, f), None)  # one odd figure costs that figure only
        _add(images, image, bare=True)
        if len(images) >= 20:
            return images
    for container in _captioned_media(page, scope):
        _add(images, _safe(lambda c=container: _figure(page, c, alt_caption=True), None))
    for img in _TITLED_IMG_XPATH(scope):  # "<img alt="Caption" title="Caption | Credit">" with no figure
        caption, credit = _title_credit(img, None)
        if not credit and _ALT_CREDIT.search(img.get("alt") or ""):  # "<img alt="Caption © Credit">"
            credit = _alt_credit(img)
            caption = clean_text(img.get("title")) or clean_text(_ALT_LABEL.split(img.get("alt") or "", 1)[0])
        url = _image_url(page, img) if credit else None
        if url and not _in_boilerplate(img):
            _add(images, Image(url=url, caption=caption, credit=credit))
    return images


_TITLED_IMG_XPATH = etree.XPath(".//img[@alt]")
_ALT_LABEL = re.compile(r"\s*(?:©|\(c\)|\b(?:Foto|Photo|Bild|Credit|Photograph)s?\s*:)", re.I)


def _add(images: dict[str, Image], image: Image | None, bare: bool = False) -> None:
    """Add an image (without caption or credit only when ``bare``), or fill the caption or credit the same
    image lacks."""
    if image is None or not (bare or image.caption or image.credit) or (len(images) >= 20 and image.url not in images):
        return
    known = images.get(image.url)
    if known is None:
        images[image.url] = image
    elif not known.caption or not known.credit:  # "<figure><img></figure><figcaption>" side by side
        images[image.url] = Image(
            url=image.url, caption=known.caption or image.caption, credit=known.credit or image.credit
        )


_ANCHOR_CLASS = re.compile(  # a cheap first filter; _CAPTION_CLASS and _CREDIT_CLASS decide
    r"aption|egend|égende|eyenda|idascalia|nterschrift|ildtext|redit|opyright|uthor|ights|ubtitle|ubTitle"
)


def _anchors(scope: Any) -> Iterator[Any]:
    """Elements that may caption or credit an image: figcaptions, images with ``data-caption``..., caption
    and credit classes, lines starting with "©"."""
    for el in scope.iter():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if tag == "figcaption" or (
            tag == "img" and (el.get("data-caption") or el.get("data-credit") or el.get("data-copyright"))
        ):
            yield el
            continue
        classes = el.get("class")
        if (classes and _ANCHOR_CLASS.search(classes)) or (el.text and el.text.lstrip()[:1] == "©"):
            yield el


_MAX_CONTAINER_TEXT = 600


def _captioned_media(page: _Page, scope: Any) -> Iterator[Any]:
    """Figures without ``<figure>``: the smallest block around a caption (``<figcaption>``, a ``caption``,
    ``legende``... class), an image credit or a ``data-caption`` image, outside any figure, that holds exactly
    one image and little text."""
    seen: list[Any] = []  # the elements themselves: an lxml proxy's id() is reused once it is freed
    for el in _anchors(scope):
        if el.tag == "figure" or any(a.tag == "figure" for a in el.iterancestors()):
            continue
        classes = _classes(el)
        if el.tag not in ("figcaption", "img") and not (
            _CAPTION_CLASS.search(classes) or _CREDIT_CLASS.search(classes) or (el.text or "").strip()[:1] == "©"
        ):
            continue
        container = _container(el, scope)
        if container is None:
            container = _with_previous(el)
        if container is not None and not any(c is container for c in seen) and not _in_boilerplate(container):
            seen.append(container)
            yield container


def _container(el: Any, region: Any) -> Any:
    node = el if el.tag == "img" else el.getparent()
    for _ in range(4):
        if node is None or node.tag in _REGION_TAGS or node is region:
            return None
        count = _count_images(node)
        if count > 1:
            return None
        if count == 1:  # not a teaser: a link around an image and its title
            return node if node.tag != "a" and len(_text(node)) <= _MAX_CONTAINER_TEXT else None
        node = node.getparent()
    return None


def _srcs(node: Any) -> Iterator[Any]:
    return (
        e for e in node.iter() if isinstance(e.tag, str) and e.tag != "script" and (e.get("src") or e.get("srcset"))
    )


def _count_images(node: Any) -> int:
    """Images under ``node``, not counting the ``<noscript>`` copies of lazy-loaded ones."""
    count = sum(1 for img in node.iter("img") if not any(a.tag == "noscript" for a in img.iterancestors()))
    return count or sum(1 for _ in _srcs(node))


def _with_previous(caption: Any) -> Any:
    """``<picture>...</picture><figcaption>...</figcaption>`` loose in the text: the caption and the image
    right before it, copied into a block of their own."""
    if caption.tag not in ("figcaption", "p", "div", "span") or any(a.tag == "a" for a in caption.iterancestors()):
        return None
    prev = caption.getprevious()
    if prev is None or not isinstance(prev.tag, str) or _count_images(prev) != 1 or len(_text(prev)) > 200:
        return None
    block = etree.Element("div")
    block.append(copy.deepcopy(prev))
    block.append(copy.deepcopy(caption))
    return block
