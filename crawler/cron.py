"""Crontab expressions with crontab's meaning, as APScheduler 3.x triggers.

APScheduler numbers weekdays from Monday = 0, crontab from Sunday = 0 (and 7): "30 4 * * 0"
means Sunday in a crontab and Monday in ``CronTrigger.from_crontab``. :func:`cron_trigger`
expands the day-of-week field into day names first, so both read the same.
"""

from __future__ import annotations

import re

from apscheduler.triggers.cron import CronTrigger

CRON_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
NAMES = {name: i for i, name in enumerate(CRON_DAYS)}


def _day(token: str) -> int:
    token = token.lower()
    if token in NAMES:
        return NAMES[token]
    if not token.isdigit() or int(token) > 7:
        raise ValueError(f"invalid day of week {token!r}")
    return int(token) % 7


def expand_days(field: str) -> list[int]:
    """Crontab day-of-week field -> sorted crontab day numbers (0 = Sunday)."""
    days: set[int] = set()
    for part in field.split(","):
        m = re.fullmatch(r"(\*|[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)?)(?:/(\d+))?", part.strip())
        if not m:
            raise ValueError(f"invalid day-of-week {part!r}")
        span, step = m.group(1), int(m.group(2) or 1)
        if step < 1:
            raise ValueError(f"invalid step in {part!r}")
        if span == "*":
            lo, hi = 0, 6
        elif "-" in span:
            a, b = span.split("-")
            lo, hi = _day(a), (7 if b in ("7",) else _day(b))
            if hi < lo:
                raise ValueError(f"invalid day-of-week range {part!r}")
        else:
            lo = hi = _day(span)
        days.update(d % 7 for d in range(lo, hi + 1, step))
    return sorted(days)


def cron_trigger(expr: str, timezone: str = "UTC") -> CronTrigger:
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"wrong number of fields; got {len(fields)}, expected 5")
    minute, hour, day, month, dow = fields
    day_of_week = "*" if dow == "*" else ",".join(CRON_DAYS[d] for d in expand_days(dow))
    return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week, timezone=timezone)
