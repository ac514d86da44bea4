"""Tokenizer, gazetteer, PIN extraction and reply wording."""

from __future__ import annotations

import pytest

from homewatch.understanding.config import UnderstandingConfig
from homewatch.understanding.dialog import arm_mode, spoken_pin
from homewatch.understanding.gazetteer import Gazetteer
from homewatch.understanding.replies import ago, counted, join
from homewatch.understanding.schema import NUM, SPECIAL_TOKENS
from homewatch.understanding.tokenizer import Vocabulary, words

CONFIG = UnderstandingConfig.model_validate({
    "devices": [{"name": "porch light"}, {"name": "kitchen light", "aliases": ["cooker light"]}],
    "camera_names": {"front_door": ["front door", "entrance"]},
    "zones": [{"name": "driveway", "camera": "garden"}],
})
GAZ = Gazetteer.from_config(CONFIG, ["front_door", "back_door", "garden", "kitchen", "backyard"])


def test_vocabulary_pads_maps_unknown_and_numbers() -> None:
    vocab = Vocabulary.build(["is anyone there", "is anyone there", "disarm 1 2"], min_count=1)
    ids = vocab.encode("Is ANYONE there, zebra? 42", length=8)
    assert ids[:3] == [vocab.tokens.index(w) for w in ("is", "anyone", "there")]
    assert ids[3] == 1  # unknown
    assert ids[4:6] == [vocab.tokens.index(NUM)] * 2
    assert ids[6:] == [0, 0]
    assert vocab.tokens[: len(SPECIAL_TOKENS)] == list(SPECIAL_TOKENS)
    with pytest.raises(ValueError):
        Vocabulary(["a", "b"])


def test_fuzzy_vocabulary_maps_near_misses_only() -> None:
    sentences = ["are the lights on in the garage"] * 2
    plain = Vocabulary.build(sentences)
    fuzzy = Vocabulary.build(sentences, fuzzy=85)
    ids = fuzzy.encode("are the light's on in the garages", length=7)
    assert ids == fuzzy.encode("are the lights on in the garage", length=7)
    assert plain.encode("light's", length=1) == [1]
    # Short or dissimilar words stay unknown.
    assert fuzzy.encode("zebra ox", length=2) == [1, 1]
    assert fuzzy.encode("message", length=1) == [1]


def test_words_keep_placeholders() -> None:
    assert words("Turn on the <device>!") == ["turn", "on", "the", "<device>"]


@pytest.mark.parametrize(("heard", "text", "target"), [
    ("is anyone at the front store", "is anyone at the <place>", "front_door"),
    ("do you see the dog in the back yard", "do you see the dog in the <place>", "backyard"),
    ("is there a core in the driveway", "is there a core in the <place>", "garden"),
    ("anyone at the entrance", "anyone at the <place>", "front_door"),
    ("turn off the kitchen light", "turn off the <device>", "kitchen_light"),
    ("switch on the cooker light", "switch on the <device>", "kitchen_light"),
])
def test_gazetteer_finds_names_fuzzily(heard: str, text: str, target: str) -> None:
    found = GAZ.find(heard)
    assert found.text == text
    assert found.matches[0].name.target == target


def test_gazetteer_leaves_unrelated_words() -> None:
    assert GAZ.find("is it dark in the house").matches == ()
    assert GAZ.find("the door is open").matches == ()


@pytest.mark.parametrize(("text", "pin"), [
    ("disarm the system one two three four", "1234"),
    ("disarm code 9 8 7 6", "9876"),
    ("disarm 4321", "4321"),
    ("these are listed as well two three four", "234"),
    ("disarm the system", None),
    ("one dog", None),
])
def test_spoken_pin(text: str, pin: str | None) -> None:
    assert spoken_pin(text) == pin


def test_arm_mode() -> None:
    assert arm_mode("arm home") == "armed_home"
    assert arm_mode("arm the system") == "armed_away"


def test_reply_wording() -> None:
    assert counted("person", 2) == "two people"
    assert counted("bus", 1) == "one bus"
    assert join(["a", "b", "c"]) == "a, b and c"
    assert ago(2.2) == "2 seconds ago"
    assert ago(61) == "1 minute ago"
    assert ago(7300) == "2 hours ago"
