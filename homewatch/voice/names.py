"""The names a user gave (cameras, zones, places, devices) and the grammar built from them."""

from __future__ import annotations

from homewatch.config import Config
from homewatch.voice.grammar import DEFAULT_TEMPLATES, CommandGrammar


def place_names(config: Config) -> tuple[str, ...]:
    """Camera names, their zones, the spoken names the dialog knows, and configured places."""
    names: list[str] = []
    for camera in config.cameras:
        names.append(camera.name)
        names.extend(zone.name for zone in camera.zones)
    for spoken in config.understanding.camera_names.values():
        names.extend(spoken)
    for zone in config.understanding.zones:
        names.extend((zone.name, *zone.aliases))
    names.extend(config.voice.grammar.places)
    return tuple(names)


def device_names(config: Config) -> tuple[str, ...]:
    """Devices the dialog can switch, then the grammar's own list."""
    names: list[str] = []
    for device in config.understanding.devices:
        names.extend((device.name, *device.aliases))
    names.extend(config.voice.grammar.devices)
    return tuple(names)


def command_grammar(config: Config) -> CommandGrammar:
    voice = config.voice
    return CommandGrammar(
        (*DEFAULT_TEMPLATES, *voice.grammar.templates),
        places=place_names(config),
        devices=device_names(config),
        wake_phrase=voice.activation.wake_phrase,
        snap_threshold=voice.recognizer.snap_threshold,
    )
