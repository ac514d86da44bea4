"""Whatever arrives on a command topic, the daemon answers or rejects it and keeps going."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homewatch.core.bus import Json, MemoryBus
from homewatch.runtime.assembly import build_services
from tests.support.config import make_config

pytestmark = pytest.mark.slow

TOPICS = ["ask", "alarm/set", "watches/set", "voice/listen", "front_door/detect/set",
          "front_door/snapshot/take", "nowhere/set", "ask/extra"]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12)
payloads = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.fixed_dictionaries({"text": st.text(max_size=80)}).map(lambda v: json.dumps(v).encode()),
    st.sampled_from([b"ON", b"OFF", b"DISARM", b"DISARM 0000", b"ARM_AWAY", b"", b"5",
                     b'{"action": "add"}', b'{"action": "remove", "id": 3}']),
)


class Harness:
    def __init__(self, tmp: Path) -> None:
        self.bus = MemoryBus()
        config = make_config(tmp, 1, cameras=[{"name": "front_door", "source": "0"}],
                             voice={"enabled": True, "source": {"type": "none"}},
                             alarm={"code": "4321"})
        self.services = build_services(config, self.bus)
        self.router = self.bus.router
        assert {"ask", "alarm/set", "watches/set", "voice/listen"} <= set(self.router.filters())

    @property
    def errors(self) -> list[Json]:
        return self.bus.json_events("error")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commands=st.lists(st.tuples(st.sampled_from(TOPICS), payloads), min_size=1, max_size=6))
def test_any_command_is_answered_or_rejected(tmp_path_factory: Any,
                                             commands: list[tuple[str, bytes]]) -> None:
    harness = Harness(tmp_path_factory.mktemp("fuzz"))

    async def main() -> None:
        for topic, payload in commands:
            before = len(harness.errors)
            await harness.router.dispatch(topic, f"homewatch/testnode/{topic}", payload)
            for error in harness.errors[before:]:
                assert error["code"] != "internal", error  # a handler crashed
                assert error["topic"] == f"homewatch/testnode/{topic}" and error["text"]

    asyncio.run(main())
    answered = len(harness.bus.json_events("voice/reply"))
    asked = sum(t == "ask" for t, _ in commands)
    assert answered + len(harness.errors) >= asked  # every question: a reply or an error
    for service in harness.services:
        close = getattr(service, "close", None)
        if callable(close):
            close()
