"""The fusion model at runtime: one int8 TFLite file plus its JSON description.

Not thread-safe by design: the dialog service calls it from one executor thread. A lock
still guards `invoke` so a second caller can never corrupt the interpreter's buffers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from homewatch.core.errors import ModelError
from homewatch.models.tflite import load_interpreter
from homewatch.understanding.features import FeatureSpec
from homewatch.understanding.schema import INTENTS, OBJECTS
from homewatch.understanding.tokenizer import Vocabulary

OUTPUTS = ("intent", "object", "answer", "count")
INPUTS = ("tokens", "vision")
# homewatch/data/fusion.* link to models/ in the source tree; wheels carry the files.
PACKAGED = Path(__file__).resolve().parents[1] / "data" / "fusion.tflite"


@dataclass(frozen=True, slots=True)
class Prediction:
    intent: str
    intent_conf: float
    object: str
    object_conf: float
    answer_p: float  # P(yes); meaningful for yes/no questions
    count: int
    count_conf: float


@dataclass(frozen=True, slots=True)
class Quant:
    scale: float
    zero_point: int
    dtype: str

    def quantize(self, values: npt.NDArray[np.float32]) -> npt.NDArray[Any]:
        if self.dtype not in ("int8", "uint8"):
            plain: npt.NDArray[Any] = values.astype(self.dtype)
            return plain
        info = np.iinfo(self.dtype)
        q = np.round(values / self.scale) + self.zero_point
        quantized: npt.NDArray[Any] = np.clip(q, info.min, info.max).astype(self.dtype)
        return quantized

    def dequantize(self, values: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
        if self.dtype not in ("int8", "uint8"):
            return values.astype(np.float32)
        return ((values.astype(np.float32) - self.zero_point) * self.scale).astype(np.float32)


def _quant(details: Mapping[str, Any]) -> Quant:
    params = details.get("quantization_parameters", {})
    scales = params.get("scales", [])
    zeros = params.get("zero_points", [])
    scale = float(scales[0]) if len(scales) else 0.0
    zero = int(zeros[0]) if len(zeros) else 0
    return Quant(scale, zero, np.dtype(details["dtype"]).name)


class FusionModel:
    """`predict(tokens, vision)` → intent, object, P(yes) and count."""

    def __init__(self, path: Path, meta: Mapping[str, Any], num_threads: int = 1) -> None:
        self.path = path
        self.meta = meta
        self.vocab = Vocabulary(meta["vocabulary"], meta.get("fuzzy_vocabulary"))
        self.spec = FeatureSpec.from_json(meta["features"])
        self.intents: tuple[str, ...] = tuple(meta["intents"])
        self.objects: tuple[str, ...] = tuple(meta["objects"])
        self.max_tokens = int(meta["max_tokens"])
        if self.intents != INTENTS or self.objects != OBJECTS:
            raise ModelError(f"{path}: labels differ from this homewatch version's")
        interpreter = load_interpreter(path, num_threads=num_threads)
        try:
            self._runner = interpreter.get_signature_runner(meta.get("signature",
                                                                     "serving_default"))
        except ValueError as exc:
            raise ModelError(f"{path}: no usable signature: {exc}") from exc
        self._interpreter = interpreter
        inputs, outputs = self._runner.get_input_details(), self._runner.get_output_details()
        if set(inputs) != set(INPUTS) or set(outputs) != set(OUTPUTS):
            raise ModelError(f"{path}: expected inputs {INPUTS} and outputs {OUTPUTS}, "
                             f"got {sorted(inputs)} and {sorted(outputs)}")
        self._in_quant = {name: _quant(d) for name, d in inputs.items()}
        self._out_quant = {name: _quant(d) for name, d in outputs.items()}
        width = int(inputs["vision"]["shape"][-1])
        if width != self.spec.size:
            raise ModelError(f"{path}: vision input has {width} values, spec says "
                             f"{self.spec.size}")
        self._lock = threading.Lock()

    @classmethod
    def load(cls, path: Path = PACKAGED, num_threads: int = 1) -> FusionModel:
        meta_path = path.with_suffix(".json")
        try:
            meta = json.loads(meta_path.read_text())
        except FileNotFoundError:
            raise ModelError(f"model description not found: {meta_path}") from None
        except json.JSONDecodeError as exc:
            raise ModelError(f"{meta_path}: invalid JSON: {exc}") from None
        return cls(path, meta, num_threads)

    def encode(self, text: str) -> npt.NDArray[np.int32]:
        return np.asarray(self.vocab.encode(text, self.max_tokens), dtype=np.int32)

    def raw(self, tokens: Sequence[int] | npt.NDArray[Any],
            vision: npt.NDArray[np.float32]) -> dict[str, npt.NDArray[np.float32]]:
        """Dequantized outputs for one query."""
        token_arr = np.asarray(tokens, dtype=np.int32).reshape(1, self.max_tokens)
        vision_arr = np.asarray(vision, dtype=np.float32).reshape(1, self.spec.size)
        feed = {"tokens": token_arr, "vision": self._in_quant["vision"].quantize(vision_arr)}
        with self._lock:
            result = self._runner(**feed)
        return {name: self._out_quant[name].dequantize(np.asarray(result[name]))[0]
                for name in OUTPUTS}

    def predict(self, tokens: Sequence[int] | npt.NDArray[Any],
                vision: npt.NDArray[np.float32]) -> Prediction:
        out = self.raw(tokens, vision)
        i, o, c = (int(np.argmax(out[k])) for k in ("intent", "object", "count"))
        return Prediction(self.intents[i], float(out["intent"][i]), self.objects[o],
                          float(out["object"][o]), float(out["answer"][0]), c,
                          float(out["count"][c]))

    @property
    def version(self) -> str:
        return str(self.meta.get("version", "unknown"))
