"""What can be asked: the intents, which of them act on the home, and their slots."""

from __future__ import annotations

INTENTS: tuple[str, ...] = (
    "ask_presence", "ask_count", "describe", "ask_lights", "last_seen", "snapshot",
    "watch_start", "watch_stop", "arm", "disarm", "device_on", "device_off", "status", "ask_where",
    "summary", "unknown",
)
# Intents whose `answer` output is a yes/no verdict.
YES_NO_INTENTS = frozenset({"ask_presence", "ask_lights"})
# Intents that are about one kind of object.
OBJECT_INTENTS = frozenset({"ask_presence", "ask_count", "last_seen", "watch_start",
                            "ask_where"})
# Intents about the whole home when no place is named (every camera, or a group of them).
SCOPED_INTENTS = frozenset({"ask_presence", "ask_count", "ask_where", "summary"})
# Intents that change the home: acted on only when sure, and after a spoken "yes".
RISKY_INTENTS = frozenset({"arm", "disarm", "device_on", "device_off", "watch_stop"})
