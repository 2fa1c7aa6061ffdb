"""Images with their captions and credits: figures, figcaptions, Microdata and JSON-LD."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

from crawler.core.items import Image
from crawler.core.urls import absolute
from crawler.page.extract.context import _Page
from crawler.page.extract.dom import _CAPTION_ATTR, _CREDIT_ATTR, _REGION_TAGS, _classes, _in_boilerplate, _text
from crawler.page.extract.structured import _ld_str, _meta
from crawler.page.normalize import (
    clean_text,
)

_CREDIT_LABEL = re.compile(
    r"^\s*(?:©|\(c\)|copyright|crédits?(?:\s+photo)?|credits?|photographs?|photos?|fotos?|bild|images?|"
    r"illustration|source|quelle|fuente)\s*[:©]?\s*",
    re.IGNORECASE,
)
_CREDIT_TRAIL = re.compile(
    r"(?:^|\s|[(\[])(?P<credit>(?:©|\(c\)|(?i:photographs?|photos?|crédits?|credits?|fotos?|bild|images?|source|"
    r"illustration)\s*:)\s*[^()\[\]]{2,80}?|(?<![\w/])(?:AFP|Reuters|REUTERS|AP|EPA|dpa|DPA|ANSA|EFE|"
    r"Getty Images|AFP PHOTO|Anadolu|Xinhua|Sipa|SIPA|Maxppp|MAXPPP|Belga)(?:\s*/\s*[^/()\[\]]{2,60}){0,2})"
    r"\s*[)\]]?\s*$"
)


def _clean_credit(text: str | None) -> str | None:
    text = clean_text(text)
    if not text:
        return None
    text = _CREDIT_LABEL.sub("", text).strip(" ")
    if text[:1] in "([" and text[-1:] in ")]":  # "(AFP)"
        text = text[1:-1]
    return clean_text(text.lstrip("([").rstrip(" ([")) or None


def _image_url(page: _Page, img: Any) -> str | None:
    candidates = [img.get(a) for a in ("src", "data-src", "data-lazy-src", "data-original", "data-url")]
    srcset = img.get("srcset") or img.get("data-srcset")
    if srcset:
        candidates.append(srcset.split(",")[0].strip().split(" ")[0])
    for candidate in candidates:
        if candidate and not candidate.startswith("data:") and not re.search(
            r"placeholder|blank\.gif|spacer|pixel\.gif|lazy\.(?:gif|png|svg)", candidate, re.I
        ):
            return absolute(page.base, candidate)
    return None


_CREDIT_ITEMPROPS = ("copyrightHolder", "creditText", "author", "copyrightNotice")


def _figure(page: _Page, figure: Any) -> Image | None:
    img = next(figure.iter("img"), None)
    if img is None:
        source = next(figure.iter("source"), None)
        srcset = source.get("srcset") if source is not None else None
        url = absolute(page.base, srcset.split(",")[0].strip().split(" ")[0]) if srcset else None
    else:
        url = _image_url(page, img)
    if not url:
        return None
    credit_els = [
        el
        for el in figure.iter()
        if isinstance(el.tag, str)
        and el is not figure
        and (_CREDIT_ATTR.search(_classes(el)) or el.get("itemprop") in _CREDIT_ITEMPROPS)
    ]
    credit_els = [el for el in credit_els if not any(a in credit_els for a in el.iterancestors())]
    credit = _clean_credit(" ".join(_text(el) for el in credit_els)) if credit_els else None
    caption_el = next(figure.iter("figcaption"), None)
    if caption_el is None:
        caption_el = next((el for el in figure.iter() if _CAPTION_ATTR.search(_classes(el))), None)
    caption = None
    if caption_el is not None:
        caption = _text(caption_el, tuple(credit_els)) or None
        if caption and not credit:
            match = _CREDIT_TRAIL.search(caption)
            if match:
                credit = _clean_credit(match.group("credit"))
                caption = clean_text(caption[: match.start("credit")].rstrip(" ([-–—|"))
    return Image(url=url, caption=caption or None, credit=credit)


def _images(page: _Page) -> tuple[Image, ...]:
    figures = [f for f in page.region.iter("figure") if not _in_boilerplate(f)]
    images: dict[str, Image] = {}
    for figure in figures:
        if any(a.tag == "figure" for a in figure.iterancestors()):
            continue
        image = _figure(page, figure)
        if image is not None and image.url not in images:
            images[image.url] = image
        if len(images) >= 20:
            break
    if len(images) < 20:
        for container in _captioned_media(page):
            image = _figure(page, container)
            if image is not None and image.url not in images:
                images[image.url] = image
    if not images:
        og = _meta(page.meta, "og:image", "og:image:url", "og:image:secure_url", "twitter:image")
        og = og or _ld_str(page.ld.get("image"))
        url = absolute(page.base, og) if og else None
        if url:
            images[url] = Image(url=url)
    return tuple(images.values())


_CAPTION_CLASS_XPATH = etree.XPath(
    ".//@class[contains(., 'aption') or contains(., 'egend') or contains(., 'égende') or contains(., 'eyenda')"
    " or contains(., 'idascalia') or contains(., 'nterschrift')]/.."
)


def _captioned_media(page: _Page) -> Iterator[Any]:
    """Figures without ``<figure>``: the parent of a caption-class element (``legende``, ``caption``...)
    outside any figure, when it holds exactly one image."""
    for el in _CAPTION_CLASS_XPATH(page.region):
        if el.tag in ("figure", "figcaption", "img") or not _CAPTION_ATTR.search(el.get("class") or ""):
            continue
        container = el.getparent()
        if container is None or container.tag in _REGION_TAGS or container is page.region:
            continue
        if any(a.tag == "figure" for a in el.iterancestors()) or len(container.findall(".//img")) != 1:
            continue
        if not _in_boilerplate(container):
            yield container
