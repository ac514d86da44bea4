"""The narrow interface subsystems use to talk to the outside world.

`MqttLink` implements it against a broker; `MemoryBus` records everything for offline
commands (`homewatch analyze`, `homewatch ask`) and tests. Topic suffixes are relative to
`<topic_prefix>/<node_id>/`, e.g. `events`, `front_door/person`, `voice/reply`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from homewatch.core.api import Api, Json
from homewatch.core.commands import (
    Command,
    CommandHandler,
    CommandRejected,
    CommandRouter,
    topic_matches,
)

__all__ = ["Api", "Bus", "Command", "CommandHandler", "CommandRejected", "Json", "MemoryBus",
           "Payload", "encode", "topic_matches"]

Payload = bytes | str | Json | int | float


class Bus(Protocol):
    def publish_event(self, suffix: str, payload: Payload) -> None:
        """Durable, ordered, at-least-once (QoS 1 through the outbox); never blocks."""

    def publish_state(self, suffix: str, payload: Payload) -> None:
        """Retained state; latest wins; republished after every reconnect."""

    def add_api(self, api: Api) -> None:
        """Route the API's commands to their handlers and announce its Home Assistant
        components (a component with the same key is replaced)."""


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

    def add_api(self, api: Api) -> None:
        for route in api.routes:
            self.router.add(route.topic.filter, route)
        self.entities.update(api.components)

    def json_events(self, suffix: str) -> list[Any]:
        return [json.loads(p) for s, p in self.events if s == suffix]

    async def send(self, suffix: str, payload: bytes) -> None:
        """Deliver a command as the link does: a refusal becomes an `error` event, never an
        exception (its `topic` is the suffix: a MemoryBus has no topic prefix)."""
        await self.router.dispatch(suffix, suffix, payload)
