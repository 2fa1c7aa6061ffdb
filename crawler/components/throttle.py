"""AutoThrottle that counts a 304 Not Modified like a 200.

Scrapy's AutoThrottle never lowers a host's delay on a response other than 200 (error pages and
redirects are small and fast, and would otherwise drive the delay down) but does raise it on
them. A re-check is mostly conditional requests answered 304: under the stock extension its
delay can only ratchet up (one slow answer, or a busy crawl process that is late reading one,
and the whole re-check runs at that pace). A 304 is the server's full answer to a request
that cost it what a 200 would, so it adjusts the delay both ways, as a 200 does.
Enabled in :mod:`crawler.settings` in place of ``scrapy.extensions.throttle.AutoThrottle``;
the ``AUTOTHROTTLE_*`` settings apply unchanged.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response

_OK = SimpleNamespace(status=200)  # what AutoThrottle reads of a response: its status


class Throttle(AutoThrottle):
    def _adjust_delay(self, slot: Any, latency: float, response: Response) -> None:
        super()._adjust_delay(slot, latency, _OK if response.status == 304 else response)  # type: ignore[arg-type]
