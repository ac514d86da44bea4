"""Vision fixtures: the real SSD, a config pointing at the shared models, analysed clips.

Imports of the package stay inside the fixtures: `test_runtime.py` also runs in a minimal
environment (NumPy < 2, tflite-runtime) without pydantic.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import DETECTOR, LABELS, MEDIA

if TYPE_CHECKING:
    from homewatch.config import Config
    from homewatch.vision.analysis import AnalysisResult
    from homewatch.vision.detectors import TFLiteSSD


def make_config(tmp: Path, **extra: object) -> Config:
    from homewatch.config import Config

    return Config.model_validate({"models": {"dir": DETECTOR.parent},
                                  "daemon": {"state_dir": tmp}, **extra})


@pytest.fixture(scope="session")
def ssd(shared_dir: Path) -> TFLiteSSD:
    from homewatch.vision.detectors import TFLiteSSD

    return TFLiteSSD(DETECTOR, LABELS, num_threads=2)


@pytest.fixture(scope="session")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return make_config(tmp_path_factory.mktemp("state"))


@pytest.fixture(scope="session")
def vtest(ssd: TFLiteSSD, config: Config) -> AnalysisResult:
    from homewatch.config.slices import vision_setup
    from homewatch.vision.analysis import analyze_media

    return analyze_media(MEDIA / "vtest.avi", vision_setup(config), detector=ssd)


@pytest.fixture(scope="session")
def tree(ssd: TFLiteSSD, config: Config) -> AnalysisResult:
    from homewatch.config.slices import vision_setup
    from homewatch.vision.analysis import analyze_media

    return analyze_media(MEDIA / "tree.avi", vision_setup(config), detector=ssd)
