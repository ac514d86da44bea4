"""Full-integer int8 conversion with a representative dataset, and the model description."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from homewatch.training.dataset import Arrays


def to_int8_tflite(model: Any, representative: Arrays, samples: int = 500) -> bytes:
    """int8 weights, activations, vision input and outputs; the token ids stay int32."""
    import tensorflow as tf

    def data() -> Iterator[dict[str, np.ndarray]]:
        for i in range(min(samples, len(representative.tokens))):
            yield {"tokens": representative.tokens[i:i + 1],
                   "vision": representative.vision[i:i + 1]}

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = data
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    result: bytes = converter.convert()
    return result


def io_description(path: Path) -> dict[str, Any]:
    """Names, shapes, dtypes and quantization of the converted model's signature."""
    from homewatch.models.tflite import load_interpreter

    runner = load_interpreter(path, num_threads=1).get_signature_runner("serving_default")

    def describe(details: dict[str, Any]) -> dict[str, Any]:
        params = details["quantization_parameters"]
        return {"dtype": np.dtype(details["dtype"]).name,
                "shape": [int(x) for x in details["shape"]],
                "scale": [float(x) for x in params["scales"]],
                "zero_point": [int(x) for x in params["zero_points"]]}

    return {"signature": "serving_default",
            "inputs": {k: describe(v) for k, v in sorted(runner.get_input_details().items())},
            "outputs": {k: describe(v) for k, v in sorted(runner.get_output_details().items())}}


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
