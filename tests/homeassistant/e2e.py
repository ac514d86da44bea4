"""End-to-end check against a real Home Assistant (run by scripts/ha-e2e, not by pytest).

Mosquitto, Home Assistant (in the Debian sid root at $HA_ROOT, sharing this machine's
loopback) and homewatch run on 127.0.0.1. Home Assistant is onboarded through its REST
onboarding API, the MQTT integration is added through the config-flow API and the HTTP
settings are promoted over the websocket; every check then goes through Home Assistant's own
REST and websocket APIs. Prints a pass/fail table; exit status 1 if any check failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets
import yaml

from tests.support.broker import Mosquitto
from tests.support.data import DETECTOR, LABELS, MEDIA
from tests.support.ports import free_port, wait_for_port

NODE = "e2e"
DEVICE = f"homewatch_{NODE}"
CLIENT_ID = "http://127.0.0.1/"
ALARM_CODE = "4321"
HA_START_S = 600.0  # the first start installs integration requirements


def eid(platform: str, key: str) -> str:
    return f"{platform}.{DEVICE}_{key}"


MOTION = eid("binary_sensor", "front_door_motion")
PERSONS = eid("sensor", "front_door_person_count")
OCCUPIED = eid("binary_sensor", "front_door_person_occupancy")
DETECT = eid("switch", "front_door_detect")
SNAP_BUTTON = eid("button", "front_door_take_snapshot")
SNAPSHOT = eid("camera", "front_door_snapshot")
ASK = eid("text", "ask")
REPLY = eid("event", "reply")
ALARM = eid("alarm_control_panel", "alarm")
GARDEN = [eid("binary_sensor", "garden_motion"), eid("switch", "garden_detect"),
          eid("sensor", "garden_person_count")]


@dataclass
class Report:
    rows: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.rows.append((name, ok, detail))
        print(f"{'PASS' if ok else 'FAIL'}  {name}  {detail}", flush=True)
        return ok

    def table(self) -> str:
        width = max(len(n) for n, _, _ in self.rows)
        lines = [f"| {'check'.ljust(width)} | result | detail |",
                 f"|{'-' * (width + 2)}|--------|--------|"]
        lines += [f"| {n.ljust(width)} | {'pass' if ok else 'FAIL'}   | {d} |"
                  for n, ok, d in self.rows]
        passed = sum(ok for _, ok, _ in self.rows)
        return "\n".join(lines) + f"\n\n{passed} passed, {len(self.rows) - passed} failed"


def poll(predicate: Callable[[], Any], timeout: float, interval: float = 0.5) -> Any:
    """The predicate's first truthy value within `timeout`, else None."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except (OSError, urllib.error.URLError, ValueError, KeyError):
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            return None
        time.sleep(interval)


class HomeAssistant:
    """A Home Assistant process in the sid root, and a small client for its APIs."""

    def __init__(self, root: Path, run_dir: str, port: int) -> None:
        self.root, self.port = root, port
        self.config_in_root = f"/srv/ha-e2e/{run_dir}"
        self.config_dir = root / self.config_in_root.lstrip("/")
        self.url = f"http://127.0.0.1:{port}"
        self.token = ""
        self.proc: subprocess.Popen[bytes] | None = None

    def write_config(self) -> None:
        self.config_dir.mkdir(parents=True, exist_ok=True)
        config = {"homeassistant": {"name": "homewatch e2e", "time_zone": "UTC",
                                    "unit_system": "metric", "country": "DE",
                                    "latitude": 52.5, "longitude": 13.4, "elevation": 30},
                  "http": {"server_host": ["127.0.0.1"], "server_port": self.port},
                  "logger": {"default": "warning",
                             "logs": {"homeassistant.components.mqtt": "info"}},
                  "api": None, "config": None, "onboarding": None, "websocket_api": None,
                  "camera": None}
        (self.config_dir / "configuration.yaml").write_text(yaml.safe_dump(config))

    def start(self) -> None:
        log = (self.config_dir / "ha-stdout.log").open("ab")
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root", "LANG": "C.UTF-8",
               "SSL_CERT_FILE": "/etc/ssl/host-ca.crt", "PIP_CERT": "/etc/ssl/host-ca.crt",
               "REQUESTS_CA_BUNDLE": "/etc/ssl/host-ca.crt"}
        script = 'mount -t proc proc "$0/proc" && mount --rbind /dev "$0/dev" && exec chroot "$@"'
        self.proc = subprocess.Popen(
            ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script,
             str(self.root), str(self.root), "/opt/ha/bin/hass", "-c", self.config_in_root],
            stdout=log, stderr=log, env=env, start_new_session=True)

    def wait_up(self) -> None:
        deadline = time.monotonic() + HA_START_S
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"Home Assistant exited; see {self.config_dir}/ha-stdout.log")
            try:
                wait_for_port(self.port, 1.0)
                return
            except TimeoutError:
                continue
        raise TimeoutError("Home Assistant did not open its HTTP port")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(90)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc = None

    # ---- REST -----------------------------------------------------------------------
    def request(self, method: str, path: str, body: Any = None, *, form: bool = False,
                auth: bool = True, timeout: float = 30.0) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if auth and self.token else {}
        data = None
        if body is not None:
            if form:
                data = urllib.parse.urlencode(body).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.url + path, data=data, headers=headers, method=method)
        with urllib.request.urlopen(req, timeout=timeout) as response:
            raw = response.read()
            kind = response.headers.get("Content-Type", "")
        return json.loads(raw) if "json" in kind else raw

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, body if body is not None else {})

    def state(self, entity_id: str) -> dict[str, Any] | None:
        try:
            value: dict[str, Any] = self.get(f"/api/states/{entity_id}")
            return value
        except urllib.error.HTTPError:
            return None

    def service(self, domain: str, service: str, **data: Any) -> None:
        self.post(f"/api/services/{domain}/{service}", data)

    def onboard(self) -> None:
        user = self.request("POST", "/api/onboarding/users", {
            "client_id": CLIENT_ID, "name": "e2e", "username": "e2e",
            "password": "e2e-password-1", "language": "en"}, auth=False)
        tokens = self.request("POST", "/auth/token", {
            "grant_type": "authorization_code", "code": user["auth_code"],
            "client_id": CLIENT_ID}, form=True, auth=False)
        self.token = tokens["access_token"]
        # Not the core_config step: it sets up weather and radio integrations that would try
        # to reach the internet (location and units come from configuration.yaml instead).
        self.post("/api/onboarding/integration", {"client_id": CLIENT_ID,
                                                  "redirect_uri": CLIENT_ID})

    def add_mqtt(self, broker_port: int) -> dict[str, Any]:
        flow = self.post("/api/config/config_entries/flow",
                         {"handler": "mqtt", "show_advanced_options": True})
        if flow.get("step_id") != "broker":
            raise RuntimeError(f"unexpected MQTT flow step: {flow}")
        result: dict[str, Any] = self.post(f"/api/config/config_entries/flow/{flow['flow_id']}", {
            "broker": "127.0.0.1", "port": broker_port, "protocol": "3.1.1",
            "other_settings": {"set_client_cert": False, "set_ca_cert": "off",
                               "transport": "tcp"}})
        return result

    # ---- websocket --------------------------------------------------------------------
    def ws(self, *messages: dict[str, Any]) -> list[Any]:
        return asyncio.run(self._ws(list(messages)))

    async def _ws(self, messages: list[dict[str, Any]]) -> list[Any]:
        async with websockets.connect(f"ws://127.0.0.1:{self.port}/api/websocket",
                                      max_size=2**24) as socket:
            await socket.recv()
            await socket.send(json.dumps({"type": "auth", "access_token": self.token}))
            auth = json.loads(await socket.recv())
            if auth.get("type") != "auth_ok":
                raise RuntimeError(f"websocket auth failed: {auth}")
            results = []
            for number, message in enumerate(messages, 1):
                await socket.send(json.dumps({"id": number, **message}))
                while True:
                    reply = json.loads(await socket.recv())
                    if reply.get("id") == number and reply.get("type") == "result":
                        results.append(reply)
                        break
            return results

    def entity_registry(self) -> list[dict[str, Any]]:
        reply = self.ws({"type": "config/entity_registry/list"})[0]
        entries: list[dict[str, Any]] = reply["result"]
        return [e for e in entries if e.get("platform") == "mqtt"]

    def devices(self, device: str = DEVICE) -> list[dict[str, Any]]:
        reply = self.ws({"type": "config/device_registry/list"})[0]
        found: list[dict[str, Any]] = reply["result"]
        return [d for d in found if ["mqtt", device] in d.get("identifiers", [])]


class Homewatch:
    def __init__(self, work: Path, broker_port: int) -> None:
        self.work, self.broker_port = work, broker_port
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, cameras: list[str], node: str = NODE) -> None:
        video = str(MEDIA / "vtest.avi")
        config = {
            "node": {"id": node, "name": "HW Test"},
            "mqtt": {"host": "127.0.0.1", "port": self.broker_port, "reconnect_min_s": 0.2,
                     "reconnect_max_s": 2},
            "daemon": {"state_dir": str(self.work / "state"), "stats_interval_s": 10},
            "models": {"dir": str(self.work / "models")},
            "cameras": [{"name": name, "source": video, "loop": True, "realtime": True,
                         "detect_fps": 3, "track": ["person"]} for name in cameras],
            "vision": {"detector": {"model": str(DETECTOR), "labels": str(LABELS)}},
            "alarm": {"code": ALARM_CODE},
            "voice": {"enabled": False},
        }
        path = self.work / "homewatch.yaml"
        path.write_text(yaml.safe_dump(config))
        log = (self.work / "homewatch.log").open("ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "homewatch", "run", "-c", str(path)],
                                     stdout=log, stderr=log, cwd=self.work)

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(10)
        self.proc = None
        return code


def unavailable(ha: HomeAssistant, entity_id: str) -> bool:
    state = ha.state(entity_id)
    return state is not None and state["state"] == "unavailable"


def available(ha: HomeAssistant, entity_id: str) -> bool:
    state = ha.state(entity_id)
    return state is not None and state["state"] not in ("unavailable", "unknown")


def run_checks(ha: HomeAssistant, hw: Homewatch, broker: Mosquitto, report: Report) -> None:
    reply = ha.add_mqtt(broker.port)
    report.check("MQTT integration added via config flow", reply.get("type") == "create_entry",
                 str(reply.get("title", reply.get("errors"))))
    promote = ha.ws({"type": "http/config/promote"})[0]
    report.check("HTTP settings promoted over the websocket", bool(promote.get("success"))
                 or (promote.get("error") or {}).get("code") == "not_promoted"
                 or "nothing to promote" in json.dumps(promote).lower(),
                 json.dumps(promote.get("error")) if not promote.get("success") else "")

    hw.start(["front_door", "garden"])
    expected = {MOTION, PERSONS, OCCUPIED, DETECT, SNAP_BUTTON, SNAPSHOT, ASK, REPLY, ALARM,
                *GARDEN}
    registry = poll(lambda: (entries := ha.entity_registry()) and expected <= {
        e["entity_id"] for e in entries} and entries, 120)
    devices = ha.devices()
    report.check("device in the device registry", len(devices) == 1,
                 f"{devices[0].get('name_by_user') or devices[0].get('name')!r}"
                 if devices else "none")
    report.check("entities in the entity registry", bool(registry),
                 f"{len(registry)} mqtt entities" if registry else
                 f"missing {sorted(expected - {e['entity_id'] for e in ha.entity_registry()})}")
    names = {s["entity_id"]: s["attributes"].get("friendly_name")
             for s in [ha.state(OCCUPIED), ha.state(SNAP_BUTTON)] if s}
    report.check("friendly names from the display name",
                 names.get(OCCUPIED, "").endswith("Front door person")
                 and names.get(SNAP_BUTTON, "").endswith("Front door take snapshot"),
                 "; ".join(f"{v}" for v in names.values()))

    motion = poll(lambda: ha.state(MOTION)["state"] == "on", 90)
    people = poll(lambda: int(float(ha.state(PERSONS)["state"])) > 0, 120)
    report.check("states change on vtest (motion on, person count > 0)",
                 bool(motion) and bool(people),
                 f"motion={ha.state(MOTION)['state']} "  # type: ignore[index]
                 f"persons={ha.state(PERSONS)['state']}")  # type: ignore[index]

    before = (ha.state(REPLY) or {}).get("state")
    ha.service("text", "set_value", entity_id=ASK, value="how many people are at the front door")
    answer = poll(lambda: (s := ha.state(REPLY)) and s["state"] != before and s, 60)
    report.check("ask via the text entity -> reply event", bool(answer),
                 str(answer["attributes"].get("text", answer["attributes"].get("event_type")))
                 if answer else "no event")

    ha.service("button", "press", entity_id=SNAP_BUTTON)
    image = poll(lambda: (raw := ha.get(f"/api/camera_proxy/{SNAPSHOT}"))[:2] == b"\xff\xd8"
                 and raw, 60)
    report.check("snapshot button -> camera image", bool(image),
                 f"{len(image)} bytes JPEG" if image else "no image")

    ha.service("switch", "turn_off", entity_id=DETECT)
    off = poll(lambda: ha.state(DETECT)["state"] == "off", 30)
    ha.service("switch", "turn_on", entity_id=DETECT)
    on = poll(lambda: ha.state(DETECT)["state"] == "on", 30)
    report.check("detect switch off and on", bool(off) and bool(on))

    ha.service("alarm_control_panel", "alarm_arm_away", entity_id=ALARM, code=ALARM_CODE)
    armed = poll(lambda: ha.state(ALARM)["state"] == "armed_away", 30)
    ha.service("alarm_control_panel", "alarm_disarm", entity_id=ALARM, code="0000")
    wrong = poll(lambda: ha.state(ALARM)["state"] == "disarmed", 5)
    ha.service("alarm_control_panel", "alarm_disarm", entity_id=ALARM, code=ALARM_CODE)
    disarmed = poll(lambda: ha.state(ALARM)["state"] == "disarmed", 30)
    report.check("alarm arm away, wrong code refused, disarm",
                 bool(armed) and not wrong and bool(disarmed),
                 f"armed={bool(armed)} wrong-code-disarmed={bool(wrong)} "
                 f"disarmed={bool(disarmed)}")

    code = hw.stop()
    gone = poll(lambda: unavailable(ha, MOTION) and unavailable(ha, ASK), 30)
    report.check("homewatch SIGTERM -> entities unavailable", bool(gone) and code == 0,
                 f"exit {code}")

    hw.start(["front_door"])
    removed = poll(lambda: not {e["entity_id"] for e in ha.entity_registry()} & set(GARDEN)
                   and available(ha, MOTION), 120)
    left = sorted({e["entity_id"] for e in ha.entity_registry()} & set(GARDEN))
    report.check("camera removed -> its entities gone from the registry",
                 bool(removed), f"left: {left}" if left else "garden_* removed")

    ha.stop()
    ha.start()
    ha.wait_up()
    back = poll(lambda: available(ha, MOTION) and available(ha, DETECT), HA_START_S)
    report.check("Home Assistant restart -> entities available again", bool(back))

    hw.stop()
    hw.start(["front_door"], node="renamed")
    renamed = poll(lambda: not ha.devices() and ha.devices("homewatch_renamed"), 120)
    old = [e["entity_id"] for e in ha.entity_registry() if DEVICE in e["entity_id"]]
    report.check("node renamed -> old device and its entities removed",
                 bool(renamed) and not old, f"{len(old)} old entities left")
    hw.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", action="store_true", help="keep the work directories")
    args = parser.parse_args(argv)
    root = Path(os.environ.get("HA_ROOT", "/var/cache/homewatch-ha/sid"))
    work = Path(tempfile.mkdtemp(prefix="homewatch-ha-e2e-"))
    broker = Mosquitto(work)
    ha = HomeAssistant(root, work.name, free_port())
    hw = Homewatch(work, broker.port)
    report = Report()
    try:
        broker.start()
        ha.write_config()
        ha.start()
        ha.wait_up()
        steps = poll(lambda: ha.request("GET", "/api/onboarding", auth=False), 120)
        report.check("Home Assistant up, onboarding offered", bool(steps),
                     f"steps: {[s['step'] for s in steps]}" if steps else "")
        ha.onboard()
        report.check("onboarded through the REST API", bool(ha.token))
        run_checks(ha, hw, broker, report)
    except Exception as exc:  # the table says what got done
        report.check("run completed", False, f"{type(exc).__name__}: {exc}")
    finally:
        hw.stop()
        ha.stop()
        broker.stop()
        print("\n" + report.table())
        print(f"\nlogs: {work} (Home Assistant: {ha.config_dir})")
        if not args.keep and all(ok for _, ok, _ in report.rows):
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(ha.config_dir, ignore_errors=True)
    return 0 if all(ok for _, ok, _ in report.rows) else 1


if __name__ == "__main__":
    sys.exit(main())
