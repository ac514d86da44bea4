"""pocketsphinx on the recorded command set: grammar mode must get the commands exactly right."""

from __future__ import annotations

import pytest

from homewatch.voice.audio import read_wav_16k
from homewatch.voice.grammar import CommandGrammar
from homewatch.voice.metrics import word_error_rate
from homewatch.voice.pocketsphinx_engine import PocketsphinxRecognizer
from homewatch.voice.transcribe import recognize_pcm
from tests.conftest import AUDIO
from tests.voice.conftest import commands


def _run(recognizer: PocketsphinxRecognizer, grammar: CommandGrammar | None,
         voice: str) -> dict[str, str]:
    return {cid: recognize_pcm(recognizer, grammar, read_wav_16k(AUDIO / f"{cid}_{voice}.wav")).text
            for cid in commands()}


def test_grammar_mode_gets_piper_commands_exactly_right(
        sphinx_grammar: PocketsphinxRecognizer, grammar: CommandGrammar) -> None:
    heard = _run(sphinx_grammar, grammar, "piper")
    wrong = {cid: (commands()[cid], text) for cid, text in heard.items() if text != commands()[cid]}
    assert len(commands()) == 17
    assert len(wrong) <= 1, wrong


@pytest.mark.slow
def test_grammar_beats_open_vocabulary_on_both_voices(
        sphinx_grammar: PocketsphinxRecognizer, sphinx_open: PocketsphinxRecognizer,
        grammar: CommandGrammar) -> None:
    report = {}
    for voice in ("piper", "espeak"):
        refs = commands()
        open_vocab = _run(sphinx_open, None, voice)
        restricted = _run(sphinx_grammar, grammar, voice)
        exact = sum(restricted[c] == refs[c] for c in refs)
        report[voice] = (
            word_error_rate((refs[c], open_vocab[c]) for c in refs),
            word_error_rate((refs[c], restricted[c]) for c in refs),
            exact,
        )
        print(f"{voice}: WER open {report[voice][0]:.1%}, grammar {report[voice][1]:.1%}, "
              f"exact {exact}/{len(refs)}")
    for open_wer, grammar_wer, _ in report.values():
        assert grammar_wer < open_wer / 2
    assert report["espeak"][2] >= 12  # the harder formant voice


def test_open_vocabulary_snaps_noisy_transcripts_and_keeps_the_raw_text(
        sphinx_open: PocketsphinxRecognizer, grammar: CommandGrammar) -> None:
    utt = recognize_pcm(sphinx_open, grammar, read_wav_16k(AUDIO / "c04_piper.wav"))
    assert utt.text == "is there a car in the driveway"
    assert utt.raw and utt.raw.split() == [w.word for w in utt.words]
    assert all(0.0 <= w.confidence <= 1.0 and w.start < w.end for w in utt.words)
    assert 0.0 < utt.confidence <= 1.0


@pytest.mark.parametrize("name", ["silence_3s", "noise_3s"])
def test_no_speech_gives_no_words_in_open_vocabulary(
        sphinx_open: PocketsphinxRecognizer, name: str) -> None:
    utt = recognize_pcm(sphinx_open, None, read_wav_16k(AUDIO / f"{name}.wav"))
    assert len(utt.raw.split()) <= 1


def test_missing_words_are_added_with_a_pronunciation(
        sphinx_grammar: PocketsphinxRecognizer) -> None:
    assert sphinx_grammar.added_words["homewatch"] == ("HH OW M W AA CH", "compound")


def test_custom_and_rule_pronunciations_for_unusual_names() -> None:
    grammar = CommandGrammar(["stop watching the {place}"], places=["zorbleshed", "gazebo"])
    recognizer = PocketsphinxRecognizer(grammar, {"gazebo": "G AH Z IY B OW"})
    assert recognizer.added_words["zorbleshed"][1] in {"rules", "compound"}
    assert recognizer.added_words.get("gazebo", ("", "custom"))[1] == "custom"
