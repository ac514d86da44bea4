"""Real recognizer confusions on our own sentences: espeak-ng speaks them, pocketsphinx hears.

`python -m homewatch.training.spoken` regenerates the committed table
(`data/espeak_pocketsphinx.tsv`; needs the `espeak-ng` program and pocketsphinx), heard with
pocketsphinx's general English model; `--lm` the second table
(`data/espeak_pocketsphinx_lm.tsv`), heard as the product hears by default: in lm mode, with
the home language model estimated from the templates (every shipped place and device word),
from other sentences and other espeak-ng variants. Sentences come from the training templates
with several espeak-ng voices, speeds and pitches; the sentences of the shared evaluation
recordings are excluded, so training never sees them. Training reads the tables only
(`training_spoken`): no speech tools needed to train.
`--intents A B` records only those intents and replaces their rows (for intents added
later; `--lm --intents A B` in the lm table).
`--validation` records other sentences (another seed, training sentences excluded) that the
benchmark uses to check recognizer output the model was not trained on.
"""

from __future__ import annotations

import csv
import difflib
import io
import random
import subprocess
import wave
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path
from typing import Any

from homewatch.training.asr import load_fixture

TABLE = Path(__file__).with_name("data") / "espeak_pocketsphinx.tsv"
# Other sentences, never trained on: a check on recognizer output the model has not seen.
VALIDATION = TABLE.with_name("espeak_pocketsphinx_validation.tsv")
VALIDATION_SEED, VALIDATION_PER_INTENT = 999, 18
FIELDS = ("intent", "object", "voice", "reference", "pocketsphinx")
VOICES = ("en-us", "en-us+m3", "en-us+f2", "en-gb", "en-gb-x-rp", "en-029", "en-us+m7",
          "en-gb-scotland")
PER_INTENT = 64
SEED = 4321
LM_TABLE = TABLE.with_name("espeak_pocketsphinx_lm.tsv")
LM_SEED = 5432
# Variants the spoken benchmark sets do not use (those speak en-us, en-us+m3, en-gb+f2 and
# en-us+m7), so that the model does not learn the confusions of the voices it is measured on.
LM_VOICES = ("en-us+m1", "en-us+m2", "en-us+f1", "en-us+f3", "en-gb", "en-gb-x-rp", "en-029",
             "en-gb-scotland", "en-us+m5", "en-gb+m4")


@dataclass(frozen=True, slots=True)
class Spoken:
    intent: str
    object: str
    voice: str
    reference: str
    pocketsphinx: str


def kept(reference: str, heard: str) -> float:
    """How much of the sentence survived recognition (0–1, word-level similarity)."""
    return difflib.SequenceMatcher(a=reference.split(), b=heard.split(),
                                   autojunk=False).ratio()


def load_spoken(path: Path = TABLE) -> list[Spoken]:
    with path.open(newline="") as handle:
        return [Spoken(*(row[f] for f in FIELDS))
                for row in csv.DictReader(handle, delimiter="\t")]


def training_spoken(lm: bool = True) -> list[Spoken]:
    """What training learns from: the open-vocabulary table and, with `lm` (a training
    option, recorded in the model), the lm-mode one."""
    return load_spoken() + (load_spoken(LM_TABLE) if lm and LM_TABLE.is_file() else [])


def _requests(seed: int, per_intent: int, intents: Sequence[str] | None = None,
              voices: tuple[str, ...] = VOICES) -> Iterator[tuple[str, str, str, str]]:
    from homewatch.training.dataset import Generator
    from homewatch.understanding.schema import INTENTS

    evaluation = {row.reference for row in load_fixture()}
    gen = Generator(seed, raw_names_p=1.0, spoken=(), neighbors={})
    rng = random.Random(seed)
    for intent in intents or INTENTS:
        done = 0
        while done < per_intent:
            text, label = gen.sentence(intent)
            if text in evaluation:
                continue
            voice = f"{rng.choice(voices)}:{rng.randint(135, 195)}:{rng.randint(30, 70)}"
            yield intent, label, voice, text
            done += 1


def _hear_all(requests: list[tuple[str, str, str, str]]) -> list[Spoken]:
    """One decoder per worker, fed in a fixed order (its noise estimate carries over)."""
    from pocketsphinx import Decoder

    decoder = Decoder(loglevel="FATAL")
    return [_hear(decoder, request) for request in requests]


def _hear_all_lm(job: tuple[Path, list[tuple[str, str, str, str]]]) -> list[Spoken]:
    """As the product hears: lm mode, streamed, one recognizer per worker."""
    import numpy as np

    from homewatch.voice.pocketsphinx_engine import PocketsphinxRecognizer
    from homewatch.voice.transcribe import recognize_pcm

    arpa, requests = job
    recognizer = PocketsphinxRecognizer(None, language_model=arpa)
    rows = []
    for intent, label, voice, text in requests:
        # A breath before speaking, the silence the endpointer waits for after it, fed in
        # 30 ms blocks as the microphone does (one large block of digital silence crashes
        # pocketsphinx 5.1).
        pcm = bytes(2 * 16000 * 3 // 10) + _speak(voice, text) + bytes(2 * 16000 * 7 // 10)
        heard = recognize_pcm(recognizer, None, np.frombuffer(pcm, dtype=np.int16), chunk=480)
        rows.append(Spoken(intent, label, voice, text, heard.raw))
    return rows


def _hear(decoder: Any, request: tuple[str, str, str, str]) -> Spoken:
    intent, label, voice, text = request
    pcm = _speak(voice, text)
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return Spoken(intent, label, voice, text, hyp.hypstr if hyp else "")


def _speak(voice: str, text: str) -> bytes:
    """16 kHz mono int16 PCM of espeak-ng saying `text` ("name:speed:pitch")."""
    import audioop  # recording tool only (Python ≤ 3.12); training reads the table

    name, speed, pitch = voice.split(":")
    wav = subprocess.run(["espeak-ng", "-v", name, "-s", speed, "-p", pitch, "--stdout", text],
                         capture_output=True, check=True).stdout
    with wave.open(io.BytesIO(wav)) as reader:
        rate, pcm = reader.getframerate(), reader.readframes(reader.getnframes())
    pcm, _ = audioop.ratecv(pcm, 2, 1, rate, 16000, None)
    return bytes(pcm)


def record_lm(path: Path = LM_TABLE, seed: int = LM_SEED, per_intent: int = PER_INTENT,
              workers: int = 2, intents: Sequence[str] | None = None) -> None:
    """The lm-mode table: other sentences than the other tables, other voices; with
    `intents`, only those, replacing their rows."""
    import tempfile

    from homewatch.language.corpus import sentences
    from homewatch.language.names import HomeNames
    from homewatch.language.ngram import TrigramModel
    from homewatch.language.words import WAKE

    taken = {r.reference for t in (TABLE, VALIDATION) for r in load_spoken(t)}
    requests = [r for r in _requests(seed, per_intent, intents, LM_VOICES) if r[3] not in taken]
    with tempfile.TemporaryDirectory() as tmp:
        arpa = Path(tmp) / "home.arpa"
        with arpa.open("w") as out:
            TrigramModel(sentences(HomeNames(), WAKE)).write_arpa(out)
        with Pool(workers) as pool:
            parts = pool.map(_hear_all_lm, [(arpa, requests[i::workers])
                                            for i in range(workers)])
    _write(path, [row for part in parts for row in part], intents)


def _write(path: Path, rows: list[Spoken], intents: Sequence[str] | None = None) -> None:
    """Write the table; with `intents`, `rows` replace only those intents' rows in it."""
    if intents:
        rows = [r for r in load_spoken(path) if r.intent not in intents] + rows
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(FIELDS)
        for row in rows:
            writer.writerow([getattr(row, f) for f in FIELDS])


def record(path: Path = TABLE, seed: int = SEED, per_intent: int = PER_INTENT,
           workers: int = 2, *, exclude: frozenset[str] = frozenset(),
           intents: Sequence[str] | None = None) -> None:
    """Record the table; with `intents`, record only those and replace their rows in it (an
    intent added later gets rows without changing the others')."""
    requests = [r for r in _requests(seed, per_intent, intents) if r[3] not in exclude]
    with Pool(workers) as pool:
        parts = pool.map(_hear_all, [requests[i::workers] for i in range(workers)])
    _write(path, [row for part in parts for row in part], intents)


if __name__ == "__main__":
    import sys

    args = sys.argv[1:]
    chosen = args[args.index("--intents") + 1:] if "--intents" in args else None
    if args[:1] == ["--lm"]:
        record_lm(intents=chosen)
    elif args == ["--validation"]:
        record(VALIDATION, VALIDATION_SEED, VALIDATION_PER_INTENT,
               exclude=frozenset(row.reference for row in load_spoken()))
    else:
        record(intents=chosen)
