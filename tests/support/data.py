"""Where the tests find their real media, audio and models.

Test data lives beside the checkout (`../shared`, or `$HOMEWATCH_SHARED`). The detector is
found through the product's own model resolver: the shared copy, else the test cache, where
`homewatch models pull` fetches it with its checksum when it is missing. Whatever cannot be
found stops the run at once with one line saying what is missing and how to get it.

Imports stay light (no pydantic): the legacy-runtime test runs in a minimal environment.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("HOMEWATCH_SHARED", REPO.parent / "shared"))
MEDIA = SHARED / "media"
AUDIO = SHARED / "audio" / "commands"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "homewatch" / "models"
DETECTOR_NAME = "ssd_mobilenet_v1_coco_quant.tflite"
LABELS_NAME = "coco_labels.txt"


def _model_file(name: str) -> Path:
    """The shared or cached copy, or where the cache will hold it once pulled."""
    from homewatch.models.resolver import ModelResolver

    return ModelResolver(CACHE, extra_dirs=(SHARED / "models",)).find(name) or CACHE / name


DETECTOR = _model_file(DETECTOR_NAME)
LABELS = _model_file(LABELS_NAME)


def missing_test_data() -> str | None:
    """One line naming what is missing and how to get it, or None when all is there."""
    if not MEDIA.is_dir() or not AUDIO.is_dir():
        return (f"test data not found: {SHARED} has no media/ and audio/commands/; put the "
                "shared folder beside the checkout or set HOMEWATCH_SHARED=/path/to/shared")
    if DETECTOR.is_file() and LABELS.is_file():
        return None
    return _pull_detector()


def _pull_detector() -> str | None:
    from homewatch.core.errors import HomewatchError
    from homewatch.models.catalog import pull

    try:
        pull("ssd-mobilenet-v1", CACHE)
    except HomewatchError as exc:
        return (f"detector model not found in {SHARED / 'models'} or {CACHE}, and "
                f"`homewatch models pull ssd-mobilenet-v1 --dir {CACHE}` failed: {exc}")
    return None
