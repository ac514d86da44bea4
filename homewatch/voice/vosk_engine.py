"""Vosk (Kaldi): one model loaded once from a directory, one recognizer per utterance."""

from __future__ import annotations

import json
import logging
import struct
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from homewatch.core.errors import ModelError
from homewatch.core.messages import Word
from homewatch.core.native import import_native
from homewatch.voice.pronounce import split_compound
from homewatch.voice.recognizers import SAMPLE_RATE, Transcript, mean_confidence

if TYPE_CHECKING:
    from homewatch.models.resolver import ModelResolver
    from homewatch.voice.grammar import CommandGrammar

log = logging.getLogger(__name__)

PULL_HINT = "homewatch models pull vosk-en-small"
UNKNOWN = "[unk]"


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


def find_vosk_model(models: ModelResolver, wanted: str) -> Path | None:
    """The Vosk model directory the resolver finds for `wanted`, or None."""
    found = models.find(wanted)
    return model_dir_in(found) if found is not None else None


_FST_MAGIC = 2125659606
_SYMBOLS_MAGIC = 2125658996


def vosk_vocabulary(model_dir: Path) -> frozenset[str] | None:
    """Words of a small (lookahead) model, read from the symbol table in `graph/Gr.fst`.

    Vosk drops grammar words it does not know with a warning on every recognizer it makes;
    knowing the vocabulary lets us respell or drop them once. None when not readable.
    """
    path = model_dir / "graph" / "Gr.fst"
    try:
        with path.open("rb") as f:
            return _read_input_symbols(f.read())
    except (OSError, struct.error, ValueError, UnicodeDecodeError):
        return None


def _read_input_symbols(data: bytes) -> frozenset[str] | None:
    pos = 0

    def i32() -> int:
        nonlocal pos
        (value,) = struct.unpack_from("<i", data, pos)
        pos += 4
        return int(value)

    def i64() -> int:
        nonlocal pos
        (value,) = struct.unpack_from("<q", data, pos)
        pos += 8
        return int(value)

    def text() -> str:
        nonlocal pos
        n = i32()
        pos += n
        return data[pos - n:pos].decode("utf-8")

    if i32() != _FST_MAGIC:
        return None
    text(), text()  # fst type, arc type
    i32()  # version
    flags = i32()
    pos += 8 + 8 + 8 + 8  # properties, start, states, arcs
    if not flags & 1 or i32() != _SYMBOLS_MAGIC:
        return None
    text()  # table name
    i64()  # available key
    words = set()
    for _ in range(i64()):
        words.add(text())
        pos += 8  # key
    return frozenset(words)


def fit_phrases(phrases: Iterable[str], vocabulary: frozenset[str]) -> tuple[list[str], set[str]]:
    """Respell unknown words as known ones (homewatch → home watch) or drop their phrases."""
    respelled: dict[str, str | None] = {}
    kept: list[str] = []
    unknown: set[str] = set()
    for phrase in phrases:
        words = []
        for word in phrase.split():
            if word in vocabulary:
                words.append(word)
                continue
            if word not in respelled:
                parts = split_compound(word, lambda w: w if w in vocabulary else None)
                respelled[word] = " ".join(parts) if parts else None
            spelled = respelled[word]
            if spelled is None:
                unknown.add(word)
            else:
                words.append(spelled)
        if len(words) == len(phrase.split()):
            kept.append(" ".join(words))
    return list(dict.fromkeys(kept)), unknown


class VoskRecognizer:
    def __init__(self, model_path: Path, grammar: CommandGrammar | None = None) -> None:
        vosk = import_native("vosk")  # NativeLibraryError names the fix (libatomic1)

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
        self.unknown_words: set[str] = set()
        phrases = self._fit(grammar.vosk_phrases()) if grammar else None
        self.grammar = bool(phrases)
        self.mode = "grammar" if self.grammar else "open"
        self._grammar_json = json.dumps(phrases) if phrases else None

    def _fit(self, phrases: list[str]) -> list[str] | None:
        vocabulary = vosk_vocabulary(self.path)
        if vocabulary is None:
            return phrases  # Vosk itself drops unknown words, with a warning each time
        kept, self.unknown_words = fit_phrases(
            (p for p in phrases if p != UNKNOWN), vocabulary | {UNKNOWN})
        if self.unknown_words:
            log.warning("Vosk model %s lacks %d command word(s), their phrases are left out: %s",
                        self.path, len(self.unknown_words), ", ".join(sorted(self.unknown_words)))
        if not kept:
            log.error("Vosk model %s knows none of the command phrases; grammar mode is off",
                      self.path)
            return None
        return [*kept, UNKNOWN] if UNKNOWN in vocabulary else kept

    def stream(self) -> VoskStream:
        vosk = import_native("vosk")

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
