"""Detectors: the HOG fallback and clear model errors."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from homewatch.core.errors import ModelError
from homewatch.models.resolver import ModelResolver
from homewatch.vision.config import DetectorConfig
from homewatch.vision.detectors import HOGPeople, TFLiteSSD, create_detector
from homewatch.vision.geometry import Box
from tests.conftest import DETECTOR, LABELS, MEDIA

# The two players, as OpenCV 4's own HOGDescriptor.detectMultiScale reports them.
BASKETBALL_PLAYERS = (Box(0, 40, 190, 474), Box(404, 191, 494, 372))


def test_hog_finds_the_basketball_players() -> None:
    image = cv2.imread(str(MEDIA / "basketball1.png"))
    people = [d for d in HOGPeople().detect(image) if d.score >= 0.5]
    for player in BASKETBALL_PLAYERS:
        assert any(d.box.iou(player) >= 0.5 for d in people), player


def test_hog_ignores_a_house_painting() -> None:
    image = cv2.imread(str(MEDIA / "home.jpg"))
    assert not [d for d in HOGPeople().detect(image) if d.score >= 0.7]


def test_auto_falls_back_to_hog_without_model(tmp_path: Path) -> None:
    detector = create_detector(DetectorConfig(), ModelResolver(tmp_path))
    assert isinstance(detector, HOGPeople)


def test_auto_uses_the_ssd_when_present() -> None:
    detector = create_detector(DetectorConfig(), ModelResolver(DETECTOR.parent))
    assert isinstance(detector, TFLiteSSD)


def test_catalog_names_resolve_in_the_models_dir() -> None:
    config = DetectorConfig(kind="tflite", model="ssd-mobilenet-v1", labels="coco-labels")
    detector = create_detector(config, ModelResolver(DETECTOR.parent))
    assert isinstance(detector, TFLiteSSD) and detector.labels[0] == "person"


def test_corrupt_model_is_a_clear_error(tmp_path: Path) -> None:
    corrupt = tmp_path / "ssd.tflite"
    whole = DETECTOR.read_bytes()
    for size in (5000, len(whole) // 2, len(whole) - 2000):  # truncated downloads
        corrupt.write_bytes(whole[:size])
        with pytest.raises(ModelError, match=r"damaged TFLite model.*ssd\.tflite"):
            TFLiteSSD(corrupt, LABELS)
    garbage = tmp_path / "garbage.tflite"
    garbage.write_bytes(b"<html>404 not found</html>")
    with pytest.raises(ModelError, match=r"not a TFLite model.*garbage\.tflite"):
        create_detector(DetectorConfig(model=str(garbage)), ModelResolver(tmp_path))


def test_explicit_tflite_without_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="model file not found"):
        create_detector(DetectorConfig(kind="tflite"), ModelResolver(tmp_path))


def test_missing_labels_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="labels file not found"):
        TFLiteSSD(DETECTOR, tmp_path / "labels.txt")
