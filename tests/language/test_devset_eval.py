"""The held-out evaluation set is well formed, unseen by training and apart from the dev set."""

from __future__ import annotations

from pathlib import Path

from homewatch.language.intents import INTENTS
from tests.support.heldout import DATA, matcher, training_templates
from tests.support.heldout import rows as read_rows

EVALSET = DATA / "devset-eval.tsv"
DEVSET = DATA / "devset.tsv"


def rows(path: Path) -> list[tuple[str, str]]:
    return [(intent, text) for intent, text in read_rows(path)]


def test_every_line_is_an_intent_and_a_plain_lowercase_sentence() -> None:
    for intent, text in rows(EVALSET):
        assert intent in INTENTS, intent
        assert text == text.strip().lower() and "  " not in text, text
        assert all(c.isalpha() or c in " '" for c in text), text


def test_evalset_covers_every_intent_and_has_non_commands() -> None:
    intents = [i for i, _ in rows(EVALSET)]
    # whole-home questions are measured on their own set (home-questions.tsv)
    assert set(intents) == set(INTENTS) - {"ask_where", "summary"}
    assert sum(i != "unknown" for i in intents) >= 150
    assert intents.count("unknown") >= 30


def test_no_sentence_is_repeated_or_shared_with_the_dev_set() -> None:
    texts = [t for _, t in rows(EVALSET)]
    assert len(texts) == len(set(texts))
    dev = {t for _, t in rows(DEVSET)}
    assert [t for t in texts if t in dev] == []


def test_no_evalset_sentence_is_generated_by_the_training_templates() -> None:
    training = matcher(training_templates())
    assert training.generates("stop watching the front door")  # the matcher can say yes
    generated = [(intent, text) for intent, text in rows(EVALSET) if training.generates(text)]
    assert generated == []
