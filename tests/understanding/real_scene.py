"""Scene states from real detector output: the shared SSD run on the shared clips.

A compact stand-in for the vision subsystem's scene state (same fields, same meaning), so the
fusion model is tested on evidence a real detector produced, flickers included.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from homewatch.core.messages import SCENE_CLASSES, ClassStats, SceneSnapshot
from homewatch.models.tflite import load_interpreter
from tests.conftest import DETECTOR, LABELS

MIN_SCORE = 0.4  # a detection counts in a frame from this score on
CONFIRM_PRESENCE = 0.3  # a tracker confirms objects seen in at least this share of frames

Detections = list[tuple[str, float]]


def frames(path: Path, step: int, limit: int) -> Iterator[npt.NDArray[np.uint8]]:
    capture = cv2.VideoCapture(str(path))
    try:
        index = 0
        while limit > 0:
            ok, frame = capture.read()
            if not ok:
                return
            if index % step == 0:
                limit -= 1
                yield np.asarray(frame, dtype=np.uint8)
            index += 1
    finally:
        capture.release()


class Detector:
    def __init__(self) -> None:
        self.interpreter = load_interpreter(DETECTOR, num_threads=2)
        self.labels = LABELS.read_text().splitlines()
        self.input = self.interpreter.get_input_details()[0]["index"]
        self.outputs = [d["index"] for d in self.interpreter.get_output_details()]

    def __call__(self, frame: npt.NDArray[np.uint8]) -> Detections:
        rgb = cv2.cvtColor(cv2.resize(frame, (300, 300)), cv2.COLOR_BGR2RGB)
        self.interpreter.set_tensor(self.input, rgb[None, ...])
        self.interpreter.invoke()
        _, classes, scores, count = (self.interpreter.get_tensor(i) for i in self.outputs)
        return [(self.labels[int(classes[0, i])], float(scores[0, i]))
                for i in range(int(count[0])) if scores[0, i] >= MIN_SCORE]


def snapshot(camera: str, detections: list[Detections], lumas: list[float],
             moving: list[bool], ts: float) -> SceneSnapshot:
    classes: dict[str, ClassStats] = {}
    for label in SCENE_CLASSES:
        per_frame = [[s for lbl, s in frame if lbl == label] for frame in detections]
        seen = [scores for scores in per_frame if scores]
        if not seen:
            continue
        presence = len(seen) / len(per_frame)
        count = int(np.median([len(s) for s in seen])) if presence >= CONFIRM_PRESENCE else 0
        classes[label] = ClassStats(max_score=max(max(s) for s in seen),
                                    mean_score=float(np.mean([max(s) for s in seen])),
                                    presence=presence, count=count)
    return SceneSnapshot(camera=camera, ts=ts, window_s=float(len(detections)), classes=classes,
                         brightness=float(np.mean(lumas)), motion=float(np.mean(moving)),
                         last_seen={label: ts for label in classes if classes[label].count})


def scenes_of(path: Path, camera: str, *, step: int, window: int, limit: int,
              detector: Detector) -> list[SceneSnapshot]:
    """Sliding-window scene states over a clip (one per analysed frame once the window is full)."""
    detections: list[Detections] = []
    lumas: list[float] = []
    moving: list[bool] = []
    previous: npt.NDArray[np.float32] | None = None
    out: list[SceneSnapshot] = []
    for i, frame in enumerate(frames(path, step, limit)):
        gray = cv2.cvtColor(cv2.resize(frame, (160, 120)), cv2.COLOR_BGR2GRAY).astype(np.float32)
        moving.append(previous is not None and float(np.mean(np.abs(gray - previous))) > 2.0)
        previous = gray
        lumas.append(float(gray.mean()) / 255.0)
        detections.append(detector(frame))
        if len(detections) >= window:
            out.append(snapshot(camera, detections[-window:], lumas[-window:], moving[-window:],
                                ts=1_800_000_000.0 + i))
    return out
