from __future__ import annotations

import pytest

from homewatch.config import Config
from homewatch.config.slices import voice_setup
from homewatch.language.templates import TemplateError
from homewatch.vision.config import CameraConfig, ZoneConfig
from homewatch.voice.config import GrammarConfig, VoiceConfig
from homewatch.voice.grammar import CommandGrammar
from homewatch.voice.names import command_grammar
from tests.voice.conftest import commands


def test_unknown_slot_names_the_slot() -> None:
    with pytest.raises(TemplateError, match="colour"):
        CommandGrammar(["paint it {colour}"], places=["x"])


def test_every_shared_command_sentence_is_in_the_grammar(grammar: CommandGrammar) -> None:
    phrases = set(grammar.phrases)
    for sentence in commands().values():
        words = sentence.removeprefix("hey homewatch ")
        masked, _ = grammar._mask_repeats(words)
        assert masked in phrases, sentence


def test_configured_camera_and_zone_names_become_places() -> None:
    zone = ZoneConfig(name="left_lawn", polygon=((0, 0), (1, 0), (1, 1)))
    config = Config(cameras=(CameraConfig(name="shed_door", source="0", zones=(zone,)),),
                    voice=VoiceConfig(grammar=GrammarConfig(places=("pond",), devices=("fan",))))
    grammar = command_grammar(voice_setup(config))
    assert "is anyone at the shed door" in grammar.phrases
    assert "is there a dog in the left lawn" in grammar.phrases
    assert "stop watching the pond" in grammar.phrases
    assert "turn off the fan" in grammar.phrases
    assert "living room" not in grammar.jsgf()


def test_jsgf_declares_every_slot_rule(grammar: CommandGrammar) -> None:
    jsgf = grammar.jsgf()
    assert jsgf.startswith("#JSGF V1.0;")
    assert "public <command> = [ hey homewatch ]" in jsgf
    assert "yes" in jsgf and "no" in jsgf  # answers to a confirmation question
    for rule in ("<place> =", "<obj> =", "<objs> =", "<device> =", "<digit> ="):
        assert rule in jsgf


def test_vosk_phrases_split_digit_runs_and_end_with_unk(grammar: CommandGrammar) -> None:
    phrases = grammar.vosk_phrases()
    assert phrases[-1] == "[unk]"
    assert "disarm the system" in phrases
    assert "seven" in phrases
    assert "hey homewatch" in phrases
    assert not any("<" in p for p in phrases)


@pytest.mark.parametrize(("raw", "expected"), [
    ("is there a core in the driveway", "is there a car in the driveway"),
    ("as the cat in the living room", "is the cat in the living room"),
    ("is there someone in the living", "is there someone in the living room"),
    ("this arm the system one two three four", "disarm the system one two three four"),
    ("hey home watch is anyone at the front door", "hey homewatch is anyone at the front door"),
])
def test_snap_picks_the_nearest_command(grammar: CommandGrammar, raw: str, expected: str) -> None:
    snap = grammar.snap(raw)
    assert snap.snapped
    assert snap.text == expected


def test_snap_keeps_spoken_digits(grammar: CommandGrammar) -> None:
    assert grammar.snap("disarm the system nine nine one").text == "disarm the system nine nine one"


@pytest.mark.parametrize("raw", ["the weather is nice today", "our list used to", ""])
def test_snap_leaves_unrelated_speech_alone(grammar: CommandGrammar, raw: str) -> None:
    snap = grammar.snap(raw)
    assert not snap.snapped
    assert snap.text == raw


def test_names_the_dialog_knows_are_in_the_grammar() -> None:
    from homewatch.config import Config
    from homewatch.voice.names import command_grammar

    config = Config.model_validate({
        "cameras": [{"name": "shed", "source": "0"}],
        "understanding": {"camera_names": {"shed": ["tool shed"]},
                          "devices": [{"name": "fountain pump", "aliases": ["water feature"]}]}})
    phrases = set(command_grammar(voice_setup(config)).phrases)
    assert any("tool shed" in p for p in phrases)
    assert any("turn on the fountain pump" in p for p in phrases)
    assert any("water feature" in p for p in phrases)
