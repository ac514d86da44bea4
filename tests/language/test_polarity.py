"""Emptiness and negation: which way round a presence question asks."""

from __future__ import annotations

import pytest

from homewatch.language.polarity import polarity


@pytest.mark.parametrize("text", [
    "is the back yard empty", "nobody in the kitchen, right?", "is it clear outside",
    "no one at the front door?", "are there no dogs in the garden", "is the garage deserted",
    "is there nothing in the driveway", "has everyone left", "isn't anyone home?",
])
def test_negative(text: str) -> None:
    assert polarity(text) == "neg"


@pytest.mark.parametrize("text", [
    "is anyone home", "is there a dog in the garden", "any sign of a cat", "is someone outside",
    "how many people are there", "no more alerts", "is the back yard lit",
])
def test_positive(text: str) -> None:
    assert polarity(text) == "pos"
