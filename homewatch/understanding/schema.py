"""The fusion model's label sets and special tokens, shared by training and runtime."""

from __future__ import annotations

from homewatch.core.messages import SCENE_CLASSES
from homewatch.language.intents import (
    INTENTS,
    OBJECT_INTENTS,
    RISKY_INTENTS,
    YES_NO_INTENTS,
)

OBJECTS: tuple[str, ...] = (*SCENE_CLASSES, "none")
MAX_COUNT = 10  # count head classes 0..MAX_COUNT ("MAX_COUNT or more")
MAX_TOKENS = 16

PAD, UNK = "<pad>", "<unk>"
PLACE = "<place>"  # a camera or zone name found by the gazetteer
DEVICE = "<device>"  # a configured device name found by the gazetteer
NUM = "<num>"  # a spoken or written digit
SPECIAL_TOKENS: tuple[str, ...] = (PAD, UNK, PLACE, DEVICE, NUM)

__all__ = ["DEVICE", "INTENTS", "MAX_COUNT", "MAX_TOKENS", "NUM", "OBJECTS", "OBJECT_INTENTS",
           "PAD", "PLACE", "RISKY_INTENTS", "SPECIAL_TOKENS", "UNK", "YES_NO_INTENTS"]
