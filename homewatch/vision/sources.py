"""Frame sources: OpenCV devices, streams and files, read by a capture thread.

A source is pluggable: anything with `open()`, `read()` and `close()` works. A Raspberry Pi
CSI camera, which OpenCV cannot open, plugs in here as a class wrapping `picamera2.Picamera2`
(`capture_array()` in `read`), selected by a `picamera2:` source string in `open_source`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from homewatch.core.backoff import Backoff

log = logging.getLogger(__name__)

Image = np.ndarray
STREAM_TIMEOUT_MS = 5000


@dataclass(frozen=True, slots=True)
class Frame:
    image: Image  # BGR uint8, H×W×3
    ts: float  # unix time for live sources, seconds into the file for offline analysis
    index: int


class SourceError(Exception):
    """The source cannot be opened or stopped delivering frames."""


class FrameSource(Protocol):
    def open(self) -> None: ...

    def read(self) -> Frame | None:
        """The next frame; None at the end of a file; raises SourceError when lost."""

    def skip(self) -> bool:
        """Step over one frame as cheaply as the source allows; False at the end of a file."""

    def close(self) -> None: ...


def is_stream(spec: str) -> bool:
    return spec.split("://", 1)[0].lower() in {"rtsp", "rtsps", "http", "https", "rtmp", "udp"}


def is_device(spec: str) -> bool:
    return spec.isdigit() or spec.startswith("/dev/video")


class OpenCVSource:
    """A V4L2 device (index or /dev/videoN), an RTSP/HTTP stream, or a video file."""

    def __init__(self, spec: str, *, loop: bool = False, realtime: bool = False,
                 width: int | None = None, height: int | None = None,
                 fps: float | None = None, file_clock: bool = False) -> None:
        self.spec = spec
        self.loop = loop
        self.realtime = realtime
        self.size = (width, height)
        self.fps_request = fps
        # Offline analysis stamps frames with their position in the file, not the wall clock.
        self.file_clock = file_clock
        self.fps = 0.0
        self._cap: cv2.VideoCapture | None = None
        self._index = 0
        self._started = 0.0
        self._file_frame = 0

    @property
    def is_file(self) -> bool:
        return not (is_stream(self.spec) or is_device(self.spec))

    def open(self) -> None:
        if self.is_file and not Path(self.spec).is_file():
            raise SourceError(f"video file not found: {self.spec}")
        target: int | str = int(self.spec) if self.spec.isdigit() else self.spec
        cap = self._capture(target)
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"cannot open camera source {self.spec}")
        width, height = self.size
        if width:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height:
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        if self.fps_request:
            cap.set(cv2.CAP_PROP_FPS, self.fps_request)
        fps = cap.get(cv2.CAP_PROP_FPS)
        self.fps = fps if 0 < fps < 1000 else 0.0
        self._cap = cap
        self._started = time.monotonic()
        self._file_frame = 0

    def _capture(self, target: int | str) -> cv2.VideoCapture:
        if is_device(self.spec):
            return cv2.VideoCapture(target, cv2.CAP_V4L2)
        if is_stream(self.spec):
            # Without timeouts a dead stream blocks the capture thread for minutes.
            params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, STREAM_TIMEOUT_MS,
                      cv2.CAP_PROP_READ_TIMEOUT_MSEC, STREAM_TIMEOUT_MS]
            return cv2.VideoCapture(target, cv2.CAP_FFMPEG, params)
        return cv2.VideoCapture(target)

    def _advance(self) -> bool:
        """Grab the next frame (decoded but not converted); False at the end of a file."""
        if self._cap is None:
            raise SourceError("source not open")
        ok = self._cap.grab()
        if not ok and self.is_file and self.loop and self._file_frame > 0:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            self._started, self._file_frame = time.monotonic(), 0
            ok = self._cap.grab()
        if not ok:
            if self.is_file:
                return False
            raise SourceError(f"camera source {self.spec} stopped delivering frames")
        self._pace()
        self._file_frame += 1
        self._index += 1
        return True

    def read(self) -> Frame | None:
        if not self._advance():
            return None
        assert self._cap is not None
        ok, image = self._cap.retrieve()
        if not ok or image is None:
            if self.is_file:
                return None
            raise SourceError(f"camera source {self.spec} delivered an unreadable frame")
        index = self._index - 1
        return Frame(image, index / (self.fps or 25.0) if self.file_clock else time.time(), index)

    def skip(self) -> bool:
        """Step over one frame without converting it to an image (about half the cost of
        `read`); False at the end of a file."""
        return self._advance()

    def _pace(self) -> None:
        if not (self.realtime and self.is_file and self.fps):
            return
        due = self._started + self._file_frame / self.fps
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


StatusCallback = Callable[[bool], None]
FrameCallback = Callable[[Frame], None]


class CaptureThread:
    """Reads a source in its own thread; reopens a lost source with exponential backoff.

    `on_frame` gets every frame (it should be a latest-wins slot's `put`); `on_status`
    gets True when frames flow and False when the source is lost.
    """

    def __init__(self, name: str, source: FrameSource, on_frame: FrameCallback,
                 on_status: StatusCallback, *, interval: float = 0.0,
                 backoff_min: float = 1.0, backoff_max: float = 30.0) -> None:
        self.name = name
        self.source = source
        self.on_frame = on_frame
        self.on_status = on_status
        self.backoff = Backoff(backoff_min, backoff_max)
        self.interval = interval  # deliver at most one frame per interval (the detect fps)
        self._next_due = 0.0
        self.frames = 0
        self.reopens = 0
        self.finished = False  # a file source reached its end (no loop)
        self._online: bool | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"capture-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def alive(self) -> bool:
        return self._thread.is_alive() or self.finished

    def _run(self) -> None:
        last_error: str | None = None
        while not self._stop.is_set():
            delay = self.backoff.next()
            try:
                self.source.open()
                if self._pump():
                    self.backoff.reset()
                    last_error = None
            except SourceError as exc:
                # Once per distinct problem, not on every retry of a camera that stays down.
                level = logging.WARNING if str(exc) != last_error else logging.DEBUG
                log.log(level, "camera %s: %s; retrying (backoff up to %.0fs)", self.name, exc,
                        self.backoff.maximum)
                last_error = str(exc)
            finally:
                self.source.close()
            if self._stop.is_set():
                return
            self._set_online(False)
            if self.finished:
                return
            self.reopens += 1
            self._stop.wait(delay)

    def _set_online(self, online: bool) -> None:
        if self._online is not online:
            self._online = online
            self.on_status(online)

    def _pump(self) -> bool:
        """Deliver frames until stopped, the file ends or the source fails; True if any came."""
        delivered = False
        while not self._stop.is_set():
            if self._due():
                frame = self.source.read()
                if frame is None:
                    break
                self._set_online(True)
                self.on_frame(frame)
            elif not self.source.skip():
                break
            else:
                self._set_online(True)
            delivered = True
            self.frames += 1
        else:
            return delivered
        self.finished = True
        return delivered

    def _due(self) -> bool:
        """Whether the next frame is wanted; frames in between are skipped unconverted."""
        if self.interval <= 0:
            return True
        now = time.monotonic()
        # A quarter interval of slack: a frame arriving a little early still counts, so
        # camera jitter does not halve the analysed rate.
        if now < self._next_due - self.interval / 4:
            return False
        behind = now > self._next_due + self.interval
        self._next_due = (now if behind else self._next_due) + self.interval
        return True
