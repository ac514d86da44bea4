"""The command grammar built from the shipped templates and the names the user gave."""

from __future__ import annotations

from homewatch.voice.config import VoiceSetup
from homewatch.voice.grammar import DEFAULT_TEMPLATES, CommandGrammar


def command_grammar(setup: VoiceSetup) -> CommandGrammar:
    voice = setup.settings
    return CommandGrammar(
        (*DEFAULT_TEMPLATES, *voice.grammar.templates),
        places=(*setup.places, *voice.grammar.places),
        devices=(*setup.devices, *voice.grammar.devices),
        wake_phrase=voice.activation.wake_phrase,
        snap_threshold=voice.recognizer.snap_threshold,
    )
