"""Configuration of cameras and the detector."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CameraConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9_]+$",
                      description="Unique id used in topics, e.g. front_door")
    source: str = Field(description="Device index, /dev/videoN, rtsp://, http:// or a video file")
    enabled: bool = True


class VisionConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
