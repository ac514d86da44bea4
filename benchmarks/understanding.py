"""Fusion model vs a keyword-rule baseline, measured in one run.

Prints intent/object accuracy on clean held-out sentences, synthetic-noise sentences and the
real pocketsphinx transcripts of the shared commands; answer accuracy on normal and
flicker-only scenes; whole-home questions (scope, polarity, period, where/summary intents,
answers over generated multi-camera homes); time per query; model size.

    python benchmarks/understanding.py [--model models/fusion.tflite] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import home_questions
from benchmarks.home_questions import HOME_QUESTIONS
from homewatch.language.words import DEVICES as DEVICE_WORDS
from homewatch.training import baseline
from homewatch.training.asr import load_fixture
from homewatch.training.dataset import (
    Arrays,
    Generator,
    generate,
    to_arrays,
    training_generator,
)
from homewatch.training.evaluate import accuracy, eval_sets
from homewatch.training.spoken import VALIDATION, kept, load_spoken
from homewatch.training.train import tflite_predictor
from homewatch.understanding.config import UnderstandingConfig
from homewatch.understanding.features import FeatureSpec
from homewatch.understanding.gazetteer import Gazetteer
from homewatch.understanding.model import PACKAGED, FusionModel

CAMERAS = ["front_door", "back_door", "garden", "living_room", "driveway", "kitchen",
           "backyard", "garage"]
DEVICES = {"devices": [{"name": "porch light"}, {"name": "kitchen light"}]}


def real_transcripts(model: FusionModel, gazetteer: Gazetteer, column: str) -> Arrays:
    """The shared spoken commands as pocketsphinx heard them (or their reference text)."""
    rows = load_fixture()
    gen = Generator(0)
    examples = [gen.example(row.intent, obj=None if row.object == "none" else row.object)
                for row in rows]
    arrays = to_arrays(examples, model.vocab)
    texts = [gazetteer.find(getattr(row, column)).text for row in rows]
    arrays.tokens = np.stack([model.encode(t) for t in texts])
    arrays.intent = np.array([model.intents.index(r.intent) for r in rows], np.int32)
    arrays.object = np.array([model.objects.index(r.object) for r in rows], np.int32)
    arrays.answer_w[:] = 0
    arrays.count_w[:] = 0
    arrays.texts = texts
    return arrays


def wrong_actions(texts: list[str], truth: list[str], model: FusionModel,
                  min_confidence: float) -> tuple[float, float]:
    """Share of transcripts where the system would act on a wrong intent (instead of acting
    right or saying it didn't catch that): (fusion, baseline)."""
    ours = theirs = 0
    for text, want in zip(texts, truth, strict=True):
        pred = model.predict(model.encode(text), np.zeros(model.spec.size, np.float32))
        acted = pred.intent != "unknown" and pred.intent_conf >= min_confidence
        ours += acted and pred.intent != want
        guess = baseline.intent_of(text.lower())
        theirs += guess not in ("unknown", want)
    return ours / len(texts), theirs / len(texts)


def unseen_spoken(model: FusionModel, min_confidence: float) -> dict[str, dict[str, float]]:
    """Our own held-back sentences spoken by espeak-ng voices and heard by pocketsphinx (never
    trained on): intent accuracy on all of them and on those where at least 30 % of the words
    survived, and how often the system would act on a wrong intent."""
    devices = {"devices": [{"name": name} for name in DEVICE_WORDS]}
    gazetteer = Gazetteer.from_config(UnderstandingConfig.model_validate(devices), CAMERAS)
    rows = load_spoken(VALIDATION)
    texts = [gazetteer.find(r.pocketsphinx).text for r in rows]
    truth = [r.intent for r in rows]
    legible = [kept(r.reference, r.pocketsphinx) >= 0.3 for r in rows]
    zeros = np.zeros(model.spec.size, np.float32)
    preds = [model.predict(model.encode(t), zeros) for t in texts]
    ours = [p.intent for p in preds]
    theirs = [baseline.intent_of(t.lower()) for t in texts]

    def rates(guesses: list[str], acted: list[bool]) -> dict[str, float]:
        right = [g == w for g, w in zip(guesses, truth, strict=True)]
        wrong = [a and g not in ("unknown", w) for a, g, w in zip(acted, guesses, truth,
                                                                  strict=True)]
        return {"intent_acc": float(np.mean(right)),
                "intent_acc_legible": float(np.mean([r for r, ok in zip(right, legible,
                                                                       strict=True) if ok])),
                "wrong_action_rate": float(np.mean(wrong))}
    return {"fusion": rates(ours, [p.intent_conf >= min_confidence for p in preds]),
            "baseline": rates(theirs, [True] * len(theirs)), "n": {"all": len(rows),
                                                                   "legible": sum(legible)}}


def timing(model: FusionModel, gazetteer: Gazetteer, sets: Arrays, n: int = 2000
           ) -> dict[str, float]:
    texts = sets.texts
    vision = sets.vision
    model.raw(model.encode(texts[0]), vision[0])  # warm up
    model_ms, full_ms, base_ms = [], [], []
    for i in range(n):
        text, vec = texts[i % len(texts)], vision[i % len(vision)]
        t0 = time.perf_counter()
        tokens = model.encode(gazetteer.find(text).text)
        t1 = time.perf_counter()
        model.predict(tokens, vec)
        t2 = time.perf_counter()
        baseline.predict([text], vec[None, :])
        t3 = time.perf_counter()
        model_ms.append((t2 - t1) * 1e3)
        full_ms.append((t2 - t0) * 1e3)
        base_ms.append((t3 - t2) * 1e3)
    q = statistics.quantiles
    return {"model_ms_median": statistics.median(model_ms),
            "model_ms_p99": q(model_ms, n=100)[98],
            "with_gazetteer_ms_median": statistics.median(full_ms),
            "baseline_ms_median": statistics.median(base_ms)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=PACKAGED)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--home-questions", type=Path, default=HOME_QUESTIONS,
                        help="whole-home questions (scope, polarity, period, where, summary)")
    args = parser.parse_args()
    model = FusionModel.load(args.model)
    training = model.meta["training"]
    seen = frozenset(e.text for e in generate(
        training_generator(training), training["per_intent"], oversample=True))
    sets = eval_sets(training["seed"], model.vocab, seen, False,
                     lm_spoken=training.get("lm_spoken", False))
    gazetteer = Gazetteer.from_config(UnderstandingConfig.model_validate(DEVICES), CAMERAS)
    suites: dict[str, Arrays] = {
        "clean (held-out sentences)": sets.clean, "noisy (synthetic ASR noise)": sets.noisy,
        "real pocketsphinx transcripts": real_transcripts(model, gazetteer, "pocketsphinx"),
        "scenes (presence questions)": sets.scenes, "flicker-only scenes": sets.flicker}
    fused = tflite_predictor(model)
    spec = FeatureSpec.from_json(model.meta["features"])
    result: dict[str, Any] = {}
    print(f"{'suite':32} {'metric':11} {'fusion':>7} {'baseline':>9} {'n':>6}")
    for name, arrays in suites.items():
        ours = accuracy(arrays, fused(arrays.tokens, arrays.vision))
        theirs = accuracy(arrays, baseline.predict(arrays.texts, arrays.vision, spec))
        result[name] = {"fusion": ours, "baseline": theirs, "n": len(arrays.texts)}
        for metric in ("intent_acc", "object_acc", "answer_acc"):
            if metric in ours and (metric != "answer_acc" or arrays.answer_w.any()):
                print(f"{name:32} {metric:11} {ours[metric]:7.3f} {theirs[metric]:9.3f} "
                      f"{len(arrays.texts):6d}")
    rows = load_fixture()
    for voice in ("piper", "espeak"):
        picked = [r for r in rows if r.voice == voice]
        texts = [gazetteer.find(r.pocketsphinx).text for r in picked]
        truth = [r.intent for r in picked]
        hits = sum(model.predict(model.encode(t), np.zeros(model.spec.size, np.float32)).intent
                   == w for t, w in zip(texts, truth, strict=True))
        base = sum(baseline.intent_of(t.lower()) == w for t, w in zip(texts, truth, strict=True))
        result[f"pocketsphinx {voice}"] = {"fusion": hits / len(texts),
                                           "baseline": base / len(texts)}
        print(f"{'pocketsphinx, ' + voice + ' voice':32} {'intent_acc':11} "
              f"{hits / len(texts):7.3f} {base / len(texts):9.3f} {len(texts):6d}")
    texts = [gazetteer.find(r.pocketsphinx).text for r in rows]
    wrong, wrong_base = wrong_actions(texts, [r.intent for r in rows], model,
                                      UnderstandingConfig().min_confidence)
    result["wrong_action_rate"] = {"fusion": wrong, "baseline": wrong_base}
    print(f"{'pocketsphinx: acts on wrong intent':32} {'rate':11} {wrong:7.3f} {wrong_base:9.3f} "
          f"{len(rows):6d}")
    unseen = unseen_spoken(model, UnderstandingConfig().min_confidence)
    result["espeak-ng sentences not trained on"] = unseen
    for metric, n in (("intent_acc", "all"), ("intent_acc_legible", "legible"),
                      ("wrong_action_rate", "all")):
        label = {"intent_acc": "intent_acc", "intent_acc_legible": "intent_leg",
                 "wrong_action_rate": "acts_wrong"}[metric]
        print(f"{'unseen espeak-ng → pocketsphinx':32} {label:11} "
              f"{unseen['fusion'][metric]:7.3f} {unseen['baseline'][metric]:9.3f} "
              f"{unseen['n'][n]:6d}")
    result["home questions"] = home_questions.report(model, args.home_questions)
    times = timing(model, gazetteer, sets.scenes)
    result["timing"] = times
    result["size_bytes"] = args.model.stat().st_size
    print(f"inference per query: {times['model_ms_median']:.3f} ms median, "
          f"{times['model_ms_p99']:.3f} ms p99; with gazetteer+tokenizer "
          f"{times['with_gazetteer_ms_median']:.3f} ms; baseline "
          f"{times['baseline_ms_median']:.3f} ms "
          f"(ratio {times['model_ms_median'] / times['baseline_ms_median']:.1f}x)")
    print(f"model size: {result['size_bytes'] / 1024:.1f} KiB ({args.model})")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
