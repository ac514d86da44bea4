"""Hostile or broken input is refused early and cheaply: oversized MQTT payloads never reach
the daemon's memory (MQTT 5), deeply nested JSON gets an error reply and one log line, WAV
files are streamed, and a bad voice source is retried while the cameras keep working."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import signal
import subprocess
import tracemalloc
import wave
from pathlib import Path

import numpy as np
import pytest
import yaml

from homewatch.runtime.daemon import Supervisor
from homewatch.voice.audio import wav_chunks
from tests.conftest import AUDIO, MEDIA
from tests.foundation.test_daemon import start_daemon
from tests.support.broker import Mosquitto
from tests.support.config import make_config
from tests.support.daemon import run_daemon
from tests.support.mqtt import Recorder

BASE = "homewatch/testnode"


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.mark.skipif(shutil.which("mosquitto_pub") is None, reason="needs mosquitto_pub")
def test_a_100_mb_publish_never_reaches_the_daemon(mosquitto: Mosquitto,
                                                   tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({
        "node": {"id": "testnode"},
        "mqtt": {"host": "127.0.0.1", "port": mosquitto.port, "protocol": "5"},
        "daemon": {"state_dir": str(tmp_path / "state"), "drain_timeout_s": 5}}))
    big = tmp_path / "big"
    with big.open("wb") as fh:
        fh.truncate(100 * 1024 * 1024)
    recorder = Recorder(mosquitto.port, [f"{BASE}/status", f"{BASE}/voice/reply",
                                         f"{BASE}/error"])
    proc = start_daemon(config)
    try:
        recorder.wait_for(lambda ms: any(m.payload == b"online" for m in ms), timeout=60)
        before = peak_rss_mb(proc.pid)
        subprocess.run(["mosquitto_pub", "-p", str(mosquitto.port), "-q", "1",
                        "-t", f"{BASE}/ask", "-f", str(big)], check=True, timeout=120)
        recorder.publish(f"{BASE}/ask", "what is the status")  # queued behind the big one
        recorder.wait_topic(f"{BASE}/voice/reply", timeout=60)
        after = peak_rss_mb(proc.pid)
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
        recorder.close()
    assert after - before < 20, (before, after)  # the 100 MB never arrived


def test_deeply_nested_json_gets_an_error_reply_and_one_log_line(
        mosquitto: Mosquitto, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder(mosquitto.port, [f"{BASE}/error"])
    supervisor = Supervisor(make_config(tmp_path, mosquitto.port))
    nested = '{"action": ' + "[" * 20_000 + "]" * 20_000 + "}"  # under the size limit

    async def body() -> None:
        await asyncio.to_thread(recorder.wait_for, lambda ms: supervisor.link.connected)
        for _ in range(20):
            recorder.publish(f"{BASE}/alarm/set", nested)
        await asyncio.to_thread(recorder.wait_topic, f"{BASE}/error", 20)

    with caplog.at_level(logging.WARNING):
        run_daemon(supervisor, body, recorder)
    errors = [json.loads(m.payload) for m in recorder.on(f"{BASE}/error")]
    assert {e["code"] for e in errors} == {"bad_payload"}
    assert "Traceback" not in caplog.text
    rejected = [r for r in caplog.records if "rejected command" in r.getMessage()]
    assert len(rejected) == 1


def write_wav(path: Path, seconds: float, rate: int = 44100, channels: int = 2,
              width: int = 2) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        block = (np.random.default_rng(0).integers(-3000, 3000, rate * channels)
                 .astype("<i2").tobytes())[: rate * channels * width]
        for _ in range(int(seconds)):
            wav.writeframes(block)
    return path


def test_long_wav_is_streamed_in_bounded_memory(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "long.wav", 300)  # 5 min of 44.1 kHz stereo: 53 MB
    tracemalloc.start()
    try:
        samples = sum(len(chunk) for chunk in wav_chunks(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert abs(samples - 300 * 16000) <= 2
    assert peak < 8 * 1024 * 1024, peak / 1e6  # a few chunks, not the file


@pytest.mark.parametrize("bad", ["8-bit", "not a wav"])
def test_bad_voice_source_is_retried_and_cameras_keep_working(
        mosquitto: Mosquitto, tmp_path: Path, bad: str) -> None:
    mic = tmp_path / "mic.wav"
    if bad == "8-bit":
        write_wav(mic, 1, rate=16000, channels=1, width=1)
    else:
        mic.write_bytes(b"RIFF????WAVEjunk" * 64)
    config = make_config(
        tmp_path, mosquitto.port, daemon={"stats_interval_s": 1},
        cameras=[{"name": "front_door", "source": str(MEDIA / "vtest.avi"), "loop": True,
                  "detect_fps": 2}],
        voice={"enabled": True, "activation": {"mode": "always"},
               "source": {"type": "wav", "path": str(mic), "retry_s": 0.5}})
    recorder = Recorder(mosquitto.port, [f"{BASE}/stats", f"{BASE}/voice/transcript",
                                         f"{BASE}/front_door/status"])
    supervisor = Supervisor(config)

    def stats() -> dict[str, object]:
        got = recorder.on(f"{BASE}/stats")
        return json.loads(got[-1].payload) if got else {}  # type: ignore[no-any-return]

    async def body() -> None:
        await asyncio.to_thread(recorder.wait_for, lambda ms: "audio error" in str(
            stats().get("problem")))
        await asyncio.to_thread(recorder.wait_for, lambda ms: any(
            m.topic.endswith("front_door/status") and m.payload == b"online" for m in ms))
        shutil.copy(AUDIO / "c08_piper.wav", mic)  # the file is fixed: picked up again
        await asyncio.to_thread(recorder.wait_topic, f"{BASE}/voice/transcript", 1, 60)

    run_daemon(supervisor, body, recorder)
    transcript = json.loads(recorder.on(f"{BASE}/voice/transcript")[0].payload)
    assert transcript["text"] == "arm the system"
