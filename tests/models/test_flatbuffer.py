"""A truncated .tflite is refused before a runtime reads it (tflite-runtime would crash)."""

from __future__ import annotations

from pathlib import Path

import pytest

from homewatch.models.flatbuffer import Truncated, check_bounds
from tests.conftest import DETECTOR, REPO

FUSION = REPO / "homewatch" / "data" / "fusion.tflite"


@pytest.mark.parametrize("model", [FUSION, DETECTOR], ids=["fusion", "ssd"])
def test_whole_models_pass_and_cut_ones_fail(model: Path) -> None:
    data = model.read_bytes()
    check_bounds(data)
    for size in (12, 5000, len(data) // 3, len(data) // 2, len(data) * 9 // 10):
        with pytest.raises(Truncated, match="past the end of the file"):
            check_bounds(data[:size])


def test_bytes_after_the_flatbuffer_are_not_needed() -> None:
    data = DETECTOR.read_bytes()
    zip_trailer = data.rfind(b"PK\x01\x02")  # the label map appended to the SSD file
    assert zip_trailer > 0
    check_bounds(data[:zip_trailer])
