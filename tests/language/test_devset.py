"""The development set measures unseen phrasings: no template of training generates any of it."""

from __future__ import annotations

from homewatch.language.intents import INTENTS
from tests.support.heldout import DATA, matcher, training_templates
from tests.support.heldout import rows as read_rows

DEVSET = DATA / "devset.tsv"


def rows() -> list[tuple[str, str]]:
    return [(intent, text) for intent, text in read_rows(DEVSET)]


def test_devset_covers_every_intent_and_has_non_commands() -> None:
    intents = [i for i, _ in rows()]
    # whole-home questions are measured on their own set (home-questions.tsv)
    assert set(intents) == set(INTENTS) - {"ask_where", "summary"}
    assert sum(i != "unknown" for i in intents) >= 150
    assert intents.count("unknown") >= 30


def test_no_devset_sentence_is_generated_by_the_training_templates() -> None:
    training = matcher(training_templates())
    assert training.generates("stop watching the front door")  # the matcher can say yes
    generated = [text for _, text in rows() if training.generates(text)]
    assert generated == []
