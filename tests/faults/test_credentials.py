"""Wrong credentials back off: a refused login counts as a failure, so the broker sees a few
attempts, not a hot loop of TLS handshakes."""

from __future__ import annotations

import asyncio
from pathlib import Path

from homewatch.config.slices import mqtt_link
from homewatch.mqtt.config import MqttConfig
from homewatch.mqtt.link import MqttLink
from tests.foundation.test_link import with_link
from tests.support.broker import USERNAME, Mosquitto
from tests.support.config import make_config
from tests.support.waiting import eventually

WINDOW_S = 5.0


def connections(broker: Mosquitto) -> int:
    """Connection attempts the broker logged on its TLS+password listener."""
    log = (broker.workdir / "mosquitto.log").read_text(errors="replace")
    return sum(f"on port {broker.tls_port}" in line and "New connection" in line
               for line in log.splitlines())


def test_refused_logins_back_off(mosquitto: Mosquitto, tmp_path: Path) -> None:
    config = make_config(tmp_path, mosquitto.tls_port, mqtt={
        "host": "localhost", "username": USERNAME, "password": "wrong-password",
        "tls": {"enabled": True, "ca_file": str(mosquitto.ca_file)},
        "reconnect_min_s": 0.05, "reconnect_max_s": 0.1, "reconnect_refused_max_s": 0.8})

    async def body(link: MqttLink) -> None:
        await eventually(lambda: link.last_error is not None)
        start = connections(mosquitto)
        await asyncio.sleep(WINDOW_S)  # the measurement window, not synchronisation
        attempts = connections(mosquitto) - start
        # Without backoff on refusal: one attempt per 0.05-0.1 s, about 60 in the window.
        # With it: delays double to the 0.8 s cap, about 10.
        assert 2 <= attempts <= 16, attempts
        assert not link.connected

    with_link(mqtt_link(config), body)


def test_default_reconnect_cap_recovers_an_outage_within_seconds() -> None:
    defaults = MqttConfig()
    assert defaults.reconnect_max_s <= 5.0
    assert defaults.reconnect_refused_max_s >= 30.0
