"""Configuration of the fusion model, names and dialog."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class UnderstandingConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
