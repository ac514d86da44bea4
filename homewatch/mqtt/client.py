"""Building the paho client from the configuration, and naming connection failures."""

from __future__ import annotations

import ssl
import time

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from homewatch.core.node import NodeConfig
from homewatch.mqtt.config import MqttConfig
from homewatch.mqtt.topics import OFFLINE, Topics


def client_id(mqtt: MqttConfig, node: NodeConfig) -> str:
    return mqtt.client_id or f"homewatch-{node.id}"


def build_client(mqtt: MqttConfig, node: NodeConfig, topics: Topics, max_inflight: int
                 ) -> paho.Client:
    protocol = paho.MQTTv5 if mqtt.protocol == "5" else paho.MQTTv311
    client = paho.Client(
        CallbackAPIVersion.VERSION2,
        client_id=client_id(mqtt, node),
        protocol=protocol,
        reconnect_on_failure=False,  # the link reconnects itself, with jitter
    )
    client.max_inflight_messages_set(max_inflight)
    client.max_queued_messages_set(0)  # the outbox bounds what is queued
    client.will_set(topics.status, OFFLINE, qos=1, retain=True)
    set_credentials(client, mqtt)
    properties = None
    if mqtt.protocol == "5":
        # The broker must not send us anything larger: an oversized publish is dropped there,
        # never read into memory here. (MQTT 3.1.1 has no such property: set Mosquitto's
        # max_packet_size / message_size_limit instead.)
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.MaximumPacketSize = mqtt.max_packet_bytes
    client.connect_async(mqtt.host, mqtt.port, keepalive=mqtt.keepalive,
                         properties=properties)
    return client


def set_credentials(client: paho.Client, mqtt: MqttConfig) -> None:
    """Username, password and TLS as configured."""
    if mqtt.username:
        password = mqtt.password.get_secret_value() if mqtt.password else None
        client.username_pw_set(mqtt.username, password)
    if mqtt.tls.enabled:
        client.tls_set(
            ca_certs=str(mqtt.tls.ca_file) if mqtt.tls.ca_file else None,
            certfile=str(mqtt.tls.cert_file) if mqtt.tls.cert_file else None,
            keyfile=str(mqtt.tls.key_file) if mqtt.tls.key_file else None,
            cert_reqs=ssl.CERT_REQUIRED,
        )
        client.tls_insecure_set(mqtt.tls.insecure)


def probe(mqtt: MqttConfig, node: NodeConfig, timeout: float = 10.0) -> str | None:
    """Connect once as `<client id>-probe` (no will, so the daemon's session and status are
    left alone) and disconnect; None on success, else why it failed."""
    protocol = paho.MQTTv5 if mqtt.protocol == "5" else paho.MQTTv311
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"{client_id(mqtt, node)}-probe",
                         protocol=protocol)
    answer: list[str | None] = []

    def on_connect(_c: paho.Client, _u: object, _f: object, reason: object,
                   _p: object = None) -> None:
        failed = getattr(reason, "is_failure", False)
        answer.append(describe_refusal(str(reason)) if failed else None)

    client.on_connect = on_connect
    try:
        set_credentials(client, mqtt)
        client.connect(mqtt.host, mqtt.port, keepalive=max(5, int(timeout)))
        deadline = time.monotonic() + timeout
        while not answer and time.monotonic() < deadline:
            client.loop(timeout=0.2)
    except (OSError, ValueError) as exc:  # refused, unreachable, TLS (ssl.SSLError is OSError)
        return f"{type(exc).__name__}: {exc}"
    finally:
        client.disconnect()
    return answer[0] if answer else f"no CONNACK within {timeout:g} s"


def describe_refusal(reason: str) -> str:
    lowered = reason.lower()
    if "authori" in lowered or "password" in lowered:
        return f"{reason}: check mqtt.username and mqtt.password"
    if "identifier" in lowered:
        return f"{reason}: check mqtt.client_id"
    return reason
