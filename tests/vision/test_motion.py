"""The motion gate on real frames: noise ignored, masks honoured, light switches recalibrate."""

from __future__ import annotations

import cv2
import numpy as np

from homewatch.vision.config import MotionConfig
from homewatch.vision.motion import MotionGate
from tests.conftest import MEDIA

RNG = np.random.default_rng(3)


def _noisy(image: np.ndarray) -> np.ndarray:
    return np.clip(image + RNG.normal(0, 4.0, image.shape), 0, 255).astype(np.uint8)


def _with_patch(image: np.ndarray, x: int, y: int) -> np.ndarray:
    out = _noisy(image)
    out[y:y + 60, x:x + 40] = (30, 200, 30)  # something that was not there
    return out


def test_noise_is_not_motion_but_an_object_is() -> None:
    still = cv2.imread(str(MEDIA / "home.jpg"))
    gate = MotionGate(MotionConfig())
    assert gate.update(_noisy(still)).recalibrated  # first frame sets the background
    assert not any(gate.update(_noisy(still)).detected for _ in range(20))
    result = gate.update(_with_patch(still, 300, 200))
    assert result.detected
    assert any(r.x1 <= 310 and r.x2 >= 330 and r.y1 <= 220 and r.y2 >= 250
               for r in result.regions)


def test_masked_area_is_ignored() -> None:
    still = cv2.imread(str(MEDIA / "home.jpg"))  # 512×384
    mask = ((0.5, 0.4), (0.8, 0.4), (0.8, 0.8), (0.5, 0.8))
    gate = MotionGate(MotionConfig(mask=(mask,)))
    gate.update(_noisy(still))
    assert not gate.update(_with_patch(still, 300, 180)).detected  # inside the mask
    assert gate.update(_with_patch(still, 40, 40)).detected


def test_lights_on_recalibrates_instead_of_motion() -> None:
    still = cv2.imread(str(MEDIA / "home.jpg"))
    bright = cv2.convertScaleAbs(still, alpha=1.0, beta=90)
    gate = MotionGate(MotionConfig())
    gate.update(_noisy(still))
    switched = gate.update(_noisy(bright))
    assert switched.recalibrated and not switched.detected
    assert switched.brightness > 0.5
    assert not any(gate.update(_noisy(bright)).detected for _ in range(10))
