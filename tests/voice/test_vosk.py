"""The real Vosk engine, with the Korean model package (the only Vosk model reachable here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from homewatch.config import Config
from homewatch.config.slices import voice_setup
from homewatch.core.errors import ModelError
from homewatch.models.config import ModelsConfig
from homewatch.models.resolver import ModelResolver
from homewatch.voice.audio import read_wav, read_wav_16k, resample
from homewatch.voice.config import RecognizerConfig, VoiceConfig
from homewatch.voice.grammar import CommandGrammar
from homewatch.voice.recognizers import load_recognizer
from homewatch.voice.transcribe import recognize_pcm
from homewatch.voice.vosk_engine import (
    VoskRecognizer,
    find_vosk_model,
    fit_phrases,
    vosk_vocabulary,
)
from tests.conftest import AUDIO
from tests.voice.conftest import vosk_ko_model


def test_model_loads_and_streams_speech(vosk_ko: VoskRecognizer) -> None:
    utt = recognize_pcm(vosk_ko, None, read_wav_16k(AUDIO / "c08_piper.wav"))
    assert utt.recognizer == "vosk"
    assert utt.raw  # Korean words for English speech, but words all the same
    assert utt.words and all(0.0 <= w.confidence <= 1.0 for w in utt.words)
    assert utt.words[-1].end <= utt.duration + 0.05


def test_silence_gives_an_empty_result(vosk_ko: VoskRecognizer) -> None:
    utt = recognize_pcm(vosk_ko, None, read_wav_16k(AUDIO / "silence_3s.wav"))
    assert utt.raw == ""
    assert utt.confidence == 0.0


def test_out_of_vocabulary_grammar_words_do_not_crash(grammar: CommandGrammar) -> None:
    recognizer = VoskRecognizer(vosk_ko_model(), grammar)  # every English word is OOV here
    assert {"system", "homewatch", "garage"} <= recognizer.unknown_words
    assert not recognizer.grammar  # nothing left: open vocabulary, said in the log
    utt = recognize_pcm(recognizer, grammar, read_wav_16k(AUDIO / "c08_piper.wav"))
    assert utt.raw


def test_grammar_keeps_the_phrases_the_model_knows() -> None:
    korean = CommandGrammar(["stop watching the {place}", "{place}"],
                            places=["시켰다", "암흑신", "homewatch"])
    recognizer = VoskRecognizer(vosk_ko_model(), korean)
    assert recognizer.grammar
    assert recognizer.unknown_words == {"stop", "watching", "the", "homewatch"}
    utt = recognize_pcm(recognizer, None, read_wav_16k(AUDIO / "c08_piper.wav"))
    assert set(utt.raw.split()) <= {"시켰다", "암흑신"}


def test_unknown_words_are_respelled_from_known_ones() -> None:
    kept, unknown = fit_phrases(["hey homewatch", "arm the gazebo"],
                                frozenset({"hey", "home", "watch", "arm", "the"}))
    assert kept == ["hey home watch"]
    assert unknown == {"gazebo"}


def test_vocabulary_is_read_from_the_model_graph() -> None:
    vocabulary = vosk_vocabulary(vosk_ko_model())
    assert vocabulary is not None and len(vocabulary) > 100_000
    assert "시켰다" in vocabulary and "system" not in vocabulary


def test_8khz_input_is_resampled_to_16khz(vosk_ko: VoskRecognizer, tmp_path: Path) -> None:
    samples, rate = read_wav(AUDIO / "c08_piper.wav")
    low = resample(samples, rate, 8000)
    path = tmp_path / "c08_8k.wav"
    import wave

    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(low.tobytes())
    pcm = read_wav_16k(path)
    assert abs(len(pcm) - len(samples)) <= 2
    n = min(len(pcm), len(samples))
    assert np.corrcoef(pcm[:n].astype(float), samples[:n].astype(float))[0, 1] > 0.9
    assert recognize_pcm(vosk_ko, None, pcm).raw


def test_missing_model_directory_names_the_path_and_the_pull_command(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="homewatch models pull vosk-en-small") as err:
        VoskRecognizer(tmp_path / "nowhere")
    assert str(tmp_path / "nowhere") in str(err.value)


def test_model_names_resolve_inside_the_models_dir(tmp_path: Path) -> None:
    config = Config(models=ModelsConfig(dir=tmp_path))
    models = ModelResolver(tmp_path)
    installed = tmp_path / "vosk-model-small-en-us-0.15"  # where `models pull` unpacks it
    assert models.candidates("vosk-en-small")[0] == installed
    assert find_vosk_model(models, "vosk-en-small") is None
    installed.symlink_to(vosk_ko_model())  # copied by hand: no checksum record, still used
    assert find_vosk_model(models, "vosk-en-small") == installed
    assert load_recognizer(voice_setup(config), None).name == "vosk"
    assert find_vosk_model(models, "vosk-model-small-en-us-0.15") == installed


def test_engine_choice_auto_falls_back_to_pocketsphinx(tmp_path: Path) -> None:
    config = Config(models=ModelsConfig(dir=tmp_path))
    assert load_recognizer(voice_setup(config), None).name == "pocketsphinx"
    forced = Config(models=ModelsConfig(dir=tmp_path),
                    voice=VoiceConfig(recognizer=RecognizerConfig(engine="vosk")))
    with pytest.raises(ModelError, match="not found"):
        load_recognizer(voice_setup(forced), None)
