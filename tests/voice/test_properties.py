"""Properties of the resampler and the grammar that must hold for any input."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from homewatch.voice.audio import Resampler, resample
from homewatch.voice.grammar import CommandGrammar


@settings(max_examples=40, deadline=None)
@given(rate=st.sampled_from([8000, 11025, 22050, 44100, 48000]),
       cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=8),
       seed=st.integers(min_value=0, max_value=2**16))
def test_streaming_resampler_does_not_depend_on_block_boundaries(
        rate: int, cuts: list[int], seed: int) -> None:
    signal = np.random.default_rng(seed).integers(-20000, 20000, 4000, dtype=np.int16)
    whole = Resampler(rate).process(signal)
    resampler = Resampler(rate)
    edges = [0, *sorted(cuts), len(signal)]
    pieces = [resampler.process(signal[a:b]) for a, b in itertools.pairwise(edges)]
    assert np.array_equal(np.concatenate(pieces), whole)


@settings(max_examples=20, deadline=None)
@given(rate=st.sampled_from([8000, 22050, 44100, 48000]), freq=st.floats(200, 3000))
def test_resampling_keeps_a_speech_band_tone(rate: int, freq: float) -> None:
    t = np.arange(rate) / rate
    tone = (8000 * np.sin(2 * np.pi * freq * t)).astype(np.int16)
    out = resample(tone, rate).astype(np.float64)
    assert abs(len(out) - 16000) <= 1
    spectrum = np.abs(np.fft.rfft(out[1000:-1000]))
    peak = np.argmax(spectrum) * 16000 / (len(out) - 2000)
    assert abs(peak - freq) < 5
    assert 0.9 < np.sqrt(np.mean(out[1000:-1000] ** 2)) / (8000 / np.sqrt(2)) < 1.1


_GRAMMAR = CommandGrammar(places=["front door", "shed"], devices=["fan"],
                          wake_phrase="hey homewatch")


@settings(max_examples=60, deadline=None)
@given(index=st.integers(min_value=0), wake=st.booleans(),
       digits=st.lists(st.sampled_from(["one", "two", "nine", "zero"]), min_size=1, max_size=6))
def test_every_command_snaps_to_itself(index: int, wake: bool, digits: list[str]) -> None:
    phrase = _GRAMMAR.phrases[index % len(_GRAMMAR.phrases)]
    spoken = phrase.replace("<digit>", " ".join(digits))
    said = f"hey homewatch {spoken}" if wake else spoken
    snap = _GRAMMAR.snap(said)
    assert snap.snapped
    assert snap.text == said
