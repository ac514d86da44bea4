"""Entity names from camera display names; entity ids unchanged for an existing config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from homewatch.core.api import Api
from homewatch.runtime.daemon import Supervisor
from homewatch.vision.api import VISION, camera_components
from homewatch.vision.config import CameraConfig
from tests.support.config import make_config

# The entity ids an existing installation has (node `hwtest`, cameras front_door tracking
# person and car, garden tracking dog, voice on), as announced before display names existed.
# unique_id and object_id are the part after the dot.
ENTITY_IDS = {
    "alarm": "alarm_control_panel.homewatch_hwtest_alarm",
    "ask": "text.homewatch_hwtest_ask",
    "front_door_car_count": "sensor.homewatch_hwtest_front_door_car_count",
    "front_door_car_occupancy": "binary_sensor.homewatch_hwtest_front_door_car_occupancy",
    "front_door_detect": "switch.homewatch_hwtest_front_door_detect",
    "front_door_motion": "binary_sensor.homewatch_hwtest_front_door_motion",
    "front_door_person_count": "sensor.homewatch_hwtest_front_door_person_count",
    "front_door_person_occupancy": "binary_sensor.homewatch_hwtest_front_door_person_occupancy",
    "front_door_snapshot": "camera.homewatch_hwtest_front_door_snapshot",
    "front_door_status": "binary_sensor.homewatch_hwtest_front_door_status",
    "front_door_take_snapshot": "button.homewatch_hwtest_front_door_take_snapshot",
    "garden_detect": "switch.homewatch_hwtest_garden_detect",
    "garden_dog_count": "sensor.homewatch_hwtest_garden_dog_count",
    "garden_dog_occupancy": "binary_sensor.homewatch_hwtest_garden_dog_occupancy",
    "garden_motion": "binary_sensor.homewatch_hwtest_garden_motion",
    "garden_snapshot": "camera.homewatch_hwtest_garden_snapshot",
    "garden_status": "binary_sensor.homewatch_hwtest_garden_status",
    "garden_take_snapshot": "button.homewatch_hwtest_garden_take_snapshot",
    "reply": "event.homewatch_hwtest_reply",
    "stats_cpu": "sensor.homewatch_hwtest_stats_cpu",
    "stats_outbox": "sensor.homewatch_hwtest_stats_outbox",
    "stats_rss": "sensor.homewatch_hwtest_stats_rss",
    "stats_uptime": "sensor.homewatch_hwtest_stats_uptime",
    "voice_last_transcript": "sensor.homewatch_hwtest_voice_last_transcript",
    "watches": "sensor.homewatch_hwtest_watches",
}

# Added since: the alarm's last refusal and the node's problem (diagnostics).
NEW_ENTITY_IDS = {
    "alarm_refusal": "sensor.homewatch_hwtest_alarm_refusal",
    "stats_problem": "sensor.homewatch_hwtest_stats_problem",
}


def announced(tmp_path: Path, **camera_options: Any) -> dict[str, Any]:
    config = make_config(tmp_path, 1883, node={"id": "hwtest", "name": "HW Test"},
                         cameras=[{"name": "front_door", "source": "x.avi",
                                   "track": ["person", "car"], **camera_options},
                                  {"name": "garden", "source": "y.avi", "track": ["dog"]}],
                         voice={"enabled": True})
    supervisor = Supervisor(config)
    for camera in config.cameras:
        # as the vision service adds them once its detector is loaded
        components = camera_components(camera, sorted(camera.track or ()))
        supervisor.link.add_api(Api(VISION, components=components))
    cmps: dict[str, Any] = supervisor.link.discovery.payload()["cmps"]
    return cmps


@pytest.mark.parametrize("options", [{}, {"display_name": "Porch"}])
def test_entity_ids_of_an_existing_config_do_not_change(tmp_path: Path,
                                                        options: dict[str, Any]) -> None:
    cmps = announced(tmp_path, **options)
    assert set(cmps) == set(ENTITY_IDS) | set(NEW_ENTITY_IDS)
    for key, entity_id in {**ENTITY_IDS, **NEW_ENTITY_IDS}.items():
        platform, object_id = entity_id.split(".")
        component = cmps[key]
        assert component["p"] == platform
        assert component["default_entity_id"] == entity_id
        assert component["unique_id"] == object_id == component["object_id"]


def test_names_come_from_the_display_name(tmp_path: Path) -> None:
    names = {k: c["name"] for k, c in announced(tmp_path).items()}
    assert names["front_door_person_occupancy"] == "Front door person"
    assert names["front_door_person_count"] == "Front door person count"
    assert names["front_door_motion"] == "Front door motion"
    assert names["front_door_take_snapshot"] == "Front door take snapshot"
    assert names["front_door_status"] == "Front door camera"
    assert names["garden_dog_occupancy"] == "Garden dog"
    named = {k: c["name"] for k, c in announced(tmp_path, display_name="Porch").items()}
    assert named["front_door_detect"] == "Porch detect"
    assert named["front_door_snapshot"] == "Porch snapshot"
    assert named["garden_motion"] == "Garden motion"


def test_display_name_is_optional_and_checked() -> None:
    assert CameraConfig(name="back_yard_2", source="0").title == "Back yard 2"
    assert CameraConfig(name="x", source="0", display_name="Côté rue").title == "Côté rue"
    with pytest.raises(ValidationError, match="display_name"):
        CameraConfig(name="x", source="0", display_name="")
