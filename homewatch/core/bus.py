"""The narrow interface subsystems use to talk to the outside world.

`MqttLink` implements it against a broker; `MemoryBus` records everything for offline
commands (`homewatch analyze`, `homewatch ask`) and tests. Topic suffixes are relative to
`<topic_prefix>/<node_id>/`, e.g. `events`, `front_door/person`, `voice/reply`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from homewatch.core.commands import (
    Command,
    CommandHandler,
    CommandRejected,
    CommandRouter,
    topic_matches,
)

__all__ = ["Bus", "Command", "CommandHandler", "CommandRejected", "Json", "MemoryBus", "Payload",
           "encode", "topic_matches"]

Json = dict[str, Any]
Payload = bytes | str | Json | int | float


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


@dataclass
class MemoryBus:
    """A Bus that keeps what was published; for offline commands and tests."""

    events: list[tuple[str, bytes]] = field(default_factory=list)
    states: dict[str, bytes] = field(default_factory=dict)
    entities: dict[str, Json] = field(default_factory=dict)
    router: CommandRouter = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.router = CommandRouter(lambda error: self.publish_event("error", error))

    def publish_event(self, suffix: str, payload: Payload) -> None:
        self.events.append((suffix, encode(payload)))

    def publish_state(self, suffix: str, payload: Payload) -> None:
        self.states[suffix] = encode(payload)

    def add_command(self, topic_filter: str, handler: CommandHandler) -> None:
        self.router.add(topic_filter, handler)

    def add_entity(self, key: str, component: Json) -> None:
        self.entities[key] = component

    def json_events(self, suffix: str) -> list[Any]:
        return [json.loads(p) for s, p in self.events if s == suffix]

    async def send(self, suffix: str, payload: bytes) -> None:
        """Deliver a command as the link does: a refusal becomes an `error` event, never an
        exception (its `topic` is the suffix: a MemoryBus has no topic prefix)."""
        await self.router.dispatch(suffix, suffix, payload)
