"""The whole configuration: one frozen model of every subsystem's section."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from homewatch.core.configbase import Frozen
from homewatch.core.node import NodeConfig
from homewatch.models.config import ModelsConfig
from homewatch.mqtt.config import MqttConfig
from homewatch.understanding.config import AlarmConfig, UnderstandingConfig
from homewatch.vision.config import CameraConfig, VisionConfig
from homewatch.voice.config import VoiceConfig


class LoggingConfig(Frozen):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class DaemonConfig(Frozen):
    state_dir: Path = Field(default=Path("/var/lib/homewatch"),
                            description="Outbox, event history, watches; systemd's StateDirectory")
    drain_timeout_s: float = Field(default=10.0, gt=0, le=300)
    stats_interval_s: float = Field(default=60.0, ge=1)


class Config(Frozen):
    node: NodeConfig = NodeConfig()
    mqtt: MqttConfig = MqttConfig()
    daemon: DaemonConfig = DaemonConfig()
    models: ModelsConfig = ModelsConfig()
    cameras: tuple[CameraConfig, ...] = ()
    vision: VisionConfig = VisionConfig()
    voice: VoiceConfig = VoiceConfig()
    understanding: UnderstandingConfig = UnderstandingConfig()
    alarm: AlarmConfig = AlarmConfig()
    logging: LoggingConfig = LoggingConfig()

    @field_validator("cameras")
    @classmethod
    def _unique_names(cls, cameras: tuple[CameraConfig, ...]) -> tuple[CameraConfig, ...]:
        names = [c.name for c in cameras]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"camera names must be unique; repeated: {', '.join(dupes)}")
        return cameras

