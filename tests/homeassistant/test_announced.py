"""The memory of announced components: reconciling, expiry, the state file."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from homewatch.mqtt import announced
from homewatch.mqtt.announced import AnnouncedComponents, Component, Delivery, state_topics

TOPIC = "homeassistant/device/homewatch_n/config"


def test_state_topics_are_resolved_and_exclude_commands_and_availability() -> None:
    component = {"p": "switch", "stat_t": "~/cam/detect", "cmd_t": "~/cam/detect/set",
                 "avty_t": "~/status", "json_attr_t": "~/cam/attrs", "t": "/abs/topic"}
    assert state_topics("hw/n", component) == ("hw/n/cam/attrs", "hw/n/cam/detect")


def test_gone_components_become_removals_and_shared_topics_are_kept() -> None:
    memory = AnnouncedComponents()
    memory.reconcile(TOPIC, "homewatch_n", {
        "cam_person_count": Component("sensor", ("hw/n/cam/person",)),
        "cam_person_occupancy": Component("binary_sensor", ("hw/n/cam/person",)),
        "cam_car_count": Component("sensor", ("hw/n/cam/car",))})
    assert memory.removal_entries(TOPIC) == {}
    changed = memory.reconcile(TOPIC, "homewatch_n", {
        "cam_person_count": Component("sensor", ("hw/n/cam/person",))})
    assert changed
    assert memory.removal_entries(TOPIC) == {"cam_person_occupancy": {"p": "binary_sensor"},
                                             "cam_car_count": {"p": "sensor"}}
    assert memory.topics_to_clear() == ["hw/n/cam/car"]  # person is still read by the count
    assert not memory.reconcile(TOPIC, "homewatch_n", {
        "cam_person_count": Component("sensor", ("hw/n/cam/person",))})


def test_removals_expire_after_first_delivery_plus_keep_time() -> None:
    memory = AnnouncedComponents(keep_s=100.0)
    memory.reconcile(TOPIC, "homewatch_n", {"a": Component("sensor"), "b": Component("sensor")})
    memory.reconcile(TOPIC, "homewatch_n", {"a": Component("sensor")})
    memory.expire(now=10_000.0)
    assert "b" in memory.removal_entries(TOPIC)  # never delivered: kept
    memory.delivered(Delivery(TOPIC, ("b",), after_birth=False), now=1000.0)
    memory.delivered(Delivery(TOPIC, ("b",), after_birth=False), now=1050.0)
    memory.expire(now=1099.0)
    assert "b" in memory.removal_entries(TOPIC)
    memory.expire(now=1100.0)  # 100 s after the FIRST delivery
    assert memory.removal_entries(TOPIC) == {}


def test_round_trip_through_the_state_file(tmp_path: Path) -> None:
    memory = AnnouncedComponents()
    memory.reconcile(TOPIC, "homewatch_n", {"a": Component("sensor", ("hw/n/a",)),
                                            "b": Component("camera", ("hw/n/b",))})
    memory.reconcile(TOPIC, "homewatch_n", {"a": Component("sensor", ("hw/n/a",))})
    memory.delivered(Delivery(TOPIC, ("b",), after_birth=False), now=5.0)
    path = tmp_path / "state" / "announced.json"
    announced.save(path, memory.to_json())
    assert [p.name for p in path.parent.iterdir()] == ["announced.json"]  # no temp file left
    again = announced.load(path)
    assert again.to_json() == memory.to_json()
    assert again.devices[TOPIC].removals["b"].delivered_at == 5.0


@pytest.mark.parametrize("content", ["{not json", '{"version": 99, "devices": {}}',
                                     '{"version": 1, "devices": {"t": {"components": 3}}}'])
def test_unreadable_state_file_starts_empty_with_a_warning(tmp_path: Path, content: str,
                                                          caplog: pytest.LogCaptureFixture
                                                          ) -> None:
    path = tmp_path / "announced.json"
    path.write_text(content)
    with caplog.at_level(logging.WARNING):
        memory = announced.load(path)
    assert memory.devices == {}
    assert "cannot read" in caplog.text
    assert json.loads(json.dumps(memory.to_json()))["devices"] == {}


def test_missing_state_file_is_a_first_start(tmp_path: Path) -> None:
    assert announced.load(tmp_path / "none.json").devices == {}
