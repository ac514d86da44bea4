"""Sound-alike words by pronunciation: the CMU dictionary's phones, one edit apart.

`python -m homewatch.training.phonetic` regenerates the committed table
(`data/phonetic_neighbors.tsv`; needs the pocketsphinx wheel, which ships the dictionary).
For every word the templates can produce, it lists the words a recognizer says (those in
its output on our own spoken sentences, plus the template words) whose pronunciation is the
same or differs by one phone (two for long words): light → like, door → war, is → as.
Training reads the table only (`load_neighbors`).
"""

from __future__ import annotations

import csv
import random
import re
from pathlib import Path

TABLE = Path(__file__).with_name("data") / "phonetic_neighbors.tsv"
MAX_NEIGHBORS = 12


def load_neighbors(path: Path = TABLE) -> dict[str, list[str]]:
    with path.open(newline="") as handle:
        return {row[0]: row[1].split() for row in csv.reader(handle, delimiter="\t")}


def _pronunciations() -> dict[str, str]:
    """Word → its first pronunciation, one character per phone."""
    import pocketsphinx

    path = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
    symbols: dict[str, str] = {}
    out: dict[str, str] = {}
    for line in path.read_text().splitlines():
        word, *phones = line.split()
        if "(" in word or word in out:
            continue
        out[word] = "".join(symbols.setdefault(re.sub(r"\d", "", p), chr(0x100 + len(symbols)))
                            for p in phones)
    return out


def _template_words(samples: int = 30000) -> set[str]:
    from homewatch.training.dataset import Generator
    from homewatch.understanding.schema import INTENTS

    gen = Generator(99, raw_names_p=1.0, spoken=(), neighbors={})
    rng = random.Random(99)
    return {w for _ in range(samples) for w in gen.sentence(rng.choice(INTENTS))[0].split()}


def neighbors() -> dict[str, list[str]]:
    from rapidfuzz.distance import Levenshtein
    from rapidfuzz.process import cdist

    from homewatch.training.spoken import load_spoken

    phones = _pronunciations()
    ours = sorted(w for w in _template_words() if w in phones)
    heard = {w for row in load_spoken() for w in row.pocketsphinx.split()}
    candidates = sorted((heard | set(ours)) & phones.keys())
    distances = cdist([phones[w] for w in ours], [phones[w] for w in candidates],
                      scorer=Levenshtein.distance, workers=-1)
    table: dict[str, list[str]] = {}
    for i, word in enumerate(ours):
        limit = 2 if len(phones[word]) >= 5 else 1
        near = sorted((int(d), c) for d, c in zip(distances[i], candidates, strict=True)
                      if c != word and d <= limit and len(phones[word]) > 1)
        if near:
            table[word] = [c for _, c in near[:MAX_NEIGHBORS]]
    return table


def record(path: Path = TABLE) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        for word, near in sorted(neighbors().items()):
            writer.writerow([word, " ".join(near)])


if __name__ == "__main__":
    record()
