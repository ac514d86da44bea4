"""The MQTT link against a real Mosquitto: outbox, discovery, commands, TLS."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from homewatch.config.slices import mqtt_link
from homewatch.core.api import Api, Declaration, Route, command
from homewatch.core.bus import Command, CommandRejected
from homewatch.mqtt.link import MqttLink
from homewatch.runtime.api import node_api
from tests.support.broker import PASSWORD, USERNAME, Mosquitto
from tests.support.config import make_config
from tests.support.mqtt import Recorder
from tests.support.waiting import eventually

BASE = "homewatch/testnode"


def with_link(link: MqttLink, body: Callable[[MqttLink], Awaitable[None]]) -> None:
    async def main() -> None:
        task = asyncio.create_task(link.run())
        try:
            await body(link)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    asyncio.run(main())


def test_discovery_payload_and_republish_on_ha_birth(mosquitto: Mosquitto, tmp_path: Path) -> None:
    link = mqtt_link(make_config(tmp_path, mosquitto.port))
    link.add_api(node_api())
    recorder = Recorder(mosquitto.port, ["homeassistant/device/#", f"{BASE}/status"])

    async def body(link: MqttLink) -> None:
        await eventually(
            lambda: len(recorder.on("homeassistant/device/homewatch_testnode/config")) == 1)
        recorder.publish("homeassistant/status", "online")
        await eventually(
            lambda: len(recorder.on("homeassistant/device/homewatch_testnode/config")) == 2)

    with_link(link, body)
    payload = json.loads(recorder.on("homeassistant/device/homewatch_testnode/config")[0].payload)
    assert payload["dev"]["ids"] == ["homewatch_testnode"]
    assert payload["o"]["name"] == "homewatch"
    cpu = payload["cmps"]["stats_cpu"]
    assert cpu["p"] == "sensor" and cpu["stat_t"] == "~/stats" and cpu["~"] == BASE
    assert cpu["unique_id"] == "homewatch_testnode_stats_cpu" == cpu["object_id"]
    assert cpu["default_entity_id"] == "sensor.homewatch_testnode_stats_cpu"
    assert cpu["avty_t"] == "~/status" and cpu["ent_cat"] == "diagnostic"
    assert {"stats_cpu", "stats_rss", "stats_outbox", "stats_uptime"} <= set(payload["cmps"])
    assert recorder.on(f"{BASE}/status")[-1].payload == b"online"
    recorder.close()


def test_events_published_during_outage_arrive_in_order(mosquitto: Mosquitto, tmp_path: Path
                                                       ) -> None:
    link = mqtt_link(make_config(tmp_path, mosquitto.port))
    recorder = Recorder(mosquitto.port, [f"{BASE}/events"], session="outage-recorder")

    async def body(link: MqttLink) -> None:
        await eventually(lambda: link.connected)
        mosquitto.stop()
        await eventually(lambda: not link.connected)
        for i in range(200):
            link.publish_event("events", {"seq": i})
        await eventually(lambda: link.stats()["outbox_depth"] == 200)
        mosquitto.start()
        await asyncio.to_thread(recorder.wait_topic, f"{BASE}/events", 200, 30)
        await eventually(lambda: link.stats()["outbox_depth"] == 0)

    with_link(link, body)
    seqs = [json.loads(m.payload)["seq"] for m in recorder.on(f"{BASE}/events")]
    assert seqs == list(range(200))
    recorder.close()


def test_outbox_survives_a_restart(mosquitto: Mosquitto, tmp_path: Path) -> None:
    config = make_config(tmp_path, mosquitto.port)
    mosquitto.stop()

    async def offline(link: MqttLink) -> None:
        for i in range(20):
            link.publish_event("events", {"seq": i})
        assert not await link.drain(0.5)  # nothing can be delivered: kept on disk

    with_link(mqtt_link(config), offline)
    mosquitto.start()
    recorder = Recorder(mosquitto.port, [f"{BASE}/events"])  # before the link reconnects

    async def online(link: MqttLink) -> None:
        await eventually(lambda: len(recorder.on(f"{BASE}/events")) == 20)
        await eventually(lambda: link.stats()["outbox_depth"] == 0)

    with_link(mqtt_link(config), online)
    assert [json.loads(m.payload)["seq"] for m in recorder.on(f"{BASE}/events")] == list(range(20))
    recorder.close()


@pytest.mark.parametrize(("topic", "payload", "code"), [
    ("ask", b"{not json", "bad_payload"),
    ("ask", b'{"text": 5}', "invalid"),
    ("nothing/here/set", b"ON", "unknown_topic"),
    ("ask", b"x" * 100_000, "payload_too_large"),
    ("ask", b"\xff\xfe", "bad_payload"),
])
def test_malformed_commands_get_error_replies(mosquitto: Mosquitto, tmp_path: Path, topic: str,
                                              payload: bytes, code: str) -> None:
    link = mqtt_link(make_config(tmp_path, mosquitto.port))
    asked: list[str] = []

    def parse(command: Command) -> str:
        data = command.json()
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise CommandRejected("invalid", "expected {\"text\": \"...\"}")
        return data["text"]

    async def ask(text: str) -> None:
        asked.append(text)

    topic_ask = command("ask", "JSON `{text}`")
    link.add_api(Api(Declaration("test", (topic_ask,)), (Route(topic_ask, parse, ask),)))
    recorder = Recorder(mosquitto.port, [f"{BASE}/error", f"{BASE}/status"])

    async def body(link: MqttLink) -> None:
        # The link subscribes, then says `online` on the same connection: once that arrives,
        # the broker has the subscription.
        await asyncio.to_thread(recorder.wait_for, lambda ms: any(
            m.topic == f"{BASE}/status" and m.payload == b"online" for m in ms))
        recorder.publish(f"{BASE}/{topic}", payload)
        await asyncio.to_thread(recorder.wait_topic, f"{BASE}/error")
        recorder.publish(f"{BASE}/ask", b'{"text": "still alive?"}')
        await eventually(lambda: asked == ["still alive?"])
        assert link.healthy()

    with_link(link, body)
    error = json.loads(recorder.on(f"{BASE}/error")[0].payload)
    assert error["code"] == code and error["topic"] == f"{BASE}/{topic}" and error["text"]
    recorder.close()


def test_tls_with_password_connects(mosquitto: Mosquitto, tmp_path: Path) -> None:
    config = make_config(tmp_path, mosquitto.tls_port, mqtt={
        "host": "localhost", "username": USERNAME, "password": PASSWORD,
        "tls": {"enabled": True, "ca_file": str(mosquitto.ca_file)}})
    recorder = Recorder(mosquitto.port, [f"{BASE}/events"])

    async def body(link: MqttLink) -> None:
        await eventually(lambda: link.connected)
        link.publish_event("events", {"hello": "tls"})
        await eventually(lambda: link.stats()["outbox_depth"] == 0)

    with_link(mqtt_link(config), body)
    # per_listener_settings: the plain listener shares topics with the TLS one
    assert recorder.wait_topic(f"{BASE}/events")[0].payload == b'{"hello":"tls"}'
    recorder.close()


def test_wrong_password_is_reported_clearly(mosquitto: Mosquitto, tmp_path: Path,
                                            caplog: pytest.LogCaptureFixture) -> None:
    config = make_config(tmp_path, mosquitto.tls_port, mqtt={
        "host": "localhost", "username": USERNAME, "password": "wrong-password",
        "tls": {"enabled": True, "ca_file": str(mosquitto.ca_file)}})
    caplog.set_level(logging.INFO)

    async def body(link: MqttLink) -> None:
        await eventually(lambda: link.last_error is not None and "password" in link.last_error)
        assert not link.connected

    with_link(mqtt_link(config), body)
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert refusals and "mqtt.password" in refusals[0]
    assert len(refusals) == 1  # logged once, not on every retry
    assert "wrong-password" not in caplog.text


def test_mqtt_v5_delivers_and_says_online(mosquitto: Mosquitto, tmp_path: Path) -> None:
    config = make_config(tmp_path, mosquitto.port, mqtt={"protocol": "5"})
    recorder = Recorder(mosquitto.port, [f"{BASE}/events", f"{BASE}/status"])

    async def body(link: MqttLink) -> None:
        await eventually(lambda: link.connected)
        link.publish_event("events", {"v": 5})
        await asyncio.to_thread(recorder.wait_topic, f"{BASE}/events")

    with_link(mqtt_link(config), body)
    assert recorder.on(f"{BASE}/status")[0].payload == b"online"
    recorder.close()


def test_entities_and_commands_added_after_connect_are_announced(mosquitto: Mosquitto,
                                                                 tmp_path: Path) -> None:
    link = mqtt_link(make_config(tmp_path, mosquitto.port))
    topic = "homeassistant/device/homewatch_testnode/config"
    recorder = Recorder(mosquitto.port, [topic])
    seen: list[bytes] = []

    async def late(payload: bytes) -> None:
        seen.append(payload)

    take = command("late/take", "anything")
    api = Api(Declaration("late", (take,)), (Route(take, lambda c: c.payload, late),),
              {"late": {"p": "button", "name": "Late", "cmd_t": "~/late/take"}})

    async def body(link: MqttLink) -> None:
        await eventually(lambda: link.connected)
        await asyncio.to_thread(recorder.wait_topic, topic)
        link.add_api(api)
        # The subscription went out before the new discovery payload, on the same connection:
        # once that payload arrives, the broker has the subscription.
        await asyncio.to_thread(recorder.wait_topic, topic, 2)
        recorder.publish(f"{BASE}/late/take", b"PRESS")
        await eventually(lambda: seen == [b"PRESS"])

    with_link(link, body)
    assert "late" in json.loads(recorder.on(topic)[-1].payload)["cmps"]
    recorder.close()
