"""API declarations: topic filters, routes bound only to declared commands, typed requests."""

from __future__ import annotations

import asyncio

import pytest

from homewatch.core.api import Api, Declaration, Route, command, published
from homewatch.core.bus import Command, CommandRejected, MemoryBus

TAKE = command("<camera>/snapshot/take", "anything")
STATE = published("<camera>/motion", "`ON`/`OFF`", retained=True)
DECLARED = Declaration("test", (STATE, TAKE))


def camera_of(cmd: Command) -> str:
    camera = cmd.suffix.split("/", 1)[0]
    if camera != "porch":
        raise CommandRejected("unknown_camera", f"no camera named {camera!r}")
    return camera


def test_placeholders_become_single_level_wildcards() -> None:
    assert TAKE.filter == "+/snapshot/take"
    assert STATE.filter == "+/motion"
    assert DECLARED.inbound() == (TAKE,) and DECLARED.outbound() == (STATE,)


def test_a_route_must_be_a_declared_command() -> None:
    async def handle(camera: str) -> None: ...

    undeclared = command("other/set", "x")
    with pytest.raises(ValueError, match="other/set"):
        Api(DECLARED, (Route(undeclared, camera_of, handle),))
    with pytest.raises(ValueError, match="<camera>/motion"):
        Api(DECLARED, (Route(STATE, camera_of, handle),))  # published, not a command
    with pytest.raises(ValueError, match="platform"):
        Api(DECLARED, components={"x": {"name": "no platform"}})


def test_the_handler_sees_only_parsed_requests_and_refusals_become_errors() -> None:
    bus, taken = MemoryBus(), []

    async def handle(camera: str) -> None:
        taken.append(camera)

    bus.add_api(Api(DECLARED, (Route(TAKE, camera_of, handle),),
                    {"porch_take": {"p": "button", "cmd_t": "~/porch/snapshot/take"}}))

    async def main() -> None:
        await bus.send("porch/snapshot/take", b"")
        await bus.send("attic/snapshot/take", b"")

    asyncio.run(main())
    assert taken == ["porch"]
    assert bus.json_events("error") == [{"code": "unknown_camera", "text": "no camera named "
                                         "'attic'", "topic": "attic/snapshot/take"}]
    assert bus.router.filters() == ["+/snapshot/take"] and "porch_take" in bus.entities
