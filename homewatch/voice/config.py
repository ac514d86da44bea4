"""Configuration of audio input and speech recognition."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class VoiceConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = False
