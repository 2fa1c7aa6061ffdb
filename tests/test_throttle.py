"""crawler.components.throttle: a 304 lowers AutoThrottle's delay as a 200 does (Scrapy's own never lowers it on a
304, so a re-check of unchanged articles kept the pace of its slowest answer)."""

from __future__ import annotations

from scrapy.core.downloader import Slot
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawler.components.throttle import Throttle

SETTINGS = {"AUTOTHROTTLE_ENABLED": True, "DOWNLOAD_DELAY": 0.0, "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0}


def settle(extension_class: type[AutoThrottle], status: int, latency: float, start: float = 1.0) -> float:
    extension = extension_class(get_crawler(settings_dict=SETTINGS))
    extension.mindelay, extension.maxdelay = 0.0, 30.0  # what spider_opened sets
    slot = Slot(concurrency=4, delay=start, jitter=0)
    for _ in range(30):
        extension._adjust_delay(slot, latency, Response("http://news.example.org/a", status=status))
    return slot.delay


def test_fast_304s_lower_the_delay_as_200s_do() -> None:
    assert settle(Throttle, 304, latency=0.002) < 0.01
    assert settle(Throttle, 200, latency=0.002) < 0.01
    assert settle(AutoThrottle, 304, latency=0.002) == 1.0  # why crawler.components.throttle exists


def test_slow_answers_still_raise_it_and_other_statuses_behave_as_before() -> None:
    assert settle(Throttle, 304, latency=4.0, start=0.1) >= 2.0  # latency / target concurrency
    assert settle(Throttle, 404, latency=0.002) == 1.0  # small error pages do not speed a crawl up
    assert settle(Throttle, 500, latency=4.0, start=0.1) == settle(AutoThrottle, 500, latency=4.0, start=0.1)
