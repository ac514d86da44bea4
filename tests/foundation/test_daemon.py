"""The daemon as a process: sd_notify, SIGTERM drain, secrets kept out of logs."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tests.conftest import REPO
from tests.support.broker import PASSWORD, USERNAME, Mosquitto
from tests.support.mqtt import Recorder

BASE = "homewatch/testnode"


def write_config(path: Path, data: dict[str, object]) -> Path:
    path.write_text(yaml.safe_dump(data))
    return path


def start_daemon(config: Path, extra_env: dict[str, str] | None = None
                 ) -> subprocess.Popen[str]:
    env = {**os.environ, **(extra_env or {}), "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "homewatch", "run", "--config", str(config)],
                            cwd=REPO, env=env, stderr=subprocess.PIPE, text=True)


class NotifySocket:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(15)
        self.seen: list[str] = []

    def wait_for(self, line: str) -> None:
        while line not in self.seen:
            self.seen.extend(self.sock.recv(4096).decode().splitlines())

    def close(self) -> None:
        self.sock.close()


def test_notify_ready_watchdog_stopping_and_offline_on_sigterm(mosquitto: Mosquitto,
                                                             tmp_path: Path) -> None:
    config = write_config(tmp_path / "c.yaml", {
        "node": {"id": "testnode"}, "mqtt": {"host": "127.0.0.1", "port": mosquitto.port},
        "daemon": {"state_dir": str(tmp_path / "state"), "drain_timeout_s": 5}})
    notify = NotifySocket(tmp_path / "notify.sock")
    recorder = Recorder(mosquitto.port, [f"{BASE}/status"])
    proc = start_daemon(config, {"NOTIFY_SOCKET": str(notify.path), "WATCHDOG_USEC": "400000"})
    try:
        notify.wait_for("READY=1")
        notify.wait_for("WATCHDOG=1")
        recorder.wait_for(lambda ms: any(m.payload == b"online" for m in ms))
        stop_sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        assert time.monotonic() - stop_sent < 5 + 2
        notify.wait_for("STOPPING=1")
        recorder.wait_for(lambda ms: ms[-1].payload == b"offline")
    finally:
        proc.kill()
        proc.communicate()
        recorder.close()
        notify.close()
    assert any(line.startswith("STATUS=") for line in notify.seen)


def test_password_never_reaches_the_log(mosquitto: Mosquitto, tmp_path: Path) -> None:
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "mqtt_password").write_text(PASSWORD + "\n")
    config = write_config(tmp_path / "c.yaml", {
        "node": {"id": "testnode"}, "logging": {"level": "DEBUG"},
        "mqtt": {"host": "localhost", "port": mosquitto.tls_port, "username": USERNAME,
                 "tls": {"enabled": True, "ca_file": str(mosquitto.ca_file)}},
        "daemon": {"state_dir": str(tmp_path / "state")}})
    recorder = Recorder(mosquitto.port, [f"{BASE}/status"])
    proc = start_daemon(config, {"CREDENTIALS_DIRECTORY": str(creds)})
    try:
        recorder.wait_for(lambda ms: any(m.payload == b"online" for m in ms))
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=15)
    finally:
        proc.kill()
        recorder.close()
    assert proc.returncode == 0
    assert "connected to MQTT broker" in stderr
    assert PASSWORD not in stderr


def test_invalid_config_exits_78_naming_key_and_line(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("node:\n  id: ok\nmqtt:\n  port: 99999\n  pasword: hunter2\n")
    result = subprocess.run([sys.executable, "-m", "homewatch", "run", "-c", str(config)],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 78
    assert f"{config}:4: mqtt.port" in result.stderr
    assert f"{config}:5: mqtt.pasword" in result.stderr and "hint:" in result.stderr
    assert "hunter2" not in result.stderr


def test_check_config_and_schema(tmp_path: Path) -> None:
    example = REPO / "examples" / "homewatch.yaml"
    ok = subprocess.run([sys.executable, "-m", "homewatch", "check-config", "-c", str(example)],
                        cwd=REPO, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    missing = subprocess.run([sys.executable, "-m", "homewatch", "check-config", "-c",
                              str(tmp_path / "nope.yaml")], cwd=REPO, capture_output=True,
                             text=True, timeout=60)
    assert missing.returncode == 78 and "file not found" in missing.stderr
    schema = subprocess.run([sys.executable, "-m", "homewatch", "config", "schema"], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert json.loads(schema.stdout)["additionalProperties"] is False
