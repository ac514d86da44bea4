"""A trigram language model with interpolated Witten-Bell smoothing, written as ARPA text.

Witten-Bell is exact in backoff form: an unseen word after history h gets
T(h) / (c(h) + T(h)) of the lower-order probability (T: distinct followers, c: count), so
that factor is the ARPA backoff weight. No PyPI estimator writes correct backoff weights
without native tools, hence these few lines.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import TextIO

BOS, EOS = "<s>", "</s>"
Gram = tuple[str, ...]


class TrigramModel:
    def __init__(self, sentences: Iterable[str]) -> None:
        self.counts: list[Counter[Gram]] = [Counter(), Counter(), Counter()]
        for sentence in sentences:
            tokens = [BOS, *sentence.split(), EOS]
            for n in (1, 2, 3):
                for i in range(len(tokens) - n + 1):
                    gram = tuple(tokens[i:i + n])
                    if gram != (BOS,):
                        self.counts[n - 1][gram] += 1
        if not self.counts[0]:
            raise ValueError("no sentences to estimate a language model from")
        # c(h) and T(h) of every history, per order of the predicted n-gram.
        self.history: list[dict[Gram, tuple[int, int]]] = [{}, {}, {}]
        for n in (2, 3):
            total: dict[Gram, int] = defaultdict(int)
            types: dict[Gram, int] = defaultdict(int)
            for gram, c in self.counts[n - 1].items():
                total[gram[:-1]] += c
                types[gram[:-1]] += 1
            self.history[n - 1] = {h: (total[h], types[h]) for h in total}
        self.tokens = sum(self.counts[0].values())
        self.vocab = len(self.counts[0])
        self._cache: dict[Gram, float] = {}

    def prob(self, gram: Gram) -> float:
        """Interpolated P(w | history) for a gram of 1–3 words."""
        if gram in self._cache:
            return self._cache[gram]
        if len(gram) == 1:
            types = self.vocab
            p = (self.counts[0][gram] + types / self.vocab) / (self.tokens + types)
        else:
            lower = self.prob(gram[1:])
            seen = self.history[len(gram) - 1].get(gram[:-1])
            if seen is None:
                p = lower
            else:
                c, t = seen
                p = (self.counts[len(gram) - 1][gram] + t * lower) / (c + t)
        self._cache[gram] = p
        return p

    def backoff(self, history: Gram) -> float:
        seen = self.history[len(history)].get(history) if len(history) < 3 else None
        if seen is None:
            return 1.0
        c, t = seen
        return t / (c + t)

    def write_arpa(self, out: TextIO) -> None:
        grams = [sorted(self.counts[n]) for n in range(3)]
        out.write("\\data\\\n")
        out.write(f"ngram 1={len(grams[0]) + 1}\n")
        for n in (2, 3):
            out.write(f"ngram {n}={len(grams[n - 1])}\n")
        for n in (1, 2, 3):
            out.write(f"\n\\{n}-grams:\n")
            if n == 1:
                out.write(f"-99.0000 {BOS} {math.log10(self.backoff((BOS,))):.4f}\n")
            for gram in grams[n - 1]:
                line = f"{math.log10(self.prob(gram)):.4f} {' '.join(gram)}"
                if n < 3:
                    line += f" {math.log10(self.backoff(gram)):.4f}"
                out.write(line + "\n")
        out.write("\n\\end\\\n")
