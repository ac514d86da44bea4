"""Time expressions of "what happened …" questions: canonical labels and concrete spans."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from homewatch.language.periods import parse_period

TZ = timezone(timedelta(hours=1))
NOW = datetime(2026, 11, 29, 22, 30, tzinfo=TZ)
MORNING = datetime(2026, 11, 29, 8, 15, tzinfo=TZ)


def at(hour: int, minute: int = 0, days_ago: int = 0) -> datetime:
    return datetime(2026, 11, 29, hour, minute, tzinfo=TZ) - timedelta(days=days_ago)


@pytest.mark.parametrize(("text", "label", "start", "end"), [
    ("what happened today", "today", at(0), NOW),
    ("anything going on so far today?", "today", at(0), NOW),
    ("what happened this morning", "this_morning", at(6), at(12)),
    ("what went on in the garden this afternoon", "this_afternoon", at(12), at(18)),
    ("summary of this evening", "this_evening", at(18), NOW),
    ("what happened tonight", "tonight", at(18), NOW),
    ("what happened yesterday", "yesterday", at(0, days_ago=1), at(0)),
    ("what happened since nine", "since_09", at(9), NOW),
    ("what happened since 9", "since_09", at(9), NOW),
    ("anything since 9 pm?", "since_21", at(21), NOW),
    ("since nine in the evening", "since_21", at(21), NOW),
    ("since 9:30", "since_09", at(9), NOW),
    ("since noon", "since_12", at(12), NOW),
    ("since midnight", "since_00", at(0), NOW),
    ("what happened in the last hour", "last_hour", NOW - timedelta(hours=1), NOW),
    ("in the past hour", "last_hour", NOW - timedelta(hours=1), NOW),
    ("in the last ten minutes", "last_10_minutes", NOW - timedelta(minutes=10), NOW),
    ("in the last 5 minutes", "last_5_minutes", NOW - timedelta(minutes=5), NOW),
    ("in the last two hours", "last_2_hours", NOW - timedelta(hours=2), NOW),
    ("in the last half hour", "last_30_minutes", NOW - timedelta(minutes=30), NOW),
    ("what happened", "none", NOW - timedelta(hours=12), NOW),
])
def test_periods(text: str, label: str, start: datetime, end: datetime) -> None:
    period = parse_period(text, NOW)
    assert (period.label, period.start, period.end) == (label, start, end)


def test_a_later_hour_than_now_is_yesterdays() -> None:
    period = parse_period("since ten", MORNING)
    assert period.label == "since_10"
    assert period.start == datetime(2026, 11, 28, 10, tzinfo=TZ)


def test_this_morning_asked_in_the_morning_ends_now() -> None:
    assert parse_period("this morning", MORNING).end == MORNING


def test_while_i_was_out_is_the_last_armed_away_span() -> None:
    left, back = at(13).timestamp(), at(17).timestamp()
    period = parse_period("what happened while I was out", NOW, away=(left, back))
    assert (period.label, period.start_ts, period.end_ts) == ("away", left, back)
    still_out = parse_period("while we were away", NOW, away=(left, None))
    assert still_out.end == NOW
    never_armed = parse_period("while I was out", NOW)
    assert never_armed.label == "away" and never_armed.start == NOW - timedelta(hours=4)


def test_spoken_forms() -> None:
    assert parse_period("since 9 pm", NOW).spoken == "since 9 pm"
    assert parse_period("in the last ten minutes", NOW).spoken == "in the last 10 minutes"
    assert parse_period("this morning", NOW).spoken == "this morning"
