"""Vosk (Kaldi): one model loaded once from a directory, one recognizer per utterance."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from homewatch.errors import ModelError
from homewatch.messages import Word
from homewatch.voice.recognizers import SAMPLE_RATE, Transcript, mean_confidence

if TYPE_CHECKING:
    from homewatch.config import Config
    from homewatch.voice.grammar import CommandGrammar

log = logging.getLogger(__name__)

PULL_HINT = "homewatch models pull vosk-en-small"
UNKNOWN = "[unk]"


def resolve_vosk_model(config: Config) -> Path:
    """The configured model: a path, or a name inside `models.dir`."""
    value = config.voice.recognizer.vosk_model
    path = Path(value).expanduser()
    if path.is_absolute() or "/" in value or value.startswith("."):
        return path
    return config.models.dir / value


def _is_model_dir(path: Path) -> bool:
    return (path / "am").is_dir() or (path / "conf" / "model.conf").is_file()


def model_dir_in(path: Path) -> Path | None:
    """`path` itself, or the single model folder an unpacked archive left inside it."""
    if _is_model_dir(path):
        return path
    if path.is_dir():
        inner = [p for p in path.iterdir() if p.is_dir() and _is_model_dir(p)]
        if len(inner) == 1:
            return inner[0]
    return None


def find_vosk_model(config: Config) -> Path | None:
    return model_dir_in(resolve_vosk_model(config))


class VoskRecognizer:
    def __init__(self, model_path: Path, grammar: CommandGrammar | None = None) -> None:
        import vosk

        found = model_dir_in(model_path)
        if found is None:
            what = "is not a Vosk model directory" if model_path.exists() else "not found"
            raise ModelError(f"Vosk model {what}: {model_path}; run `{PULL_HINT}` or set "
                             "voice.recognizer.vosk_model to a model directory")
        vosk.SetLogLevel(-1)
        try:
            self._model = vosk.Model(str(found))
        except Exception as exc:  # vosk raises a bare Exception on a broken model
            raise ModelError(f"Vosk could not load the model at {found}: {exc}") from exc
        self.path = found
        self.name = "vosk"
        self.grammar = grammar is not None
        self._grammar_json = json.dumps(grammar.vosk_phrases()) if grammar else None

    def stream(self) -> VoskStream:
        import vosk

        if self._grammar_json is None:
            rec = vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
        else:
            rec = vosk.KaldiRecognizer(self._model, SAMPLE_RATE, self._grammar_json)
        rec.SetWords(True)
        return VoskStream(rec)


class VoskStream:
    def __init__(self, recognizer: Any) -> None:
        self._rec = recognizer
        self._segments: list[dict[str, Any]] = []

    def accept(self, pcm: bytes) -> None:
        if pcm and self._rec.AcceptWaveform(pcm):
            self._segments.append(json.loads(self._rec.Result()))

    def result(self) -> Transcript:
        self._segments.append(json.loads(self._rec.FinalResult()))
        words = tuple(
            Word(str(w["word"]), float(w["start"]), float(w["end"]), float(w.get("conf", 1.0)))
            for seg in self._segments for w in seg.get("result", ())
        )
        known = tuple(w for w in words if w.word != UNKNOWN)
        text = " ".join(w.word for w in known)
        return Transcript(text, words, mean_confidence(known))

    def abort(self) -> None:
        self._segments.clear()
