"""Smaller reliability items: an empty config file is an error, a clean broker stop is named
as such, the unit's seccomp filter lets OpenBLAS call mbind."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from homewatch.config.slices import mqtt_link
from homewatch.core.errors import EX_CONFIG
from homewatch.mqtt.link import MqttLink
from tests.conftest import MEDIA, REPO
from tests.foundation.test_daemon import start_daemon
from tests.foundation.test_link import with_link
from tests.support.broker import Mosquitto
from tests.support.config import make_config
from tests.support.mqtt import Received, Recorder
from tests.support.waiting import eventually

BASE = "homewatch/testnode"


@pytest.mark.parametrize("text", ["", "# only a comment\n"])
def test_empty_config_file_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    done = subprocess.run([sys.executable, "-m", "homewatch", "check-config", "--config",
                           str(path)], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert done.returncode == EX_CONFIG
    assert "empty" in done.stderr


def test_clean_broker_stop_is_not_an_unspecified_error(
        mosquitto: Mosquitto, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)

    async def body(link: MqttLink) -> None:
        await eventually(lambda: link.connected)
        mosquitto.stop()
        await eventually(lambda: not link.connected)

    with_link(mqtt_link(make_config(tmp_path, mosquitto.port)), body)
    lost = [r.getMessage() for r in caplog.records if "lost the MQTT broker" in r.getMessage()]
    assert lost and "Unspecified error" not in lost[0], lost


def test_ffmpeg_noise_from_a_looping_truncated_file_stays_out_of_the_log(
        mosquitto: Mosquitto, tmp_path: Path) -> None:
    clip = tmp_path / "truncated.avi"
    clip.write_bytes((MEDIA / "vtest.avi").read_bytes()[:300_000])  # 48 frames, then damage
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({
        "node": {"id": "testnode"}, "mqtt": {"host": "127.0.0.1", "port": mosquitto.port},
        "daemon": {"state_dir": str(tmp_path / "state"), "stats_interval_s": 1},
        "understanding": {"enabled": False},
        "cameras": [{"name": "front_door", "source": str(clip), "loop": True}]}))
    recorder = Recorder(mosquitto.port, [f"{BASE}/stats"])

    def frames_read(ms: list[Received]) -> float:
        stats = [json.loads(m.payload) for m in ms]
        return max((s["vision"]["front_door"]["fps_in"] * s["uptime_s"] for s in stats
                    if s.get("vision", {}).get("front_door")), default=0.0)

    proc = start_daemon(config)
    try:
        recorder.wait_for(lambda ms: frames_read(ms) > 3 * 48, timeout=90)  # looped 3 times
        proc.send_signal(signal.SIGTERM)
        _, log = proc.communicate(timeout=20)
    finally:
        proc.kill()
        recorder.close()
    assert "msmpeg4" not in log and "Error at MB" not in log


def test_unit_allows_mbind_despite_the_resources_filter() -> None:
    lines = (REPO / "systemd" / "homewatch.service").read_text().splitlines()
    filters = [line.split("=", 1)[1] for line in lines if line.startswith("SystemCallFilter=")]
    deny = filters.index("~@privileged @resources")
    assert any("mbind" in f.split() for f in filters[deny + 1:])
