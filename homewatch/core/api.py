"""How a subsystem declares its MQTT API, in one place.

A `Declaration` is static: every topic the subsystem publishes or takes commands on, with
what it carries (the README's MQTT table is generated from the declarations). An `Api` binds
it at run time: each command topic to a strict parser (bytes → a typed request, or
`CommandRejected`) and a handler, plus the Home Assistant components the configuration asks
for. The bus collects it with `add_api`.

Topic patterns are relative to `<topic_prefix>/<node_id>/`; a `<name>` level is a
placeholder (`<camera>/detect/set`), subscribed to as `+`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from homewatch.core.commands import Command

T = TypeVar("T")
Json = dict[str, Any]
Direction = Literal["out", "in"]


@dataclass(frozen=True, slots=True)
class Topic:
    """One topic of the API and what it carries."""

    pattern: str
    direction: Direction
    payload: str  # as the README describes it (Markdown)
    retained: bool = False
    note: str = ""  # more about how it is sent, e.g. "last will"

    @property
    def filter(self) -> str:
        """The MQTT topic filter: every `<placeholder>` level becomes `+`."""
        return "/".join("+" if level.startswith("<") else level
                        for level in self.pattern.split("/"))


def published(pattern: str, payload: str, *, retained: bool = False, note: str = "") -> Topic:
    return Topic(pattern, "out", payload, retained, note)


def command(pattern: str, payload: str) -> Topic:
    return Topic(pattern, "in", payload)


@dataclass(frozen=True, slots=True)
class Declaration:
    """Every topic of one subsystem, in the order the README lists them."""

    name: str
    topics: tuple[Topic, ...]

    def outbound(self) -> tuple[Topic, ...]:
        return tuple(t for t in self.topics if t.direction == "out")

    def inbound(self) -> tuple[Topic, ...]:
        return tuple(t for t in self.topics if t.direction == "in")


@dataclass(frozen=True, slots=True)
class Route(Generic[T]):
    """A command topic bound to its parser and handler: the handler only ever sees a
    request the parser accepted."""

    topic: Topic
    parse: Callable[[Command], T]
    handle: Callable[[T], Awaitable[None]]

    async def __call__(self, command: Command) -> None:
        await self.handle(self.parse(command))


@dataclass(frozen=True, slots=True)
class Api:
    """A declaration bound to handlers, and the Home Assistant components to announce
    (`{key: component}`, `p` = platform, topics relative to `~`)."""

    declaration: Declaration
    routes: tuple[Route[Any], ...] = ()
    components: Mapping[str, Json] = field(default_factory=dict)

    def __post_init__(self) -> None:
        inbound = self.declaration.inbound()
        for route in self.routes:
            if route.topic not in inbound:
                raise ValueError(f"{route.topic.pattern!r} is not a command of "
                                 f"{self.declaration.name!r}")
        for key, component in self.components.items():
            if "p" not in component:
                raise ValueError(f"discovery component {key!r} needs a platform ('p')")
