"""The alarm PIN stays secret: never in a published message, a log line or the outbox; wrong
codes lock out for longer each time, across restarts; refusals are visible to Home Assistant."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
from pathlib import Path
from typing import Any

import yaml

from homewatch.core.redact import redact, redact_words
from homewatch.runtime.daemon import Supervisor
from homewatch.runtime.demo import padded_wav
from homewatch.understanding.alarm import Alarm
from homewatch.understanding.api import AlarmCommand, parse_alarm
from homewatch.understanding.config import AlarmConfig
from homewatch.understanding.service import DialogService
from tests.conftest import AUDIO
from tests.foundation.test_daemon import start_daemon
from tests.support.broker import Mosquitto
from tests.support.config import make_config
from tests.support.daemon import run_daemon
from tests.support.mqtt import Recorder

BASE = "homewatch/testnode"
SECRETS = (b"1234", b"one two three four", b'"one"', b'"two"', b'"three"', b'"four"')


def test_redaction_masks_written_and_spoken_digits() -> None:
    assert redact("disarm the alarm 4321") == "disarm the alarm ****"
    assert redact("disarm the system one two three four") == "disarm the system ****"
    assert redact("disarm for three two one now") == "disarm **** now"
    assert redact("is anyone at the front door") == "is anyone at the front door"
    assert redact("are there two cars") == "are there two cars"
    assert redact_words(["disarm", "one", "two", "three", "x"]) == [
        "disarm", "****", "****", "****", "x"]


def test_spoken_pin_is_in_no_message_and_no_log_line(mosquitto: Mosquitto,
                                                     tmp_path: Path) -> None:
    """The real daemon hears "disarm the system one two three four" from a recording."""
    state = tmp_path / "state"
    state.mkdir()
    (state / "alarm.json").write_text('{"version": 1, "state": "armed_away"}')
    mic = padded_wav(AUDIO / "c09_piper.wav", tmp_path / "mic.wav", before_s=2.0)
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({
        "node": {"id": "testnode"}, "logging": {"level": "DEBUG"},
        "mqtt": {"host": "127.0.0.1", "port": mosquitto.port},
        "daemon": {"state_dir": str(state), "drain_timeout_s": 5},
        "alarm": {"code": "1234"},
        "voice": {"enabled": True, "source": {"type": "wav", "path": str(mic)},
                  "activation": {"mode": "always"}}}))
    recorder = Recorder(mosquitto.port, [f"{BASE}/#"])
    proc = start_daemon(config)
    try:
        recorder.wait_topic(f"{BASE}/voice/reply", timeout=60)  # "Disarm the alarm?"
        recorder.publish(f"{BASE}/confirm", "yes")
        recorder.wait_for(lambda ms: any(m.topic == f"{BASE}/alarm/state"
                                         and m.payload == b"disarmed" for m in ms))
        proc.send_signal(signal.SIGTERM)
        _, log = proc.communicate(timeout=20)
    finally:
        proc.kill()
        recorder.close()
    transcript = json.loads(recorder.on(f"{BASE}/voice/transcript")[0].payload)
    assert transcript["text"] == "disarm the system ****"
    replies = [json.loads(m.payload) for m in recorder.on(f"{BASE}/voice/reply")]
    assert replies[0]["question"] == "disarm the system ****"
    assert replies[0]["confirmation"] == "asked"
    assert replies[-1]["text"] == "Alarm disarmed."
    for message in recorder.messages:
        assert not any(secret in message.payload for secret in SECRETS), message
    assert "1234" not in log and "one two three four" not in log
    assert "alarm disarmed by voice" in log


def test_typed_pin_never_reaches_the_outbox(tmp_path: Path) -> None:
    """Broker down: the reply to a question holding the PIN waits on disk, masked."""
    config = make_config(tmp_path, 1, alarm={"code": "4321"})  # nothing listens on port 1
    supervisor = Supervisor(config)
    [dialog] = [s for s in supervisor.services if isinstance(s, DialogService)]

    async def main() -> int:
        daemon = asyncio.create_task(supervisor.run())
        await asyncio.sleep(0)
        for question in ("arm the system", "yes", "disarm the alarm 4321", "yes"):
            await dialog.ask(question)
        supervisor.request_stop()
        return await daemon

    assert asyncio.run(main()) == 0
    with sqlite3.connect(tmp_path / "outbox.sqlite") as db:
        rows = db.execute("SELECT topic, payload FROM outbox").fetchall()
    replies = [json.loads(p) for t, p in rows if t.endswith("voice/reply")]
    assert "disarm the alarm ****" in [r["question"] for r in replies]
    assert replies[-1]["text"] == "Alarm disarmed."
    assert not any(b"4321" in bytes(p) for _, p in rows)


def test_lockout_survives_a_restart_and_grows(tmp_path: Path) -> None:
    now = [1_000.0]
    config = AlarmConfig(code="1234", max_attempts=3, lockout_s=60, max_lockout_s=600)
    path = tmp_path / "alarm.json"
    alarm = Alarm(config, path, clock=lambda: now[0])
    alarm.arm("armed_away", None, "test")
    results = [alarm.disarm("0000", "mqtt") for _ in range(3)]
    assert [r.reason for r in results] == ["wrong_code", "wrong_code", "locked"]
    assert results[-1].retry_in == 60

    restarted = Alarm(config, path, clock=lambda: now[0])  # a restart clears nothing
    assert restarted.disarm("1234", "mqtt").reason == "locked"
    now[0] += 61
    results = [restarted.disarm("0000", "mqtt") for _ in range(3)]
    assert results[-1].reason == "locked" and results[-1].retry_in == 120  # doubled
    now[0] += 121
    for _ in range(4):  # up to the cap
        for _ in range(3):
            result = restarted.disarm("0000", "mqtt")
        now[0] += result.retry_in + 1
    assert result.retry_in == 600
    assert restarted.disarm("1234", "mqtt").ok  # the right code resets the lockout
    assert Alarm(config, path).attributes()["lockouts"] == 0


def test_home_assistant_none_code_is_no_code() -> None:
    assert parse_alarm(b'{"action": "ARM_AWAY", "code": "None"}') == AlarmCommand("ARM_AWAY", None)
    assert parse_alarm(b'{"action": "DISARM", "code": null}') == AlarmCommand("DISARM", None)
    assert parse_alarm(b'{"action": "DISARM", "code": " 12 "}') == AlarmCommand("DISARM", "12")


def test_refusals_are_visible_in_home_assistant(mosquitto: Mosquitto, tmp_path: Path) -> None:
    config = make_config(tmp_path, mosquitto.port, alarm={"code": "1234"})
    recorder = Recorder(mosquitto.port, [f"{BASE}/#", "homeassistant/#"])
    supervisor = Supervisor(config)

    def attributes() -> dict[str, Any]:
        return json.loads(recorder.on(f"{BASE}/alarm/attributes")[-1].payload)  # type: ignore[no-any-return]

    async def body() -> None:
        await asyncio.to_thread(recorder.wait_topic, f"{BASE}/alarm/attributes")
        recorder.publish(f"{BASE}/alarm/set", '{"action": "ARM_AWAY", "code": "None"}')
        await asyncio.to_thread(recorder.wait_for, lambda ms: any(
            m.topic == f"{BASE}/alarm/state" and m.payload == b"armed_away" for m in ms))
        recorder.publish(f"{BASE}/alarm/set", '{"action": "DISARM", "code": "9999"}')
        await asyncio.to_thread(recorder.wait_topic, f"{BASE}/error")
        await asyncio.to_thread(recorder.wait_for, lambda ms: attributes()["last_refusal"])

    run_daemon(supervisor, body, recorder)
    assert attributes()["last_refusal"]["reason"] == "wrong_code"
    assert attributes()["wrong_codes"] == 1
    reply = json.loads(recorder.on(f"{BASE}/voice/reply")[-1].payload)
    assert reply["event_type"] == "disarm" and reply["text"] == "That code is wrong."
    assert recorder.on(f"{BASE}/alarm/state")[-1].payload == b"armed_away"  # never lied
    [discovery] = [m for m in recorder.messages if m.topic.startswith("homeassistant/device")]
    components = json.loads(discovery.payload)["cmps"]
    assert components["alarm"]["json_attributes_topic"] == "~/alarm/attributes"
    assert any(c.get("entity_category") == "diagnostic" and "alarm/attributes" in
               c.get("state_topic", "") for c in components.values())
