"""Accuracy of any predictor on the project's evaluation sets (float, int8 or a baseline)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from homewatch.training.dataset import Arrays, Generator, generate, scene_questions, to_arrays
from homewatch.training.spoken import training_spoken
from homewatch.understanding.tokenizer import Vocabulary

# (tokens [N,T], vision [N,V]) -> probabilities per head, each [N, k]
BatchPredictor = Callable[[npt.NDArray[np.int32], npt.NDArray[np.float32]],
                          dict[str, npt.NDArray[np.float32]]]


@dataclass(frozen=True)
class EvalSets:
    clean: Arrays  # held-out paraphrase templates
    noisy: Arrays  # the same kind of sentences with synthetic recognizer noise
    scenes: Arrays  # presence questions over held-out scenes
    flicker: Arrays  # presence questions where the asked class only flickers


def eval_sets(seed: int, vocab: Vocabulary, seen: frozenset[str], holdout_templates: bool,
              *, per_intent: int = 150, scenes: int = 1500, flicker: int = 600,
              lm_spoken: bool = False) -> EvalSets:
    """Held-out sentences: never in the training set (`seen`), and with `holdout_templates`
    also from paraphrase templates the model was not trained on. `lm_spoken`: the noise
    learns from the lm-mode recognizer table too, as in training with that option."""
    part: Literal["all", "test"] = "test" if holdout_templates else "all"

    def gen(offset: int, noise: float = 0.0) -> Generator:
        return Generator(seed + offset, part, noise_p=noise, exclude=seen, spoken=spoken)

    spoken = training_spoken(lm_spoken)

    clean = generate(gen(101), per_intent)
    noisy = generate(gen(102, 1.0), per_intent)
    normal = scene_questions(gen(103), scenes, flicker=False)
    flickering = scene_questions(gen(104), flicker, flicker=True)
    return EvalSets(*(to_arrays(x, vocab) for x in (clean, noisy, normal, flickering)))


def accuracy(arrays: Arrays, out: dict[str, npt.NDArray[np.float32]]) -> dict[str, float]:
    metrics = {
        "intent_acc": float(np.mean(out["intent"].argmax(-1) == arrays.intent)),
        "object_acc": float(np.mean(out["object"].argmax(-1) == arrays.object)),
    }
    answer_mask = arrays.answer_w > 0
    if answer_mask.any():
        verdict = out["answer"].reshape(-1) >= 0.5
        metrics["answer_acc"] = float(np.mean(verdict[answer_mask] == (
            arrays.answer[answer_mask] >= 0.5)))
    count_mask = arrays.count_w > 0
    if count_mask.any():
        metrics["count_acc"] = float(np.mean(
            out["count"].argmax(-1)[count_mask] == arrays.count[count_mask]))
    return metrics


def evaluate(predict: BatchPredictor, sets: EvalSets) -> dict[str, dict[str, float]]:
    result: dict[str, dict[str, float]] = {}
    for name in ("clean", "noisy", "scenes", "flicker"):
        arrays: Arrays = getattr(sets, name)
        result[name] = {k: round(v, 4) for k, v in accuracy(
            arrays, predict(arrays.tokens, arrays.vision)).items()}
    return result
