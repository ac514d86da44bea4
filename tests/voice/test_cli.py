from __future__ import annotations

import json
from pathlib import Path

import pytest

from homewatch.cli import main
from homewatch.config import Config
from homewatch.config.slices import voice_setup
from homewatch.voice.pocketsphinx_engine import PocketsphinxRecognizer
from homewatch.voice.transcribe import transcribe_file
from tests.conftest import AUDIO


def test_transcribe_json_is_the_mqtt_message(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transcribe", str(AUDIO / "c12_piper.wav"), "--grammar", "--json"]) == 0
    message = json.loads(capsys.readouterr().out)
    assert message["text"] == "are the lights on in the garage"
    assert message["recognizer"] == "pocketsphinx"
    assert message["duration"] == pytest.approx(1.52, abs=0.01)


def test_transcribe_prints_text_and_timings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transcribe", str(AUDIO / "c08_piper.wav")]) == 0
    out = capsys.readouterr().out
    assert "text:       arm the system" in out
    assert "raw:" in out  # open vocabulary heard something else, snapped to the command
    assert "real-time factor" in out and "open vocabulary" in out


def test_transcribe_errors_are_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transcribe", str(tmp_path / "none.wav")]) == 1
    assert "none.wav: no such file" in capsys.readouterr().err
    config = tmp_path / "c.yaml"
    config.write_text(f"models:\n  dir: {tmp_path}\nvoice:\n  recognizer:\n    engine: vosk\n")
    assert main(["transcribe", str(AUDIO / "c04_piper.wav"), "-c", str(config)]) == 1
    err = capsys.readouterr().err
    assert str(tmp_path / "vosk-model-small-en-us-0.15") in err
    assert "homewatch models pull vosk-en-small" in err


def test_transcribe_file_for_offline_questions(sphinx_grammar: PocketsphinxRecognizer) -> None:
    utt = transcribe_file(AUDIO / "c09_piper.wav", voice_setup(Config()), recognizer=sphinx_grammar)
    assert utt.text == "disarm the system one two three four"
    assert utt.duration == pytest.approx(2.32, abs=0.01)
    silent = transcribe_file(AUDIO / "silence_3s.wav", voice_setup(Config()),
                             recognizer=sphinx_grammar)
    assert silent.text == ""


def test_listen_prints_what_a_wav_file_says(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["listen", "--wav", str(AUDIO / "c01_piper.wav"), "--seconds", "30"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    # The wake phrase is not part of what was asked; the raw text keeps it.
    assert [m["text"] for m in lines] == ["is anyone at the front door"]
    assert lines[0]["raw"].startswith("hey homewatch")
