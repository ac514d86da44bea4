"""Real recognizer confusions on our own sentences: espeak-ng speaks them, pocketsphinx hears.

`python -m homewatch.training.spoken` regenerates the committed table
(`data/espeak_pocketsphinx.tsv`; needs the `espeak-ng` program and pocketsphinx). Sentences
come from the training templates with several espeak-ng voices, speeds and pitches; the
sentences of the shared evaluation recordings are excluded, so training never sees them.
Training reads the table only (`load_spoken`): no speech tools needed to train.
`--intents A B` records only those intents and replaces their rows (for intents added
later). `--validation` records other sentences (another seed, training sentences excluded) that the
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


def _requests(seed: int, per_intent: int, intents: Sequence[str] | None = None
              ) -> Iterator[tuple[str, str, str, str]]:
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
            voice = f"{rng.choice(VOICES)}:{rng.randint(135, 195)}:{rng.randint(30, 70)}"
            yield intent, label, voice, text
            done += 1


def _hear_all(requests: list[tuple[str, str, str, str]]) -> list[Spoken]:
    """One decoder per worker, fed in a fixed order (its noise estimate carries over)."""
    from pocketsphinx import Decoder

    decoder = Decoder(loglevel="FATAL")
    return [_hear(decoder, request) for request in requests]


def _hear(decoder: Any, request: tuple[str, str, str, str]) -> Spoken:
    import audioop  # recording tool only (Python ≤ 3.12); training reads the table

    intent, label, voice, text = request
    name, speed, pitch = voice.split(":")
    wav = subprocess.run(["espeak-ng", "-v", name, "-s", speed, "-p", pitch, "--stdout", text],
                         capture_output=True, check=True).stdout
    with wave.open(io.BytesIO(wav)) as reader:
        rate, pcm = reader.getframerate(), reader.readframes(reader.getnframes())
    pcm, _ = audioop.ratecv(pcm, 2, 1, rate, 16000, None)
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return Spoken(intent, label, voice, text, hyp.hypstr if hyp else "")


def record(path: Path = TABLE, seed: int = SEED, per_intent: int = PER_INTENT,
           workers: int = 2, *, exclude: frozenset[str] = frozenset(),
           intents: Sequence[str] | None = None) -> None:
    """Record the table; with `intents`, record only those and replace their rows in it (an
    intent added later gets rows without changing the others')."""
    requests = [r for r in _requests(seed, per_intent, intents) if r[3] not in exclude]
    with Pool(workers) as pool:
        parts = pool.map(_hear_all, [requests[i::workers] for i in range(workers)])
    rows = [row for part in parts for row in part]
    if intents:
        rows = [r for r in load_spoken(path) if r.intent not in intents] + rows
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(FIELDS)
        for row in rows:
            writer.writerow([getattr(row, f) for f in FIELDS])


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--validation"]:
        record(VALIDATION, VALIDATION_SEED, VALIDATION_PER_INTENT,
               exclude=frozenset(row.reference for row in load_spoken()))
    elif sys.argv[1:2] == ["--intents"]:  # e.g. --intents ask_where summary
        record(intents=sys.argv[2:])
    else:
        record()
