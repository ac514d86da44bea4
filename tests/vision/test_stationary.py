"""A still object raises one event, is re-checked rarely, and does not re-alert."""

from __future__ import annotations

import cv2
import numpy as np

from homewatch.config import Config
from homewatch.vision.config import CameraConfig
from homewatch.vision.detectors import TFLiteSSD
from homewatch.vision.pipeline import CameraPipeline
from homewatch.vision.sources import Frame
from tests.conftest import MEDIA


def test_still_person_one_event_rare_rechecks(ssd: TFLiteSSD, config: Config) -> None:
    still = cv2.imread(str(MEDIA / "messi5.jpg"))
    covered = still.copy()
    covered[40:, 120:420] = (90, 90, 90)  # someone walks in front of the player
    rng = np.random.default_rng(5)
    camera = CameraConfig(name="garden", source="seam", detect_fps=5)
    pipeline = CameraPipeline(camera, config.vision, ssd)
    script = [still] * 150 + [covered] * 4 + [still] * 100  # 5 fps: 30 s, 0.8 s, 20 s
    kinds = []
    for index, image in enumerate(script):
        noisy = np.clip(image + rng.normal(0, 3.0, image.shape), 0, 255).astype(np.uint8)
        result = pipeline.process(Frame(noisy, index / 5, index))
        kinds += [(e.type, e.label) for e in result.events if e.label == "person"]
    assert kinds.count(("new", "person")) == 1
    assert ("end", "person") not in kinds
    track = next(t for t in pipeline.tracker.tracks if t.label == "person")
    assert pipeline.tracker.stationary(track)
    # 254 frames: a few looks to confirm the player, the occlusion, and one re-check every
    # 10 s without motion; not a detector call per frame.
    assert pipeline.stats.detector_runs <= 25



def test_objects_of_untracked_labels_do_not_keep_the_detector_busy(ssd: TFLiteSSD,
                                                                  config: Config) -> None:
    """A camera that tracks only cars keeps seeing the still player in messi5.jpg: a person
    there never confirms, so without motion it is re-checked rarely, not on every frame."""
    still = cv2.imread(str(MEDIA / "messi5.jpg"))
    rng = np.random.default_rng(7)
    camera = CameraConfig(name="drive", source="seam", detect_fps=5, track=["car"])
    pipeline = CameraPipeline(camera, config.vision, ssd)
    for index in range(100):  # 20 s at 5 fps
        noisy = np.clip(still + rng.normal(0, 3.0, still.shape), 0, 255).astype(np.uint8)
        pipeline.process(Frame(noisy, index / 5, index))
    assert any(t.label == "person" for t in pipeline.tracker.tracks)  # still seen
    assert pipeline.stats.detector_runs <= 10
