"""Damaged state files: each is moved aside, logged, and replaced by a safe state; the alarm
fails closed; the daemon starts and serves despite every one of them being damaged."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from homewatch.core.statefile import json_depth_ok, loads_bounded
from homewatch.mqtt.outbox import Outbox, OutboxMessage
from homewatch.runtime.daemon import Supervisor
from homewatch.understanding.alarm import Alarm
from homewatch.understanding.config import AlarmConfig
from homewatch.understanding.watches import WatchStore
from homewatch.vision.events import ObjectEvent
from homewatch.vision.history import SqliteHistory
from tests.support.broker import Mosquitto
from tests.support.config import make_config
from tests.support.daemon import run_daemon
from tests.support.mqtt import Recorder

BASE = "homewatch/testnode"
ARMED = json.dumps({"version": 1, "state": "armed_home", "last_armed": "armed_home"}).encode()


def broken(path: Path) -> list[Path]:
    return sorted(p for p in path.parent.glob(f"{path.name}.broken-*")
                  if not p.name.endswith(("-wal", "-shm")))


DAMAGE: dict[str, Callable[[Path], None]] = {
    "empty": lambda p: p.write_bytes(b""),
    "random bytes": lambda p: p.write_bytes(os.urandom(512)),
    "truncated": lambda p: p.write_bytes(ARMED[: len(ARMED) // 2 + 8]),
    "a list": lambda p: p.write_text('["armed_away"]'),
    "a directory": lambda p: p.mkdir(),
    "wrong type": lambda p: p.write_text('{"version": 1, "state": 3}'),
    "unknown state": lambda p: p.write_text('{"version": 1, "state": "off"}'),
    "deeply nested": lambda p: p.write_text("[" * 100_000 + "]" * 100_000),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_alarm_state_starts_armed_and_is_moved_aside(
        tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "alarm.json"
    DAMAGE[damage](path)
    with caplog.at_level(logging.ERROR):
        alarm = Alarm(AlarmConfig(code="1234"), path)
    assert alarm.state in ("armed_away", "armed_home")
    assert alarm.damaged
    assert len(broken(path)) == 1
    assert "alarm starts armed" in caplog.text and "moved to alarm.json.broken-" in caplog.text
    # The safe state is written back: the next start reads it without complaint.
    assert Alarm(AlarmConfig(code="1234"), path).state == alarm.state


def test_truncated_alarm_state_keeps_the_armed_mode_it_can_read(tmp_path: Path) -> None:
    path = tmp_path / "alarm.json"
    DAMAGE["truncated"](path)
    assert Alarm(AlarmConfig(), path).state == "armed_home"


def test_on_damage_state_is_configurable(tmp_path: Path) -> None:
    path = tmp_path / "alarm.json"
    DAMAGE["truncated"](path)
    assert Alarm(AlarmConfig(on_damage="armed_away"), path).state == "armed_away"


def test_older_unversioned_alarm_state_is_read_not_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "alarm.json"
    path.write_text('{"state": "disarmed"}')
    alarm = Alarm(AlarmConfig(), path)
    assert alarm.state == "disarmed" and not alarm.damaged and not broken(path)


def test_alarm_state_is_written_atomically_with_a_version(tmp_path: Path) -> None:
    path = tmp_path / "alarm.json"
    alarm = Alarm(AlarmConfig(), path)
    alarm.arm("armed_away", None, "test")
    data = json.loads(path.read_text())
    assert data["version"] == 1 and data["state"] == "armed_away"
    assert [p.name for p in tmp_path.iterdir()] == ["alarm.json"]  # no temporary left over


def test_ill_typed_watches_keep_the_good_rows_and_never_reach_the_watch_loop(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "watches.json"
    good = {"id": "a1", "camera": "garden", "object": "car", "text": "t", "created": 1.0}
    path.write_text(json.dumps([good, {**good, "id": "b2", "camera": 7},
                                {**good, "id": "c3", "fired": "often"}]))
    with caplog.at_level(logging.ERROR):
        store = WatchStore(path)
    assert [w.id for w in store.all()] == ["a1"]
    assert len(broken(path)) == 1 and "1 watch(es)" in caplog.text
    assert store.update("a1", 0.9, 10.0) is not None  # fires, where a str+int crashed before


@pytest.mark.parametrize("damage", ["empty", "random bytes", "a list", "a directory",
                                    "deeply nested"])
def test_damaged_watch_list_starts_empty(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "watches.json"
    DAMAGE[damage](path)
    assert len(WatchStore(path)) == 0 and len(broken(path)) == 1


def test_json_depth_limit_refuses_without_recursing() -> None:
    assert json_depth_ok(b'{"a": [1, {"b": "[[[["}]}', limit=3)
    assert not json_depth_ok(b"[[[[1]]]]", limit=3)
    with pytest.raises(ValueError, match="deeper"):
        loads_bounded("[" * 1_000_000 + "]" * 1_000_000)


def filled_outbox(path: Path, n: int) -> None:
    outbox = Outbox(path, 10_000)
    outbox.append([OutboxMessage(f"t/{i}", b"x" * 3000) for i in range(n)])
    outbox.close()


def test_outbox_not_a_database_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    path.write_bytes(os.urandom(8192))
    outbox = Outbox(path, 100)
    assert outbox.depth() == 0 and outbox.salvaged == 0
    assert outbox.append([OutboxMessage("t", b"x")]) == 0
    outbox.close()
    assert len(broken(path)) == 1


def test_outbox_with_a_damaged_page_is_replaced_and_salvaged(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    filled_outbox(path, 200)
    size = path.stat().st_size
    with path.open("r+b") as fh:  # overwrite pages in the middle of the table
        fh.seek(size // 2)
        fh.write(os.urandom(8192))
    outbox = Outbox(path, 10_000)
    try:
        assert len(broken(path)) == 1
        assert 0 < outbox.salvaged < 200
        rows = outbox.peek(0, 1000)
        assert rows[0].topic == "t/0" and len(rows) == outbox.salvaged
    finally:
        outbox.close()


def event(event_id: str, start: float, seen: float, end: float | None) -> ObjectEvent:
    return ObjectEvent("update", event_id, "garden", "car", 0.7, 0.9, (1, 2, 3, 4), ("drive",),
                       start, end, None, False, seen)


def test_history_damaged_is_replaced_and_open_tracks_closed(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    history = SqliteHistory(path, 7)
    history.record([event("e1", 1.0, 2.0, None)])
    history.close()
    reopened = SqliteHistory(path, 7)
    assert reopened.recent()[0]["end"] == 2.0  # the track open at the stop is closed
    reopened.close()
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    fresh = SqliteHistory(path, 7)
    assert fresh.recent() == [] and fresh.problem is None and len(broken(path)) == 1
    fresh.record([event("e2", 3.0, 4.0, 4.0)])
    assert fresh.last_seen("car") == ("garden", 4.0)
    fresh.close()


def test_daemon_starts_and_serves_with_every_state_file_damaged(
        mosquitto: Mosquitto, tmp_path: Path) -> None:
    """The armed alarm stays armed, the daemon does not exit, every file is moved aside."""
    state = tmp_path / "state"
    state.mkdir()
    (state / "alarm.json").write_bytes(ARMED[:40])
    (state / "watches.json").write_text('[{"id": 1}]')
    (state / "outbox.sqlite").write_bytes(os.urandom(4096))
    (state / "vision_events.sqlite3").mkdir()  # a directory in its place
    config = make_config(state, mosquitto.port, alarm={"code": "1234"},
                         cameras=[{"name": "garden", "source": str(tmp_path / "none.avi")}])
    recorder = Recorder(mosquitto.port, [f"{BASE}/alarm/state", f"{BASE}/watches",
                                         f"{BASE}/status"])
    supervisor = Supervisor(config)

    async def body() -> None:
        await asyncio.to_thread(recorder.wait_topic, f"{BASE}/alarm/state")
        await asyncio.to_thread(recorder.wait_topic, f"{BASE}/watches")

    run_daemon(supervisor, body, recorder)
    assert recorder.on(f"{BASE}/alarm/state")[-1].payload == b"armed_home"
    assert json.loads(recorder.on(f"{BASE}/watches")[-1].payload) == []
    for name in ("alarm.json", "watches.json", "outbox.sqlite", "vision_events.sqlite3"):
        assert len(broken(state / name)) == 1, name
    with sqlite3.connect(state / "outbox.sqlite") as db:
        assert db.execute("PRAGMA quick_check").fetchone() == ("ok",)
