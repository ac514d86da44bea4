"""What the daemon talks to: each camera yields a frame, the microphone opens, the broker
accepts the configured TLS and credentials. Each probe runs on a thread with a deadline."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from homewatch.config import Config
from homewatch.core.native import NativeLibraryError, import_native
from homewatch.mqtt.client import probe
from homewatch.runtime.doctor.findings import Finding, fail, ok, skip
from homewatch.vision.config import CameraConfig
from homewatch.voice.audio import SAMPLE_RATE

T = TypeVar("T")
PROBE_TIMEOUT_S = 15.0
VIDEO_FIX = ("add the user to the video group (sudo usermod -aG video \"$USER\", then log in "
             "again); the service has it through SupplementaryGroups=video and DeviceAllow=")
AUDIO_FIX = ("`arecord -l` lists capture devices: set voice.source.device; add the user to "
             "the audio group (sudo usermod -aG audio \"$USER\"); the service has it through "
             "SupplementaryGroups=audio and DeviceAllow=")


class ProbeTimeout(Exception):
    pass


def with_deadline(work: Callable[[], T], seconds: float = PROBE_TIMEOUT_S) -> T:
    """`work()` on a daemon thread; ProbeTimeout when it takes longer (a hung device)."""
    result: list[T] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            result.append(work())
        except BaseException as exc:
            error.append(exc)

    thread = threading.Thread(target=run, name="doctor-probe", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise ProbeTimeout(f"no answer within {seconds:g} s")
    if error:
        raise error[0]
    return result[0]


def check_cameras(config: Config) -> list[Finding]:
    cameras = [c for c in config.cameras if c.enabled]
    if not cameras:
        return [skip("cameras", "none configured")]
    return [check_camera(c) for c in cameras]


def check_camera(camera: CameraConfig) -> Finding:
    from homewatch.vision.sources import OpenCVSource, is_device, is_stream  # OpenCV may not load

    name = f"camera {camera.name}"
    spec = camera.source
    node = Path(f"/dev/video{spec}" if spec.isdigit() else spec)
    if is_device(spec):
        if not node.exists():
            return fail(name, f"{node} does not exist", "is the camera plugged in and its "
                        "driver loaded? `v4l2-ctl --list-devices` lists cameras; set "
                        "the camera's source")
        if not os.access(node, os.R_OK | os.W_OK):
            return fail(name, f"{node}: permission denied", VIDEO_FIX)
    elif not is_stream(spec) and not node.is_file():
        return fail(name, f"video file {spec} does not exist", "set the camera's source")
    source = OpenCVSource(spec, width=camera.width, height=camera.height, fps=camera.fps)

    def first_frame() -> tuple[int, int] | None:
        source.open()
        try:
            frame = source.read()
            return None if frame is None else (frame.image.shape[1], frame.image.shape[0])
        finally:
            source.close()

    try:
        size = with_deadline(first_frame)
    except Exception as exc:
        fix = VIDEO_FIX if is_device(spec) else "check the URL or file, and the network"
        return fail(name, f"{spec}: {exc}", fix)
    if size is None:
        return fail(name, f"{spec} opened but gave no frame", "check the source")
    return ok(name, f"{spec}: {size[0]}x{size[1]} frame")


def check_microphone(config: Config) -> Finding:
    source = config.voice.source
    if not config.voice.enabled or source.type in ("none", "pcm"):
        return skip("microphone", "voice off or no microphone source")
    if source.type == "wav":
        assert source.path is not None  # the config requires it
        if source.path.is_file():
            return ok("microphone", f"WAV file {source.path}")
        return fail("microphone", f"{source.path} does not exist", "set voice.source.path")
    try:
        sd = import_native("sounddevice")
    except NativeLibraryError as exc:
        return fail("microphone", f"PortAudio cannot load: {exc.cause}", exc.fix)
    try:
        rate = with_deadline(lambda: _open_input(sd, source.device))
    except Exception as exc:
        return fail("microphone", f"{source.device or 'default'} input: {exc}", AUDIO_FIX)
    shown = "16 kHz" if rate == SAMPLE_RATE else f"{rate} Hz (resampled to 16 kHz)"
    return ok("microphone", f"{source.device or 'default'} input opens at {shown}")


def _open_input(sd: Any, device: str | int | None) -> int:
    try:
        sd.check_input_settings(device=device, channels=1, dtype="int16",
                                samplerate=SAMPLE_RATE)
        rate = SAMPLE_RATE
    except Exception:
        rate = int(sd.query_devices(device, "input")["default_samplerate"])
    with sd.InputStream(device=device, channels=1, dtype="int16", samplerate=rate) as stream:
        stream.read(rate // 10)
    return rate


def check_broker(config: Config) -> Finding:
    mqtt = config.mqtt
    if mqtt.embedded_broker.enabled:
        return skip("broker", "embedded broker: the daemon starts it")
    where = f"{mqtt.host}:{mqtt.port}" + (" (TLS)" if mqtt.tls.enabled else "")
    who = f" as {mqtt.username}" if mqtt.username else ""
    problem = probe(mqtt, config.node)
    if problem is None:
        return ok("broker", f"{where} accepts{who}")
    return fail("broker", f"{where}{who}: {problem}",
                "is the broker running and reachable (systemctl status mosquitto)? check "
                "mqtt.host/port, mqtt.tls and the mqtt_password credential")
