"""The narrow interface subsystems use to talk to the outside world.

`MqttLink` implements it against a broker; `MemoryBus` records everything for offline
commands (`homewatch analyze`, `homewatch ask`) and tests. Topic suffixes are relative to
`<topic_prefix>/<node_id>/`, e.g. `events`, `front_door/person`, `voice/reply`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

Json = dict[str, Any]
Payload = bytes | str | Json | int | float


@dataclass(frozen=True, slots=True)
class Command:
    """An inbound command: the suffix it arrived on and its raw payload."""

    suffix: str
    payload: bytes

    def text(self) -> str:
        return self.payload.decode("utf-8").strip()

    def json(self) -> Any:
        return json.loads(self.payload)


class CommandRejected(Exception):
    """Raised by a command handler: published as `error {code, text, topic}`."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


CommandHandler = Callable[[Command], Awaitable[None]]


class Bus(Protocol):
    def publish_event(self, suffix: str, payload: Payload) -> None:
        """Durable, ordered, at-least-once (QoS 1 through the outbox); never blocks."""

    def publish_state(self, suffix: str, payload: Payload) -> None:
        """Retained state; latest wins; republished after every reconnect."""

    def add_command(self, topic_filter: str, handler: CommandHandler) -> None:
        """Route commands whose suffix matches `topic_filter` (MQTT wildcards) to `handler`."""

    def add_entity(self, key: str, component: Json) -> None:
        """Add or replace one Home Assistant discovery component (`p` = platform)."""


def encode(payload: Payload) -> bytes:
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode("utf-8")
    if isinstance(payload, int | float):
        return str(payload).encode()
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def topic_matches(topic_filter: str, topic: str) -> bool:
    """MQTT topic filter matching (`+` one level, `#` the rest)."""
    fparts, tparts = topic_filter.split("/"), topic.split("/")
    for i, part in enumerate(fparts):
        if part == "#":
            return True
        if i >= len(tparts) or (part != "+" and part != tparts[i]):
            return False
    return len(fparts) == len(tparts)


@dataclass
class MemoryBus:
    """A Bus that keeps what was published; for offline commands and tests."""

    events: list[tuple[str, bytes]] = field(default_factory=list)
    states: dict[str, bytes] = field(default_factory=dict)
    entities: dict[str, Json] = field(default_factory=dict)
    handlers: list[tuple[str, CommandHandler]] = field(default_factory=list)

    def publish_event(self, suffix: str, payload: Payload) -> None:
        self.events.append((suffix, encode(payload)))

    def publish_state(self, suffix: str, payload: Payload) -> None:
        self.states[suffix] = encode(payload)

    def add_command(self, topic_filter: str, handler: CommandHandler) -> None:
        self.handlers.append((topic_filter, handler))

    def add_entity(self, key: str, component: Json) -> None:
        self.entities[key] = component

    def json_events(self, suffix: str) -> list[Any]:
        return [json.loads(p) for s, p in self.events if s == suffix]

    async def send(self, suffix: str, payload: bytes) -> None:
        """Deliver a command as the link would (first matching handler)."""
        for topic_filter, handler in self.handlers:
            if topic_matches(topic_filter, suffix):
                await handler(Command(suffix, payload))
                return
        raise CommandRejected("unknown_topic", f"no command at {suffix}")
