"""One import shim for the TFLite interpreter: LiteRT, else tflite-runtime, else TensorFlow."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from homewatch.core.errors import ModelError
from homewatch.models.flatbuffer import Truncated, check_bounds

TFLITE_MAGIC = b"TFL3"  # flatbuffer file identifier at bytes 4..8
RUNTIMES = (
    ("ai_edge_litert.interpreter", "litert"),
    ("tflite_runtime.interpreter", "tflite-runtime"),
    ("tensorflow.lite", "tensorflow"),
)


def _interpreter_class(preferred: str | None = None) -> tuple[Any, str]:
    errors: list[str] = []
    for module_name, label in RUNTIMES:
        if preferred is not None and label != preferred:
            continue
        try:
            module = importlib.import_module(module_name)
        except (ImportError, OSError) as exc:  # OSError: a shared library it needs is missing
            errors.append(f"{label}: {exc}")
            continue
        return module.Interpreter, label
    raise ModelError("no TFLite runtime found; install `ai-edge-litert` "
                     f"(or `homewatch[tflite-runtime]`). Tried: {'; '.join(errors)}")


def check_model_file(path: Path) -> None:
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    data = path.read_bytes()
    if len(data) < 8 or data[4:8] != TFLITE_MAGIC:
        raise ModelError(f"not a TFLite model (bad header): {path}")
    try:
        check_bounds(data)
    except Truncated as exc:
        raise ModelError(f"damaged TFLite model (truncated download?): {path}: {exc}; "
                         "download it again") from None


def load_interpreter(path: Path, num_threads: int = 2, runtime: str | None = None) -> Any:
    """Create and allocate an interpreter; errors name the file."""
    check_model_file(path)
    cls, label = _interpreter_class(runtime)
    try:
        interpreter = cls(model_path=str(path), num_threads=num_threads)
        interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        raise ModelError(f"cannot load TFLite model {path} with {label}: {exc}") from exc
    return interpreter


def runtime_name(runtime: str | None = None) -> str:
    return _interpreter_class(runtime)[1]
