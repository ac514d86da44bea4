"""Object detectors behind one interface: a TFLite SSD, or OpenCV's HOG people detector."""

from __future__ import annotations

import logging
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from homewatch.core.errors import ModelError
from homewatch.models.resolver import ModelResolver
from homewatch.models.tflite import load_interpreter
from homewatch.vision.config import DetectorConfig
from homewatch.vision.geometry import Box
from homewatch.vision.hog import HOGPeopleModel
from homewatch.vision.sources import Image

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Detection:
    label: str
    score: float
    box: Box  # pixels of the full frame


class Detector(Protocol):
    name: str
    input_size: int  # side of the square the detector sees; crops smaller than this gain nothing

    def detect(self, image: Image) -> list[Detection]:
        """Objects in `image` (BGR), boxes in its pixel coordinates. Thread-safe."""


def load_labels(path: Path) -> list[str]:
    if not path.is_file():
        raise ModelError(f"labels file not found: {path}")
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]


class TFLiteSSD:
    """An SSD with TFLite's detection post-processing built in (boxes, classes, scores, count)."""

    def __init__(self, model: Path, labels: Path, num_threads: int = 2,
                 runtime: str | None = None) -> None:
        self.name = f"tflite:{model}"
        self._interpreter: Any = load_interpreter(model, num_threads, runtime)
        self.labels = load_labels(labels)
        self._lock = threading.Lock()
        inp = self._interpreter.get_input_details()[0]
        _, height, width, channels = (int(v) for v in inp["shape"])
        if channels != 3:
            raise ModelError(f"{model}: expected an RGB image input, got shape {inp['shape']}")
        self._input_index = inp["index"]
        self._input_dtype = inp["dtype"]
        self._input_size = (width, height)
        self.input_size = max(width, height)
        outputs = self._interpreter.get_output_details()
        if len(outputs) < 4:
            raise ModelError(f"{model}: expected SSD post-processed outputs "
                             "(boxes, classes, scores, count)")
        self._outputs = [o["index"] for o in outputs[:4]]

    def _input(self, image: Image) -> np.ndarray:
        resized = cv2.resize(image, self._input_size, interpolation=cv2.INTER_LINEAR)
        rgb = cv2.cvtColor(resized, cv2.COLOR_BGR2RGB)
        if self._input_dtype == np.float32:
            return (rgb.astype(np.float32)[None] - 127.5) / 127.5
        return rgb[None]

    def detect(self, image: Image) -> list[Detection]:
        tensor = self._input(image)
        with self._lock:
            self._interpreter.set_tensor(self._input_index, tensor)
            self._interpreter.invoke()
            boxes, classes, scores, count = (self._interpreter.get_tensor(i).copy()
                                             for i in self._outputs)
        h, w = image.shape[:2]
        found = []
        for i in range(int(count.reshape(-1)[0])):
            ymin, xmin, ymax, xmax = np.clip(boxes[0, i], 0.0, 1.0)
            box = Box(int(xmin * w), int(ymin * h), int(xmax * w), int(ymax * h))
            found.append(Detection(self._label(int(classes[0, i])), float(scores[0, i]), box))
        return found

    def _label(self, class_id: int) -> str:
        return self.labels[class_id] if 0 <= class_id < len(self.labels) else str(class_id)


class HOGPeople:
    """The Dalal–Triggs HOG people detector (see `hog.py`): no model file needed.

    The SVM margin is mapped to a 0..1 score with a logistic curve (margin 0 → 0.5), so the
    same filters apply as for the SSD. It finds upright people; unusual poses are missed.
    """

    name = "hog"
    input_size = 400

    def __init__(self, max_width: int = 640, pad: int = 16) -> None:
        self.max_width = max_width
        self.pad = pad  # lets windows reach past the border, for people cut by the frame
        self._model = HOGPeopleModel()

    def detect(self, image: Image) -> list[Detection]:
        h, w = image.shape[:2]
        scale = min(1.0, self.max_width / w)
        small = cv2.resize(image, (int(w * scale), int(h * scale))) if scale < 1 else image
        p = self.pad
        padded = cv2.copyMakeBorder(small, p, p, p, p, cv2.BORDER_REPLICATE)
        found = []
        for hit in self._model.detect(padded):
            box = Box(max(0, int((hit.x - p) / scale)), max(0, int((hit.y - p) / scale)),
                      min(w, int((hit.x - p + hit.w) / scale)),
                      min(h, int((hit.y - p + hit.h) / scale)))
            found.append(Detection("person", 1.0 / (1.0 + math.exp(-hit.margin)), box))
        return _suppress(found)


def _suppress(found: list[Detection], overlap: float = 0.3) -> list[Detection]:
    """Greedy non-maximum suppression (HOG reports one person at several scales)."""
    kept: list[Detection] = []
    for det in sorted(found, key=lambda d: d.score, reverse=True):
        if all(det.box.iou(k.box) < overlap for k in kept):
            kept.append(det)
    return kept


def create_detector(config: DetectorConfig, models: ModelResolver,
                    runtime: str | None = None) -> Detector:
    """The configured detector; with kind=auto, HOG when the model file is absent.

    `model` and `labels` are paths, file names found by the model resolver, or names from
    the `homewatch models` catalogue (e.g. `ssd-mobilenet-v1`).
    """
    if config.kind == "hog":
        return HOGPeople()
    model = models.find(config.model)
    if model is None and config.kind == "auto":
        models.fallback("detector model", config.model, "the built-in HOG people detector")
        return HOGPeople()
    model = model or models.require(config.model, "detector model file")
    # a missing labels file is reported by TFLiteSSD, after the model itself is checked
    labels = models.find(config.labels) or models.candidates(config.labels)[0]
    return TFLiteSSD(model, labels, config.num_threads, runtime)
