"""The per-URL removal state machine (pure): confirmations, intervals, neutral verdicts, restoration."""

from datetime import UTC, datetime, timedelta

import pytest

from crawler.core.items import Verdict
from crawler.core.lifecycle import Policy, UrlState, advance, next_check

T0 = datetime(2025, 1, 1, tzinfo=UTC)
H = timedelta(hours=1)
DEFAULT = Policy()


def run(observations: list[tuple[Verdict, timedelta]], policy: Policy = DEFAULT) -> tuple[UrlState, list[str]]:
    state, events = UrlState(), []
    for verdict, offset in observations:
        state, new = advance(state, verdict, T0 + offset, policy)
        events += new
    return state, events


NF, GONE, ALIVE, T, B = Verdict.NOT_FOUND, Verdict.GONE, Verdict.ALIVE, Verdict.TRANSIENT, Verdict.BLOCKED


@pytest.mark.parametrize(
    ("observations", "status", "events"),
    [
        ([(NF, 0 * H)], "suspect", ["suspect"]),
        ([(NF, 0 * H), (NF, 72 * H), (NF, 144 * H)], "removed", ["suspect", "removed"]),
        ([(NF, 0 * H), (NF, 24 * H), (NF, 48 * H)], "suspect", ["suspect"]),  # too close together
        ([(NF, 0 * H), (NF, 24 * H), (NF, 72 * H), (NF, 100 * H)], "suspect", ["suspect"]),
        ([(NF, 0 * H), (NF, 72 * H), (ALIVE, 100 * H), (NF, 144 * H)], "suspect", ["suspect", "suspect"]),
        ([(GONE, 0 * H), (GONE, 72 * H)], "removed", ["suspect", "removed"]),  # 410 confirms sooner
        ([(T, 0 * H)] * 20, "alive", []),  # a 503 streak never removes
        ([(B, 0 * H), (B, 100 * H), (B, 200 * H)], "blocked", ["blocked"]),  # nor does a paywall
        ([(NF, 0 * H), (T, 72 * H), (B, 100 * H), (NF, 144 * H), (NF, 216 * H)], "removed", ["suspect", "removed"]),
        ([(NF, 0 * H), (NF, 72 * H), (NF, 144 * H), (ALIVE, 200 * H)], "alive", ["suspect", "removed", "restored"]),
        ([(Verdict.SOFT_404, 0 * H), (Verdict.REDIRECT_HOME, 72 * H), (Verdict.REPLACED, 144 * H)], "removed",
         ["suspect", "removed"]),
        ([(Verdict.CHANGED, 0 * H), (Verdict.MOVED, 1 * H)], "alive", []),
    ],
)
def test_transitions(observations: list, status: str, events: list[str]) -> None:
    state, got = run(observations)
    assert state.status == status
    assert got == events


def test_removed_at_is_when_it_was_first_seen_dead_and_reason_is_kept() -> None:
    state, _ = run([(T, 0 * H), (NF, 10 * H), (Verdict.SOFT_404, 82 * H), (NF, 154 * H)])
    assert state.status == "removed"
    assert state.removed_at == T0 + 10 * H
    assert state.removal_reason == "not_found"


def test_zero_interval_confirms_on_consecutive_checks() -> None:
    policy = Policy(confirmations=2, confirm_interval=timedelta(0))
    state, events = run([(NF, 0 * H), (NF, 0 * H)], policy)
    assert state.status == "removed" and events == ["suspect", "removed"]


def test_long_transient_streak_is_unreachable_not_removed() -> None:
    observations = [(T, timedelta(days=4 * i)) for i in range(10)]
    state, events = run(observations)
    assert state.status == "unreachable" and events == ["unreachable"]
    state, events = run([*observations, (ALIVE, timedelta(days=41))])
    assert state.status == "alive"


def test_next_check_cadence() -> None:
    now = T0 + timedelta(days=400)
    young = next_check(UrlState(), url="u", published_at=now - H, first_seen_at=now, now=now, policy=DEFAULT)
    old = next_check(UrlState(), url="u", published_at=now - timedelta(days=300), first_seen_at=now, now=now,
                     policy=DEFAULT)
    assert timedelta(hours=21) <= young - now <= timedelta(hours=27)
    assert timedelta(days=80) <= old - now <= timedelta(days=100)
    suspect = UrlState(status="suspect", streak=1, last_counted_at=now)
    assert next_check(suspect, url="u", published_at=None, first_seen_at=now, now=now, policy=DEFAULT) == now + 72 * H
