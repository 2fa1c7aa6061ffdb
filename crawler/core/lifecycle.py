"""The per-URL state machine: from single observations to "removed", without crying wolf.

``advance(state, verdict, at, policy)`` is pure. An article goes alive -> suspect ->
removed after ``confirmations`` removal-type observations, each at least
``confirm_interval`` after the previous counted one, with no alive-type observation in
between (a 410 needs only ``gone_confirmations``). Transient and blocked observations
neither count nor reset the streak: a 503 or a paywall never makes an article removed.
Any alive-type observation after "removed" emits ``restored``. A long run of transient
observations makes the article ``unreachable`` (reported apart from removals).
Defaults follow the Internet Archive's link bot: 3 observations at least 72 h apart.

``next_check(...)`` says when to look again: young articles often, old ones rarely,
suspects at the confirmation interval.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from crawler.core.items import Verdict

ALIVE, SUSPECT, REMOVED, UNREACHABLE, BLOCKED = "alive", "suspect", "removed", "unreachable", "blocked"
STATUSES = (ALIVE, SUSPECT, REMOVED, UNREACHABLE, BLOCKED)


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    confirmations: int = 3
    confirm_interval: timedelta = timedelta(hours=72)
    gone_confirmations: int = 2  # RFC 9110: 410 is "likely to be permanent"
    unreachable_after: int = 10  # transient observations in a row ...
    unreachable_period: timedelta = timedelta(days=30)  # ... spanning at least this long


@dataclass(frozen=True, slots=True, kw_only=True)
class UrlState:
    status: str = ALIVE
    removal_reason: str | None = None  # verdict of the latest removal-type observation
    streak: int = 0  # counted removal-type observations since the last alive one
    last_counted_at: datetime | None = None
    suspect_since: datetime | None = None  # first removal-type observation of the streak
    removed_at: datetime | None = None  # = suspect_since once confirmed: when it vanished
    transient_streak: int = 0
    transient_since: datetime | None = None


def advance(
    state: UrlState, verdict: Verdict, at: datetime, policy: Policy
) -> tuple[UrlState, tuple[str, ...]]:
    """The state after observing ``verdict`` at ``at``, and the events it caused."""
    if verdict.is_alive:
        events = ("restored",) if state.status == REMOVED else ()
        return UrlState(status=ALIVE), events
    if verdict is Verdict.TRANSIENT:
        return _transient(state, at, policy)
    if verdict is Verdict.BLOCKED:
        if state.status in (ALIVE, UNREACHABLE):
            return replace(state, status=BLOCKED, transient_streak=0, transient_since=None), ("blocked",)
        return state, ()
    # removal-type
    if state.status == REMOVED:
        return replace(state, removal_reason=verdict.value, transient_streak=0, transient_since=None), ()
    counts = state.last_counted_at is None or at - state.last_counted_at >= policy.confirm_interval
    streak = state.streak + 1 if counts else state.streak
    suspect_since = state.suspect_since or at
    needed = policy.confirmations
    if verdict is Verdict.GONE:
        needed = min(needed, policy.gone_confirmations)
    new = replace(
        state,
        streak=streak,
        last_counted_at=at if counts else state.last_counted_at,
        suspect_since=suspect_since,
        removal_reason=verdict.value,
        transient_streak=0,
        transient_since=None,
    )
    if streak >= needed:
        return replace(new, status=REMOVED, removed_at=suspect_since), ("removed",)
    return replace(new, status=SUSPECT), (() if state.status == SUSPECT else ("suspect",))


def _transient(state: UrlState, at: datetime, policy: Policy) -> tuple[UrlState, tuple[str, ...]]:
    since = state.transient_since or at
    new = replace(state, transient_streak=state.transient_streak + 1, transient_since=since)
    if (
        state.status in (ALIVE, BLOCKED)
        and new.transient_streak >= policy.unreachable_after
        and at - since >= policy.unreachable_period
    ):
        return replace(new, status=UNREACHABLE), ("unreachable",)
    return new, ()


def next_check(
    state: UrlState,
    *,
    url: str,
    published_at: datetime | None,
    first_seen_at: datetime,
    now: datetime,
    policy: Policy,
) -> datetime:
    """When to re-check this URL next (deterministic ±10 % jitter per URL for the long waits)."""
    if state.status == SUSPECT and state.last_counted_at is not None:
        return max(now, state.last_counted_at + policy.confirm_interval)
    if state.status == REMOVED:
        wait = timedelta(days=30)  # watch for a restoration
    elif state.status in (UNREACHABLE, BLOCKED) or state.transient_streak:
        wait = timedelta(days=1) if state.transient_streak < 3 else timedelta(days=7)
    else:
        age = now - (published_at or first_seen_at)
        if age < timedelta(days=3):
            wait = timedelta(days=1)
        elif age < timedelta(days=30):
            wait = timedelta(days=7)
        elif age < timedelta(days=180):
            wait = timedelta(days=30)
        else:
            wait = timedelta(days=90)
    jitter = int(hashlib.sha256(url.encode()).hexdigest()[:4], 16) / 0xFFFF * 0.2 - 0.1
    return now + wait * (1 + jitter)
