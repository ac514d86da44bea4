"""Each subsystem's slice of the configuration: what it is handed instead of the whole."""

from __future__ import annotations

from homewatch.config.model import Config
from homewatch.models.resolver import ModelResolver
from homewatch.mqtt.link import MqttLink
from homewatch.understanding.config import DialogSetup
from homewatch.vision.config import VisionSetup
from homewatch.voice.config import VoiceSetup

OUTBOX_FILE = "outbox.sqlite"
ANNOUNCED_FILE = "ha_announced.json"


def model_resolver(config: Config) -> ModelResolver:
    return ModelResolver(config.models.dir)


def vision_setup(config: Config, models: ModelResolver | None = None) -> VisionSetup:
    return VisionSetup(config.cameras, config.vision, models or model_resolver(config),
                       config.daemon.state_dir)


def dialog_setup(config: Config, models: ModelResolver | None = None) -> DialogSetup:
    cameras = tuple(c.name for c in config.cameras if c.enabled)
    overlaps = {c.name: c.overlaps_with for c in config.cameras if c.overlaps_with}
    return DialogSetup(config.understanding, config.alarm, cameras,
                       models or model_resolver(config), config.daemon.state_dir, overlaps)


def voice_setup(config: Config, models: ModelResolver | None = None) -> VoiceSetup:
    return VoiceSetup(config.voice, models or model_resolver(config), place_names(config),
                      device_names(config), config.daemon.state_dir)


def mqtt_link(config: Config) -> MqttLink:
    return MqttLink(config.mqtt, config.node, config.daemon.state_dir / OUTBOX_FILE,
                    config.daemon.state_dir / ANNOUNCED_FILE)


def place_names(config: Config) -> tuple[str, ...]:
    """Camera names, their zones, and the spoken names and zones the dialog knows."""
    names: list[str] = []
    for camera in config.cameras:
        names.append(camera.name)
        names.extend(zone.name for zone in camera.zones)
    for spoken in config.understanding.camera_names.values():
        names.extend(spoken)
    for zone in config.understanding.zones:
        names.extend((zone.name, *zone.aliases))
    return tuple(names)


def device_names(config: Config) -> tuple[str, ...]:
    """Devices the dialog can switch, with their aliases."""
    names: list[str] = []
    for device in config.understanding.devices:
        names.extend((device.name, *device.aliases))
    return tuple(names)
