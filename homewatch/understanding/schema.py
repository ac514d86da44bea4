"""The fusion model's label sets and special tokens, shared by training and runtime."""

from __future__ import annotations

from homewatch.core.messages import SCENE_CLASSES

INTENTS: tuple[str, ...] = (
    "ask_presence", "ask_count", "describe", "ask_lights", "last_seen", "snapshot",
    "watch_start", "watch_stop", "arm", "disarm", "device_on", "device_off", "status", "unknown",
)
OBJECTS: tuple[str, ...] = (*SCENE_CLASSES, "none")
MAX_COUNT = 10  # count head classes 0..MAX_COUNT ("MAX_COUNT or more")
MAX_TOKENS = 16

PAD, UNK = "<pad>", "<unk>"
PLACE = "<place>"  # a camera or zone name found by the gazetteer
DEVICE = "<device>"  # a configured device name found by the gazetteer
NUM = "<num>"  # a spoken or written digit
SPECIAL_TOKENS: tuple[str, ...] = (PAD, UNK, PLACE, DEVICE, NUM)

# Intents whose `answer` output is a yes/no verdict.
YES_NO_INTENTS = frozenset({"ask_presence", "ask_lights"})
# Intents that are about one kind of object.
OBJECT_INTENTS = frozenset({"ask_presence", "ask_count", "last_seen", "watch_start"})
