"""The names a user gave (cameras, zones, places, devices) and the grammar built from them."""

from __future__ import annotations

from homewatch.config import Config
from homewatch.voice.grammar import DEFAULT_TEMPLATES, CommandGrammar


def place_names(config: Config) -> tuple[str, ...]:
    """Camera names, their zones and the configured places."""
    names: list[str] = []
    for camera in config.cameras:
        names.append(camera.name)
        names.extend(zone.name for zone in camera.zones)
    names.extend(config.voice.grammar.places)
    return tuple(names)


def command_grammar(config: Config) -> CommandGrammar:
    voice = config.voice
    return CommandGrammar(
        (*DEFAULT_TEMPLATES, *voice.grammar.templates),
        places=place_names(config),
        devices=voice.grammar.devices,
        wake_phrase=voice.activation.wake_phrase,
        snap_threshold=voice.recognizer.snap_threshold,
    )
