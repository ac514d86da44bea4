"""An MJPEG-over-HTTP camera on loopback, fed by a real video file (the camera seam)."""

from __future__ import annotations

import contextlib
import http.server
import threading
import time
from pathlib import Path

import cv2

BOUNDARY = "homewatchframe"


def load_jpegs(video: Path, count: int = 20, width: int = 320) -> list[bytes]:
    cap = cv2.VideoCapture(str(video))
    frames = []
    while len(frames) < count:
        ok, image = cap.read()
        if not ok:
            break
        h, w = image.shape[:2]
        small = cv2.resize(image, (width, round(h * width / w)))
        frames.append(cv2.imencode(".jpg", small)[1].tobytes())
    cap.release()
    return frames


class MjpegCamera:
    """Serves `multipart/x-mixed-replace` JPEG frames until stopped; can be restarted."""

    def __init__(self, frames: list[bytes], fps: float = 10.0, port: int = 0) -> None:
        self.frames = frames
        self.fps = fps
        self.port = port
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/stream.mjpg"

    def start(self) -> None:
        camera = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type",
                                 f"multipart/x-mixed-replace; boundary={BOUNDARY}")
                self.end_headers()
                index = 0
                with contextlib.suppress(OSError):
                    while not camera._stop.is_set():
                        jpeg = camera.frames[index % len(camera.frames)]
                        self.wfile.write(f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                                         f"Content-Length: {len(jpeg)}\r\n\r\n".encode())
                        self.wfile.write(jpeg + b"\r\n")
                        self.wfile.flush()
                        index += 1
                        time.sleep(1 / camera.fps)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._stop.clear()
        server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
