"""A smoke run of the training pipeline: tiny data, one epoch, int8 export, runtime load."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from homewatch.language.templates import sample
from homewatch.training.dataset import Generator, generate
from homewatch.understanding.model import FusionModel
from homewatch.understanding.schema import INTENTS

HAS_TF = importlib.util.find_spec("tensorflow") is not None


@pytest.mark.train
@pytest.mark.slow
@pytest.mark.skipif(not HAS_TF, reason="TensorFlow not installed (pip install 'homewatch[train]')")
def test_smoke_training_produces_a_runnable_int8_model(tmp_path: Path) -> None:
    from homewatch.training.train import TrainOptions, train

    metrics = train(TrainOptions.smoke_run(tmp_path))
    assert metrics["size_bytes"] < 500_000
    meta = json.loads((tmp_path / "fusion.json").read_text())
    assert meta["inputs"]["vision"]["dtype"] == "int8"
    model = FusionModel.load(tmp_path / "fusion.tflite")
    pred = model.predict(model.encode("is anyone at the <place>"),
                         np.zeros(model.spec.size, np.float32))
    assert pred.intent in INTENTS
    assert 0.0 <= pred.answer_p <= 1.0


def test_data_generation_is_reproducible() -> None:
    first = [(e.text, e.intent) for e in generate(Generator(7, noise_p=0.5), 5)]
    second = [(e.text, e.intent) for e in generate(Generator(7, noise_p=0.5), 5)]
    assert first == second
    assert {i for _, i in first} == set(INTENTS)


def test_flicker_scenes_never_hold_the_asked_object() -> None:
    gen = Generator(3)
    for _ in range(50):
        example = gen.example("ask_presence", "flicker", "dog")
        assert example.answer == 0.0
        assert not example.scene.counts
        if example.object != "none":  # "is there anything" asks about no one class
            assert example.object in example.scene.flickers


def test_template_grammar() -> None:
    import random

    rng = random.Random(0)
    seen = {sample("(a|b) [c] {x}(d|e)?", rng, lambda s: s.upper()) for _ in range(200)}
    assert seen >= {"a X", "b c X", "a c Xd", "b Xe"}
    with pytest.raises(ValueError):
        sample("(a|b", rng, str)


def test_recognizer_noise_never_comes_from_the_evaluation_recordings() -> None:
    from homewatch.training.asr import load_fixture
    from homewatch.training.spoken import LM_TABLE, VALIDATION, load_spoken, training_spoken

    evaluation = {row.reference for row in load_fixture()}
    trained = training_spoken()
    held_back = load_spoken(VALIDATION)
    assert len(trained) > 800 and len(held_back) > 200
    if LM_TABLE.is_file():  # heard in lm mode, by voices the spoken benchmark does not use
        assert len(trained) > 1600
        assert not {"en-us", "en-us+m3", "en-gb+f2", "en-us+m7"} & {
            row.voice.split(":")[0] for row in load_spoken(LM_TABLE)}
    assert not evaluation & {row.reference for row in trained}
    assert not evaluation & {row.reference for row in held_back}
    assert not {r.reference for r in trained} & {r.reference for r in held_back}


def test_phonetic_neighbours_are_sound_alikes() -> None:
    from homewatch.training.phonetic import load_neighbors

    table = load_neighbors()
    assert "like" in table["light"]
    assert "war" in table["door"]
    assert "kitchen" not in table["light"]


def test_heavily_garbled_training_sentences_are_labelled_unknown() -> None:
    gen = Generator(11, noise_p=1.0, garble_p=1.0, garble_kept=0.3, spoken=())
    examples = generate(gen, 20)
    garbled = [e for e in examples if e.intent == "unknown"]
    assert len(garbled) > 20 * 1.5  # far more than the 20 out-of-domain sentences
