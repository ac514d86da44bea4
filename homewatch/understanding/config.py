"""Configuration of the fusion model, names and dialog."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from homewatch.core.configbase import Frozen
from homewatch.models.resolver import ModelResolver


class ZoneName(Frozen):
    name: str = Field(min_length=1, description="Spoken zone name, e.g. 'driveway'")
    camera: str = Field(pattern=r"^[a-z0-9_]+$", description="Camera that sees this zone")
    aliases: tuple[str, ...] = Field(default=(), description="Other names for the zone")


class DeviceConfig(Frozen):
    name: str = Field(min_length=1, description="Spoken device name, e.g. 'porch light'")
    id: str | None = Field(default=None, pattern=r"^[a-z0-9_]+$",
                           description="Id in `intent/device_on` payloads; default: the name "
                                       "in snake_case")
    aliases: tuple[str, ...] = Field(default=(), description="Other names for the device")

    @property
    def device_id(self) -> str:
        return self.id or re.sub(r"[^a-z0-9]+", "_", self.name.lower()).strip("_")


class UnderstandingConfig(Frozen):
    enabled: bool = Field(default=True, description="Answer questions and run watches")
    model: Path | None = Field(default=None, description="fusion.tflite (its .json beside it); "
                               "default: <models.dir>/fusion.tflite, else the bundled model")
    threads: int = Field(default=1, ge=1, le=4, description="Interpreter threads")
    default_camera: str | None = Field(default=None, description="Camera asked about when a "
                                       "question names none; default: the first camera")
    camera_names: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Spoken names per camera id, e.g. "
        "{front_door: [front door, entrance]}; the id with spaces always works")
    zones: tuple[ZoneName, ...] = ()
    camera_groups: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Groups of cameras a question can name, by spoken "
        "name, e.g. {outside: [front_door, garden], inside: [kitchen]}; a question naming no "
        "place covers every camera")
    group_names: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Other spoken names per group, e.g. {outside: "
        "[outdoors]}; 'outside' and 'inside' also answer to outdoors/indoors/in the house")
    devices: tuple[DeviceConfig, ...] = Field(default=(), description="Devices that voice can "
                                              "switch via Home Assistant automations")
    fuzzy_threshold: float = Field(default=75.0, ge=50, le=100, description="Minimum rapidfuzz "
                                   "ratio for a name heard in a transcript")
    min_confidence: float = Field(default=0.55, ge=0, le=1, description="Below this intent "
                                  "confidence the reply says it did not understand")
    min_heard_confidence: float = Field(default=0.5, ge=0, le=1, description="Below this "
                                        "recognizer confidence a spoken request is not acted on")
    min_agreement: float = Field(default=0.8, ge=0, le=1, description="When the recognizer "
                                 "hands on its best hypotheses (pocketsphinx lm mode): the share "
                                 "of them that must mean the same intent; replaces "
                                 "min_heard_confidence and is the heard confidence of replies")
    intent_confidence: dict[str, float] = Field(
        default_factory=lambda: {"arm": 0.8, "disarm": 0.8, "device_on": 0.75,
                                 "device_off": 0.75, "watch_stop": 0.75},
        description="Per intent: the confidence (the lower of recognizer and model) needed to "
        "act; intents not listed need min_confidence")
    confirm_risky: bool = Field(default=True, description="Ask before arming, disarming, "
                                "switching a device or stopping watches; answer yes or no "
                                "(voice, ask or the confirm command)")
    confirm_timeout_s: float = Field(default=8.0, gt=0, description="Seconds to answer a "
                                     "confirmation question; silence cancels")
    unsure_margin: float = Field(default=0.2, ge=0, le=0.5, description="Yes/no answers with "
                                 "|P(yes) - 0.5| below this say they are unsure")
    watch_interval_s: float = Field(default=1.0, gt=0, description="How often watches check")
    watch_on: float = Field(default=0.7, gt=0, lt=1, description="P(yes) that fires a watch")
    watch_off: float = Field(default=0.3, gt=0, lt=1, description="P(yes) that re-arms it")
    watch_clear_s: float = Field(default=10.0, ge=0, description="Seconds below watch_off "
                                 "before a watch can fire again")
    tts_command: tuple[str, ...] = Field(default=(), description="Speak replies with this "
                                         "command; '{text}' in an argument is replaced, "
                                         "else the text goes to stdin")
    tts_timeout_s: float = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _hysteresis(self) -> UnderstandingConfig:
        if self.watch_off >= self.watch_on:
            raise ValueError("watch_off must be below watch_on")
        return self


class AlarmConfig(Frozen):
    code: SecretStr | None = Field(default=None, description="PIN needed to disarm")
    code_arm_required: bool = False
    max_attempts: int = Field(default=3, ge=1)
    lockout_s: float = Field(default=60.0, ge=0, description="First lockout after "
                             "max_attempts wrong codes; doubles with each further lockout")
    max_lockout_s: float = Field(default=3600.0, ge=0, description="Longest lockout")
    on_damage: Literal["last_armed", "armed_away", "armed_home"] = Field(
        default="last_armed", description="State after a damaged alarm.json: the last armed "
        "mode legible in it (else armed_away), or this mode")


@dataclass(frozen=True)
class DialogSetup:
    """What the dialog is handed: its settings, the alarm's, the enabled cameras' names, the
    model resolver and where its state lives."""

    settings: UnderstandingConfig
    alarm: AlarmConfig
    cameras: tuple[str, ...]
    models: ModelResolver
    state_dir: Path
    overlaps: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # overlapping views
