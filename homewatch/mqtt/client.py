"""Building the paho client from the configuration, and naming connection failures."""

from __future__ import annotations

import ssl

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

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
    client.connect_async(mqtt.host, mqtt.port, keepalive=mqtt.keepalive)
    return client


def describe_refusal(reason: str) -> str:
    lowered = reason.lower()
    if "authori" in lowered or "password" in lowered:
        return f"{reason}: check mqtt.username and mqtt.password"
    if "identifier" in lowered:
        return f"{reason}: check mqtt.client_id"
    return reason
