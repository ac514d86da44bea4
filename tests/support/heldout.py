"""The held-out sentence sets of `benchmarks/data`, and the check that templates do not
generate them (a sentence a template generates would be trained on)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from homewatch.language.match import SentenceMatcher, slot_patterns
from homewatch.language.names import HomeNames
from homewatch.training.dataset import split_templates
from homewatch.understanding.schema import DEVICE, PLACE
from tests.support.data import REPO

DATA = REPO / "benchmarks" / "data"
# The home the sets were written for.
HOME = HomeNames.of(("front_door", "back_door", "driveway", "garden", "kitchen", "backyard",
                     "garage", "living_room"), ("porch light", "kitchen light"))


def rows(path: Path) -> list[tuple[str, ...]]:
    """The tab-separated rows, without comments and blank lines."""
    return [tuple(line.split("\t")) for line in path.read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def training_templates() -> list[str]:
    return [t for items in split_templates("all").values() for t in items]


def matcher(templates: Iterable[str]) -> SentenceMatcher:
    """Says whether any of `templates` generates a sentence, with the home's names as slots."""
    return SentenceMatcher(list(templates),
                           slot_patterns(HOME, {"place": [PLACE], "device": [DEVICE]}))
