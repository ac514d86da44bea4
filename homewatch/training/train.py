"""One reproducible run: generate data → train → int8 export → evaluate float and int8."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from homewatch.training.dataset import (
    Arrays,
    generate,
    split_templates,
    to_arrays,
    training_generator,
)
from homewatch.training.evaluate import BatchPredictor, EvalSets, eval_sets, evaluate
from homewatch.training.export import io_description, to_int8_tflite, write_json
from homewatch.understanding.features import FeatureSpec
from homewatch.understanding.model import OUTPUTS, FusionModel
from homewatch.understanding.schema import (
    INTENTS,
    MAX_COUNT,
    MAX_TOKENS,
    OBJECTS,
    SPECIAL_TOKENS,
    UNK,
)
from homewatch.understanding.tokenizer import Vocabulary

log = logging.getLogger(__name__)
MODEL_VERSION = "1.3.0"
UNK_ID = SPECIAL_TOKENS.index(UNK)


@dataclass(frozen=True)
class TrainOptions:
    out_dir: Path = Path("models")
    seed: int = 1234
    per_intent: int = 3000
    epochs: int = 15
    batch: int = 128
    noise_p: float = 0.4
    spoken_p: float = 0.1  # share of real recognizer outputs of our own spoken sentences
    lm_spoken: bool = True  # those outputs include the lm-mode table (models before: False)
    garble_kept: float = 0.3  # transcripts keeping less of their sentence are labelled unknown
    garble_p: float = 0.1  # share of noisy training sentences misheard heavily
    learning_rate: float = 2e-3
    fuzzy_vocabulary: float | None = 85.0  # spelling-similarity cutoff for unknown words
    unk_p: float = 0.0  # training words replaced by <unk> (0.03 tried: see the model card)
    threads: int = 2
    holdout_templates: bool = False  # measure generalization to unseen paraphrase patterns
    smoke: bool = False

    @classmethod
    def smoke_run(cls, out_dir: Path) -> TrainOptions:
        return cls(out_dir=out_dir, per_intent=40, epochs=1, smoke=True)


def unknown_words(tokens: npt.NDArray[np.int32], p: float, seed: int) -> npt.NDArray[np.int32]:
    """Replace a share `p` of the words by <unk>: recognizers produce words the vocabulary
    lacks, and without this the model never sees <unk> in training."""
    if p <= 0:
        return tokens
    rng = np.random.default_rng(seed + 7)
    hit = (rng.random(tokens.shape) < p) & (tokens >= len(SPECIAL_TOKENS))
    return np.where(hit, UNK_ID, tokens).astype(np.int32)


def _targets(arrays: Arrays) -> dict[str, npt.NDArray[Any]]:
    return {"intent": arrays.intent, "object": arrays.object,
            "answer": np.where(arrays.answer_w > 0, arrays.answer, -1.0).astype(np.float32),
            "count": np.where(arrays.count_w > 0, arrays.count, -1).astype(np.int32)}


def _fit(opts: TrainOptions, train: Arrays, vocab: Vocabulary) -> Any:
    import keras
    import tensorflow as tf

    from homewatch.training.network import build, masked_bce, masked_sparse_ce

    keras.utils.set_random_seed(opts.seed)
    tf.config.experimental.enable_op_determinism()
    model = build(len(vocab), FeatureSpec())
    steps = opts.epochs * int(np.ceil(len(train.tokens) / opts.batch))
    schedule = keras.optimizers.schedules.CosineDecay(opts.learning_rate, steps, alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss={"intent": "sparse_categorical_crossentropy",
                        "object": "sparse_categorical_crossentropy",
                        "answer": masked_bce, "count": masked_sparse_ce},
                  loss_weights={"intent": 1.0, "object": 1.0, "answer": 2.0, "count": 1.0})
    model.fit({"tokens": train.tokens, "vision": train.vision}, _targets(train),
              epochs=opts.epochs, batch_size=opts.batch, shuffle=True, verbose=2)
    return model


def _keras_predictor(model: Any) -> BatchPredictor:
    def predict(tokens: npt.NDArray[np.int32], vision: npt.NDArray[np.float32]
                ) -> dict[str, npt.NDArray[np.float32]]:
        out = model.predict({"tokens": tokens, "vision": vision}, batch_size=1024, verbose=0)
        return {k: np.asarray(out[k], np.float32) for k in OUTPUTS}
    return predict


def tflite_predictor(model: FusionModel) -> BatchPredictor:
    def predict(tokens: npt.NDArray[np.int32], vision: npt.NDArray[np.float32]
                ) -> dict[str, npt.NDArray[np.float32]]:
        rows = [model.raw(t, v) for t, v in zip(tokens, vision, strict=True)]
        return {k: np.stack([r[k] for r in rows]) for k in OUTPUTS}
    return predict


def _agreement(a: BatchPredictor, b: BatchPredictor, sets: EvalSets) -> dict[str, float]:
    """How often int8 and float decide the same (intent, object, yes/no, count)."""
    tokens = np.concatenate([sets.clean.tokens, sets.noisy.tokens, sets.scenes.tokens,
                             sets.flicker.tokens])
    vision = np.concatenate([sets.clean.vision, sets.noisy.vision, sets.scenes.vision,
                             sets.flicker.vision])
    pa, pb = a(tokens, vision), b(tokens, vision)
    agree = {k: float(np.mean(pa[k].argmax(-1) == pb[k].argmax(-1)))
             for k in ("intent", "object", "count")}
    agree["answer"] = float(np.mean((pa["answer"] >= 0.5) == (pb["answer"] >= 0.5)))
    agree["answer_max_abs_diff"] = float(np.max(np.abs(pa["answer"] - pb["answer"])))
    return {k: round(v, 4) for k, v in agree.items()}


def _metadata(opts: TrainOptions, vocab: Vocabulary, n_train: int) -> dict[str, Any]:
    part: Literal["all", "train"] = "train" if opts.holdout_templates else "all"
    templates = {k: len(v) for k, v in split_templates(part).items()}
    return {
        "format": 1, "name": "homewatch-fusion", "version": MODEL_VERSION,
        "max_tokens": MAX_TOKENS, "vocabulary": vocab.tokens, "fuzzy_vocabulary": vocab.fuzzy,
        "intents": list(INTENTS),
        "objects": list(OBJECTS), "max_count": MAX_COUNT, "features": FeatureSpec().to_json(),
        "training": {**{k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(
            opts).items()}, "train_examples": n_train, "templates": templates},
    }


def train(opts: TrainOptions) -> dict[str, Any]:
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(opts.threads)
    tf.config.threading.set_inter_op_parallelism_threads(opts.threads)
    started = time.monotonic()
    examples = generate(training_generator(asdict(opts)), opts.per_intent, oversample=True)
    vocab = Vocabulary.build((e.text for e in examples), fuzzy=opts.fuzzy_vocabulary)
    train_arrays = to_arrays(examples, vocab)
    train_arrays.tokens = unknown_words(train_arrays.tokens, opts.unk_p, opts.seed)
    log.info("%d examples, vocabulary of %d", len(examples), len(vocab))
    model = _fit(opts, train_arrays, vocab)
    seen = frozenset(e.text for e in examples)
    small = {"per_intent": 10, "scenes": 60, "flicker": 30} if opts.smoke else {}
    sets = eval_sets(opts.seed, vocab, seen, opts.holdout_templates, lm_spoken=opts.lm_spoken,
                     **small)
    float_metrics = evaluate(_keras_predictor(model), sets)

    opts.out_dir.mkdir(parents=True, exist_ok=True)
    tflite_path = opts.out_dir / "fusion.tflite"
    tflite_path.write_bytes(to_int8_tflite(model, train_arrays))
    meta = {**_metadata(opts, vocab, len(examples)), **io_description(tflite_path)}
    write_json(tflite_path.with_suffix(".json"), meta)
    runtime = FusionModel.load(tflite_path)
    int8_metrics = evaluate(tflite_predictor(runtime), sets)
    meta["metrics"] = {"int8": int8_metrics, "float": float_metrics,
                       "int8_float_agreement": _agreement(
                           tflite_predictor(runtime), _keras_predictor(model), sets),
                       "size_bytes": tflite_path.stat().st_size,
                       "train_seconds": round(time.monotonic() - started, 1),
                       "tensorflow": tf.__version__}
    write_json(tflite_path.with_suffix(".json"), meta)
    return dict(meta["metrics"])
