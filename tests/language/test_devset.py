"""The development set measures unseen phrasings: no template of training generates any of it."""

from __future__ import annotations

from homewatch.language.intents import INTENTS
from homewatch.language.match import SentenceMatcher, slot_patterns
from homewatch.language.names import HomeNames
from homewatch.training.dataset import split_templates
from homewatch.understanding.schema import DEVICE, PLACE
from tests.conftest import REPO

DEVSET = REPO / "benchmarks" / "data" / "devset.tsv"
HOME = HomeNames.of(("front_door", "back_door", "driveway", "garden", "kitchen", "backyard",
                     "garage", "living_room"), ("porch light", "kitchen light"))


def rows() -> list[tuple[str, str]]:
    lines = DEVSET.read_text().splitlines()
    return [(i, t) for i, t in (line.split("\t") for line in lines if not line.startswith("#"))]


def test_devset_covers_every_intent_and_has_non_commands() -> None:
    intents = [i for i, _ in rows()]
    # whole-home questions are measured on their own set (home-questions.tsv)
    assert set(intents) == set(INTENTS) - {"ask_where", "summary"}
    assert sum(i != "unknown" for i in intents) >= 150
    assert intents.count("unknown") >= 30


def test_no_devset_sentence_is_generated_by_the_training_templates() -> None:
    patterns = slot_patterns(HOME, {"place": [PLACE], "device": [DEVICE]})
    training = SentenceMatcher([t for items in split_templates("all").values() for t in items],
                               patterns)
    assert training.generates("stop watching the front door")  # the matcher can say yes
    generated = [text for _, text in rows() if training.generates(text)]
    assert generated == []
