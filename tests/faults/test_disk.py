"""A full or read-only state directory degrades the daemon, never stops it: events go out from
a bounded memory queue, history pauses, `problem` says so, and all resumes when space returns.

Needs a small tmpfs, so root (CAP_SYS_ADMIN); skipped otherwise."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from homewatch.config.slices import mqtt_link
from homewatch.mqtt.feed import DISK_RETRY_S
from homewatch.mqtt.link import MqttLink
from homewatch.runtime.daemon import Supervisor
from homewatch.understanding.service import DialogService
from homewatch.vision.events import ObjectEvent
from homewatch.vision.history import SqliteHistory
from tests.foundation.test_link import with_link
from tests.support.broker import Mosquitto
from tests.support.config import make_config
from tests.support.daemon import run_daemon
from tests.support.mqtt import Recorder
from tests.support.waiting import eventually

BASE = "homewatch/testnode"


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "fs"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a full or read-only state directory needs a tmpfs mount: run as root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(fs: Path) -> Path:
    filler = fs / "filler"
    with filler.open("wb") as fh, contextlib.suppress(OSError):
        while True:
            fh.write(b"\0" * 65536)
            fh.flush()
    with contextlib.suppress(OSError), filler.open("ab") as fh:  # the last partial block
        for _ in range(4096):
            fh.write(b"\0" * 512)
            fh.flush()
    with pytest.raises(OSError) as exc, (fs / "probe").open("wb") as fh:
        fh.write(b"\0" * 65536)
        fh.flush()
        os.fsync(fh.fileno())
    assert exc.value.errno == errno.ENOSPC
    return filler


def remount(fs: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(fs)], check=True)


def events(recorder: Recorder) -> list[int]:
    return [json.loads(m.payload)["n"] for m in recorder.on(f"{BASE}/events")]


@pytest.mark.parametrize("trouble", ["full", "read-only"])
def test_outbox_falls_back_to_memory_and_resumes(mosquitto: Mosquitto, small_fs: Path,
                                                 trouble: str) -> None:
    """Full: the disk fills while the daemon runs. Read-only: it is read-only from the start
    (a file system cannot be made read-only under an open database)."""
    config = make_config(small_fs / "state", mosquitto.port)
    (small_fs / "state").mkdir()
    recorder = Recorder(mosquitto.port, [f"{BASE}/events"])
    blob = "x" * 20_000  # enough to need new disk blocks for the outbox
    if trouble == "read-only":
        remount(small_fs, "ro")

    async def body(link: MqttLink) -> None:
        await eventually(lambda: link.connected)
        link.publish_event("events", {"n": 0})
        await asyncio.to_thread(recorder.wait_topic, f"{BASE}/events", 1)
        filler = fill(small_fs) if trouble == "full" else None
        for n in range(1, 101):
            link.publish_event("events", {"n": n, "blob": blob})
        await eventually(lambda: link.stats()["problem"] is not None)
        await asyncio.to_thread(recorder.wait_topic, f"{BASE}/events", 101)
        assert "outbox" in str(link.stats()["problem"])
        if filler is not None:
            filler.unlink()
        else:
            remount(small_fs, "rw")
        await eventually(lambda: link.stats()["problem"] is None, timeout=DISK_RETRY_S * 3)
        link.publish_event("events", {"n": 101})
        await asyncio.to_thread(recorder.wait_topic, f"{BASE}/events", 102)
        await eventually(lambda: link.stats()["outbox_depth"] == 0)

    with_link(mqtt_link(config), body)
    recorder.close()
    assert events(recorder) == list(range(102))  # nothing lost, in order


def test_history_pauses_on_a_full_disk_and_resumes(small_fs: Path) -> None:
    history = SqliteHistory(small_fs / "history.sqlite3", 7)
    zones = tuple(f"zone{i}" * 50 for i in range(40))

    def event(n: int) -> ObjectEvent:
        return ObjectEvent("update", f"e{n}", "garden", "car", 0.7, 0.9, (1, 2, 3, 4), zones,
                           n, None, None, False, n + 1.0)

    history.record([event(0)])
    filler = fill(small_fs)
    for n in range(1, 200):
        history.record([event(n)])
        if history.problem is not None:
            break
    assert history.problem is not None and history.dropped > 0
    assert history.last_seen("car") is not None  # what was recorded is still answered
    filler.unlink()
    history.record([event(500)])
    assert history.problem is None and history.last_seen("car") == ("garden", 501.0)
    history.close()


def test_daemon_runs_on_a_full_state_directory(mosquitto: Mosquitto, small_fs: Path) -> None:
    fill(small_fs)
    config = make_config(small_fs / "state", mosquitto.port, daemon={"stats_interval_s": 1},
                         alarm={"code": "1234"})
    recorder = Recorder(mosquitto.port, [f"{BASE}/#"])
    supervisor = Supervisor(config)

    def problem() -> str | None:
        stats = recorder.on(f"{BASE}/stats")
        return json.loads(stats[-1].payload)["problem"] if stats else None

    async def body() -> None:
        await asyncio.to_thread(recorder.wait_for, lambda ms: problem() is not None)
        recorder.publish(f"{BASE}/alarm/set", "ARM_AWAY")
        await asyncio.to_thread(recorder.wait_for, lambda ms: any(
            m.topic == f"{BASE}/alarm/state" and m.payload == b"armed_away" for m in ms))
        recorder.publish(f"{BASE}/ask", "what is the status")
        await asyncio.to_thread(recorder.wait_topic, f"{BASE}/voice/reply")
        await asyncio.to_thread(recorder.wait_for, lambda ms: "alarm" in (problem() or ""))

    run_daemon(supervisor, body, recorder)
    text = problem() or ""
    assert "outbox" in text and "alarm" in text, text


def test_alarm_state_saved_once_space_returns(mosquitto: Mosquitto, small_fs: Path) -> None:
    state = small_fs / "state"
    config = make_config(state, mosquitto.port, alarm={"code": "1234"},
                         understanding={"watch_interval_s": 0.2})
    recorder = Recorder(mosquitto.port, [f"{BASE}/alarm/state"])
    supervisor = Supervisor(config)
    [dialog] = [s for s in supervisor.services if isinstance(s, DialogService)]

    async def body() -> None:
        await asyncio.to_thread(recorder.wait_topic, f"{BASE}/alarm/state")
        filler = fill(small_fs)
        recorder.publish(f"{BASE}/alarm/set", "ARM_HOME")
        await eventually(lambda: dialog.problem() is not None)
        filler.unlink()
        await eventually(lambda: dialog.problem() is None)

    run_daemon(supervisor, body, recorder)
    assert json.loads((state / "alarm.json").read_text())["state"] == "armed_home"
