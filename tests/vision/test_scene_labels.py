"""The scene state tells the dialog which labels its camera tracks (real detector, vtest)."""

from __future__ import annotations

import cv2

from homewatch.vision.config import CameraConfig, VisionConfig
from homewatch.vision.detectors import TFLiteSSD
from homewatch.vision.pipeline import CameraPipeline
from homewatch.vision.sources import Frame
from tests.conftest import MEDIA


def test_scene_snapshot_carries_the_tracked_labels(ssd: TFLiteSSD) -> None:
    camera = CameraConfig(name="plaza", source=str(MEDIA / "vtest.avi"), track=("person",))
    pipeline = CameraPipeline(camera, VisionConfig(), ssd)
    capture = cv2.VideoCapture(str(MEDIA / "vtest.avi"))
    try:
        for index in range(10):
            ok, image = capture.read()
            assert ok
            pipeline.process(Frame(image, index / 10.0, index))
    finally:
        capture.release()
    snapshot = pipeline.scene.snapshot()
    assert snapshot is not None
    assert snapshot.tracked == frozenset({"person"})
    assert snapshot.reports("person") and not snapshot.reports("car")
    assert snapshot.stats("person").max_score > 0.5  # the model still sees every class
