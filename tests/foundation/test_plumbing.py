"""The test plumbing itself: `eventually` fails saying what it waited for; broker ports are
reserved, and a broker that cannot bind says why."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from tests.support.broker import Mosquitto
from tests.support.ports import PortReservation
from tests.support.waiting import eventually


def test_eventually_returns_the_value_once_true() -> None:
    calls: list[int] = []

    def third_time() -> int:
        calls.append(1)
        return len(calls) if len(calls) >= 3 else 0

    assert asyncio.run(eventually(third_time)) == 3


def test_eventually_names_the_condition_and_last_value() -> None:
    depth = {"outbox": 7}
    with pytest.raises(AssertionError, match=r"0\.1 s: lambda: depth\[\"outbox\"\] == 0.*False"):
        asyncio.run(eventually(lambda: depth["outbox"] == 0, timeout=0.1))


def test_a_reserved_port_is_not_handed_out() -> None:
    with PortReservation() as reserved:
        handed_out = set()
        for _ in range(300):
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                handed_out.add(sock.getsockname()[1])
        assert reserved.port not in handed_out


@pytest.mark.broker
def test_a_broker_that_cannot_bind_says_why(tmp_path: Path) -> None:
    broker = Mosquitto(tmp_path)
    with socket.socket() as squatter:  # binds beside the reservation, as Mosquitto would
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", broker.port))
        squatter.listen()
        with pytest.raises(RuntimeError, match="Address already in use"):
            broker.start()
    broker.close()

