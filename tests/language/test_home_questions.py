"""The held-out whole-home questions are well formed and cover every intent, scope and period."""

from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

from tests.conftest import REPO

QUESTIONS = REPO / "benchmarks" / "data" / "home-questions.tsv"
CAMERAS = frozenset({"front_door", "back_door", "driveway", "garden", "kitchen", "backyard",
                     "garage", "living_room"})
GROUPS = frozenset({"group:outside", "group:inside"})
MINIMUM = {"ask_presence": 30, "ask_count": 15, "ask_where": 30, "summary": 40, "describe": 10,
           "last_seen": 10}
PERIOD = re.compile(r"today|yesterday|this_morning|this_afternoon|this_evening|tonight"
                    r"|last_hour|last_[1-9]\d*_minutes|last_([2-9]|[1-9]\d+)_hours"
                    r"|since_([01]\d|2[0-3])|away|none")
SPOKEN = re.compile(r"[a-z']+( [a-z']+)*")


class Question(NamedTuple):
    intent: str
    scope: str
    polarity: str
    period: str
    sentence: str


def lines() -> list[str]:
    return QUESTIONS.read_text().splitlines()


def questions() -> list[Question]:
    return [Question(*line.split("\t")) for line in lines() if not line.startswith("#")]


def scope_kind(scope: str) -> str:
    return "camera" if scope in CAMERAS else "group" if scope in GROUPS else scope


def period_label(period: str) -> str:
    """The canonical family of a period: last_10_minutes → last_N_minutes, since_09 → since_HH."""
    return re.sub(r"^(last|since)_\d+", lambda m: f"{m[1]}_{'HH' if m[1] == 'since' else 'N'}",
                  period)


def test_comments_come_first_and_every_row_has_five_filled_columns() -> None:
    comments = [i for i, line in enumerate(lines()) if line.startswith("#")]
    assert comments == list(range(len(comments))) and comments
    rows = lines()[len(comments):]
    assert rows and all(len(row.split("\t")) == 5 for row in rows)
    assert all(field.strip() == field != "" for row in rows for field in row.split("\t"))


def test_every_field_takes_a_valid_value() -> None:
    for q in questions():
        assert q.intent in MINIMUM, q
        assert q.scope in CAMERAS | GROUPS | {"all"}, q
        assert q.polarity == "pos" or (q.polarity == "neg" and q.intent == "ask_presence"), q
        if q.intent == "summary":
            assert PERIOD.fullmatch(q.period), q
        else:
            assert q.period == "-", q
        assert SPOKEN.fullmatch(q.sentence), q


def test_every_intent_has_enough_questions_and_enough_negated_presence() -> None:
    counts = Counter(q.intent for q in questions())
    assert all(counts[intent] >= n for intent, n in MINIMUM.items()), counts
    assert sum(q.polarity == "neg" for q in questions()) >= 10


def test_every_intent_mixes_named_places_the_whole_home_and_groups() -> None:
    for intent in MINIMUM:
        kinds = Counter(scope_kind(q.scope) for q in questions() if q.intent == intent)
        total = kinds.total()
        assert all(kinds[k] >= 0.2 * total for k in ("camera", "all", "group")), (intent, kinds)
    assert {q.scope for q in questions()} == CAMERAS | GROUPS | {"all"}


def test_summaries_cover_every_period_at_least_twice_also_with_places() -> None:
    summaries = [q for q in questions() if q.intent == "summary"]
    labels = Counter(period_label(q.period) for q in summaries)
    assert set(labels) == {"today", "yesterday", "this_morning", "this_afternoon", "this_evening",
                           "tonight", "last_hour", "last_N_minutes", "last_N_hours", "since_HH",
                           "away", "none"}
    assert min(labels.values()) >= 2, labels
    assert sum(q.scope != "all" for q in summaries) >= 10


def test_no_question_is_asked_twice() -> None:
    sentences = Counter(q.sentence for q in questions())
    assert [s for s, n in sentences.items() if n > 1] == []
