"""The one sentence-template syntax: parsing, expansion, sampling, counting, matching."""

from __future__ import annotations

import importlib.util
import random
import re

import pytest

from homewatch.language import sentences
from homewatch.language.names import HomeNames
from homewatch.language.templates import (
    TemplateError,
    count,
    expand,
    parse,
    sample,
    to_jsgf,
    to_regex,
)


def test_expand_alternatives_optionals_and_slots() -> None:
    phrases = expand("turn (on|off) the {device}[ please]", {"device": ["porch light", "fan"]})
    assert sorted(phrases) == sorted([
        "turn on the porch light", "turn on the porch light please", "turn on the fan",
        "turn on the fan please", "turn off the porch light", "turn off the porch light please",
        "turn off the fan", "turn off the fan please",
    ])
    assert count("turn (on|off) the {device}[ please]", {"device": ["porch light", "fan"]}) == 8


def test_words_glued_to_groups_and_optional_alternatives() -> None:
    assert sorted(expand("there('s| is) (a|the)? cat", {})) == sorted([
        "there's cat", "there's a cat", "there's the cat", "there is cat", "there is a cat",
        "there is the cat"])


def test_repeated_slots_stay_placeholders_when_expanded() -> None:
    assert expand("disarm [{pin}+]", {"pin": ["one"]}) == ["disarm", "disarm <pin>"]


@pytest.mark.parametrize("bad", ["turn (on|off the light", "arm ] the system", "a {b",
                                 "(a|b]", "x } y"])
def test_malformed_templates_are_rejected(bad: str) -> None:
    with pytest.raises(TemplateError):
        parse(bad)


def test_unknown_slot_is_named() -> None:
    with pytest.raises(TemplateError, match="colour"):
        expand("paint it {colour}", {"place": ["x"]})


def test_sampling_is_reproducible_and_fills_every_slot() -> None:
    filled: list[str] = []

    def fill(slot: str) -> str:
        filled.append(slot)
        return slot.upper()

    one = sample("(is|are) there {a_obj} [at the {place}]", random.Random(3), fill)
    two = sample("(is|are) there {a_obj} [at the {place}]", random.Random(3), fill)
    assert one == two
    assert filled == ["a_obj", "place"] * 2  # slots of dropped parts are filled too
    assert re.fullmatch(r"(is|are) there A_OBJ( at the PLACE)?", one)


def test_regex_matches_exactly_the_expansion() -> None:
    template = "(stop|quit) watching[ the {place}]"
    pattern = re.compile(to_regex(template, {"place": "front door|garden"}))
    for phrase in expand(template, {"place": ["front door", "garden"]}):
        assert pattern.fullmatch(phrase)
    assert not pattern.fullmatch("stop watching the kitchen")


def test_jsgf_of_a_template_and_glued_words_refused() -> None:
    assert to_jsgf("disarm the system [{pin}]", {"pin": "<digit>+"}) == \
        "disarm the system [ <digit>+ ]"
    with pytest.raises(TemplateError):
        to_jsgf("there('s| is) a cat", {})


def test_every_shipped_template_parses_and_uses_known_slots() -> None:
    slots = HomeNames.of(["front_door"], ["porch light"]).slot_values()
    tables = [*sentences.TEMPLATES.values(), sentences.OUT_OF_DOMAIN_TEMPLATES,
              *sentences.CORE.values(), *sentences.ANSWERS.values()]
    for template in (t for table in tables for t in table):
        assert count(template, slots) >= 1


def test_contractions_stay_glued_to_their_word() -> None:
    """"what's", never "what 's": a split contraction is a word of its own to the recognizer
    and comes out in transcripts."""
    slots = HomeNames.of(["front_door"], ["porch light"]).slot_values()
    tables = [*sentences.TEMPLATES.values(), sentences.OUT_OF_DOMAIN_TEMPLATES,
              *sentences.CORE.values(), *sentences.ANSWERS.values()]
    rng = random.Random(5)
    split = [text for table in tables for t in table for text in
             (sample(t, rng, lambda slot: rng.choice(slots[slot])) for _ in range(30))
             if re.search(r"(^| )'", text)]
    assert split == []


def test_there_is_one_template_parser() -> None:
    """Training, the recognizer grammar and the dialog share `homewatch.language.templates`."""
    assert importlib.util.find_spec("homewatch.training.grammar") is None
    assert importlib.util.find_spec("homewatch.training.templates") is None
    from homewatch.training import dataset
    from homewatch.voice import grammar

    assert dataset.sample is sample
    assert grammar.parse is parse
