"""The strict command grammar: the short command forms of the home's language, compiled to
a JSGF grammar for pocketsphinx, a phrase list for Vosk, and the phrase set a transcript
is snapped to. Sentences and their syntax live in `homewatch.language`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz, process

from homewatch.language.names import spoken_name, unique
from homewatch.language.sentences import ANSWERS, CORE
from homewatch.language.templates import TemplateError, expand, parse, slots_in, to_jsgf
from homewatch.language.words import DIGITS, THINGS, plural

DEFAULT_TEMPLATES: tuple[str, ...] = (
    *(t for items in CORE.values() for t in items),
    *(t for items in ANSWERS.values() for t in items),
)
# Slots spoken as a run of words (a PIN): one placeholder in the phrase set.
SEQUENCES: Mapping[str, str] = {"pin": "digit", "digit": "digit"}

__all__ = ["DEFAULT_TEMPLATES", "CommandGrammar", "Snap", "TemplateError", "spoken_name"]


@dataclass(frozen=True, slots=True)
class Snap:
    text: str
    score: float  # 0..100 similarity to the chosen phrase
    snapped: bool


class CommandGrammar:
    """The command language: phrases, JSGF, Vosk phrase list, and snapping."""

    def __init__(
        self,
        templates: Iterable[str] = DEFAULT_TEMPLATES,
        *,
        places: Iterable[str] = (),
        devices: Iterable[str] = (),
        wake_phrase: str | None = None,
        snap_threshold: float = 80.0,
    ) -> None:
        self.templates = tuple(templates)
        things = tuple(plural(t) for t in THINGS)
        self.slots: dict[str, tuple[str, ...]] = {
            "place": unique(spoken_name(p) for p in places),
            "device": unique(spoken_name(d) for d in devices),
            "obj": THINGS, "thing": THINGS, "objs": things, "things": things,
            "digit": DIGITS, "pin": DIGITS,
        }
        self.wake_phrase = spoken_name(wake_phrase) if wake_phrase else None
        self.snap_threshold = snap_threshold
        self._parsed = tuple(parse(t) for t in self.templates)
        self._check_slots()

    def _used(self) -> list[str]:
        return list(dict.fromkeys(s.name for seq in self._parsed for s in slots_in(seq)))

    def _sequence_slots(self) -> list[str]:
        return list(dict.fromkeys(s.name for seq in self._parsed for s in slots_in(seq)
                                  if s.repeat or s.name in SEQUENCES))

    def _check_slots(self) -> None:
        for name in self._used():
            if name not in self.slots:
                raise TemplateError(f"unknown slot {{{name}}}; known: "
                                    f"{', '.join(sorted(self.slots))}")
            if not self.slots[name]:
                raise TemplateError(f"slot {{{name}}} has no values; configure some")

    def _phrase_slots(self) -> dict[str, Sequence[str]]:
        """Slot values for expansion: runs of digits stay one placeholder."""
        values: dict[str, Sequence[str]] = dict(self.slots)
        for name in SEQUENCES:
            values[name] = ["<digit>"]
        return values

    @cached_property
    def phrases(self) -> tuple[str, ...]:
        """Every command sentence, digit runs as the placeholder `<digit>`."""
        slots = self._phrase_slots()
        return unique(p for seq in self._parsed for p in expand(seq, slots))

    @cached_property
    def words(self) -> tuple[str, ...]:
        found = {w for p in self.phrases for w in p.split() if not w.startswith("<")}
        if self._sequence_slots():
            found.update(DIGITS)
        if self.wake_phrase:
            found.update(self.wake_phrase.split())
        return tuple(sorted(found))

    def jsgf(self) -> str:
        rules = {name: "<digit>+" if name in SEQUENCES else f"<{name}>" for name in self.slots}
        wake = f"[ {self.wake_phrase} ] " if self.wake_phrase else ""
        body = " | ".join(f"( {to_jsgf(seq, rules)} )" for seq in self._parsed)
        lines = ["#JSGF V1.0;", "grammar homewatch;", f"public <command> = {wake}( {body} );"]
        used = {"digit" if n in SEQUENCES else n for n in self._used()}
        for name in sorted(used):
            lines.append(f"<{name}> = ( {' | '.join(self.slots[name])} );")
        return "\n".join(lines) + "\n"

    def vosk_phrases(self) -> list[str]:
        """Phrase list for a Vosk grammar (which loops over phrases, so parts concatenate)."""
        out: list[str] = []
        for phrase in self.phrases:
            out.extend(part.strip() for part in phrase.split("<digit>") if part.strip())
        if self._sequence_slots():
            out.extend(DIGITS)
        if self.wake_phrase:
            out.append(self.wake_phrase)
        return [*unique(out), "[unk]"]

    def snap(self, raw: str) -> Snap:
        """Nearest command sentence when close enough; otherwise the raw text itself."""
        text = " ".join(raw.lower().split())
        if not text:
            return Snap("", 0.0, False)
        wake, rest = self.split_wake(text)
        masked, runs = self._mask_repeats(rest)
        if not masked:
            return Snap(text, 100.0 if wake else 0.0, False)
        best = process.extractOne(masked, self.phrases, scorer=fuzz.ratio)
        if best is None or best[1] < self.snap_threshold:
            return Snap(text, best[1] if best else 0.0, False)
        snapped = self._unmask(best[0], runs)
        if snapped is None:
            return Snap(text, best[1], False)
        return Snap(" ".join(filter(None, (wake, snapped))), float(best[1]), True)

    def split_wake(self, text: str) -> tuple[str, str]:
        """Split off a leading wake phrase, allowing it to be heard as one word more or less."""
        if not self.wake_phrase:
            return "", text
        words = text.split()
        n = len(self.wake_phrase.split())
        heads = [k for k in (n - 1, n, n + 1) if 0 < k <= len(words)]
        scored = [(fuzz.ratio(" ".join(words[:k]), self.wake_phrase), k) for k in heads]
        score, k = max(scored, default=(0.0, 0))
        if score >= self.snap_threshold:
            return self.wake_phrase, " ".join(words[k:])
        return "", text

    def _mask_repeats(self, text: str) -> tuple[str, list[tuple[str, list[str]]]]:
        """Replace runs of repeated-slot words (digits) by their placeholder."""
        out: list[str] = []
        runs: list[tuple[str, list[str]]] = []
        for word in text.split():
            if word not in DIGITS or not self._sequence_slots():
                out.append(word)
                continue
            placeholder = "<digit>"
            if out and out[-1] == placeholder:
                runs[-1][1].append(word)
            else:
                out.append(placeholder)
                runs.append((placeholder, [word]))
        return " ".join(out), runs

    @staticmethod
    def _unmask(phrase: str, runs: list[tuple[str, list[str]]]) -> str | None:
        words: list[str] = []
        pending = list(runs)
        for word in phrase.split():
            if word.startswith("<"):
                if not pending or pending[0][0] != word:
                    return None  # the phrase wants digits the speaker did not say
                words.extend(pending.pop(0)[1])
            else:
                words.append(word)
        return " ".join(words)
