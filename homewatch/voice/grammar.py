"""Command sentences: templates with slots, expanded for the recognizers and for snapping.

Template syntax (after Rhasspy): `(a | b c)` alternatives, `[x]` optional, `{slot}` one value
of a slot, `{slot}+` one or more values (PIN digits). The same templates become a JSGF
grammar for pocketsphinx, a phrase list for Vosk, and the phrase set a transcript is
snapped to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz, process

# Each spoken command of the product, generalised. Slots are filled from the config.
DEFAULT_TEMPLATES: tuple[str, ...] = (
    "is (anyone | someone | anybody) (at | in) the {place}",
    "is there (someone | anyone | anybody | a {thing}) (in | at) the {place}",
    "are there (any | some) {things} (in | at) the {place}",
    "how many {things} are (in | at) the {place}",
    "do you see (the | a) {thing} (in | at) the {place}",
    "is the {thing} (in | at) the {place}",
    "what do you see (in | at) the {place}",
    "what is (in | at) the {place}",
    "take a snapshot of the {place}",
    "show me the {place}",
    "arm the system",
    "disarm the system [{digit}+]",
    "tell me when (someone | anyone | a {thing}) is (at | in) the {place}",
    "stop watching the {place}",
    "are the lights on (in | at) the {place}",
    "when did you last see (someone | anyone | a {thing} | the {thing}) (at | in) the {place}",
    "turn (on | off) the {device}",
    "what is the status",
)

THINGS: tuple[str, ...] = (
    "person", "car", "truck", "bicycle", "motorcycle", "bus", "dog", "cat", "bird", "package",
)
PLURALS: dict[str, str] = {"person": "people", "bus": "buses"}
DIGITS: tuple[str, ...] = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
)
REPEAT = "+"


@dataclass(frozen=True, slots=True)
class Word:
    text: str


@dataclass(frozen=True, slots=True)
class Slot:
    name: str
    repeat: bool = False

    @property
    def placeholder(self) -> str:
        return f"<{self.name}{REPEAT if self.repeat else ''}>"


@dataclass(frozen=True, slots=True)
class Seq:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Alt:
    options: tuple[Seq, ...]


@dataclass(frozen=True, slots=True)
class Opt:
    body: Seq


Node = Word | Slot | Seq | Alt | Opt

_TOKEN = re.compile(r"\{[a-z_]+\}\+?|[()\[\]|]|[^\s()\[\]|{}]+")


class TemplateError(ValueError):
    """A command template that does not parse."""


def parse_template(text: str) -> Seq:
    tokens = _TOKEN.findall(text.lower())
    seq, pos = _parse_alternatives(tokens, 0, text)
    if pos != len(tokens):
        raise TemplateError(f"unbalanced brackets in template {text!r}")
    if len(seq.options) != 1:
        return Seq((seq,))
    return seq.options[0]


def _parse_alternatives(tokens: list[str], pos: int, text: str) -> tuple[Alt, int]:
    options: list[Seq] = []
    items: list[Node] = []
    while pos < len(tokens):
        tok = tokens[pos]
        if tok in (")", "]"):
            break
        pos += 1
        if tok == "|":
            options.append(Seq(tuple(items)))
            items = []
        elif tok in ("(", "["):
            inner, pos = _parse_alternatives(tokens, pos, text)
            closing = ")" if tok == "(" else "]"
            if pos >= len(tokens) or tokens[pos] != closing:
                raise TemplateError(f"missing {closing!r} in template {text!r}")
            pos += 1
            group = Seq((inner,)) if len(inner.options) > 1 else inner.options[0]
            items.append(group if tok == "(" else Opt(group))
        elif tok.startswith("{"):
            items.append(Slot(tok.strip("{}+"), tok.endswith(REPEAT)))
        else:
            items.append(Word(tok))
    options.append(Seq(tuple(items)))
    if any(not o.items for o in options):
        raise TemplateError(f"empty alternative in template {text!r}")
    return Alt(tuple(options)), pos


def expand(node: Node, slots: Mapping[str, Sequence[str]]) -> list[str]:
    """Every phrase a node can produce; repeated slots stay as their placeholder."""
    if isinstance(node, Word):
        return [node.text]
    if isinstance(node, Slot):
        return [node.placeholder] if node.repeat else list(_slot_values(node.name, slots))
    if isinstance(node, Opt):
        return ["", *expand(node.body, slots)]
    if isinstance(node, Alt):
        return [p for option in node.options for p in expand(option, slots)]
    phrases = [""]
    for item in node.items:
        phrases = [f"{a} {b}".strip() for a in phrases for b in expand(item, slots)]
    return phrases


def _slot_values(name: str, slots: Mapping[str, Sequence[str]]) -> Sequence[str]:
    if name not in slots:
        raise TemplateError(f"unknown slot {{{name}}}; known: {', '.join(sorted(slots))}")
    return slots[name]


def to_jsgf(node: Node) -> str:
    if isinstance(node, Word):
        return node.text
    if isinstance(node, Slot):
        return f"<{node.name}>{REPEAT if node.repeat else ''}"
    if isinstance(node, Opt):
        return f"[ {to_jsgf(node.body)} ]"
    if isinstance(node, Alt):
        return "( " + " | ".join(to_jsgf(o) for o in node.options) + " )"
    return " ".join(to_jsgf(i) for i in node.items)


def spoken_name(name: str) -> str:
    """`front_door` → `front door`: how a configured name is said."""
    return " ".join(re.sub(r"[^\w']+|_", " ", name.lower()).split())


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
        self.slots: dict[str, tuple[str, ...]] = {
            "place": _unique(spoken_name(p) for p in places),
            "device": _unique(spoken_name(d) for d in devices),
            "thing": THINGS,
            "things": tuple(PLURALS.get(t, t + "s") for t in THINGS),
            "digit": DIGITS,
        }
        self.wake_phrase = spoken_name(wake_phrase) if wake_phrase else None
        self.snap_threshold = snap_threshold
        self._parsed = tuple(parse_template(t) for t in self.templates)
        self._check_slots()

    def _check_slots(self) -> None:
        for seq in self._parsed:
            for slot in _slots_in(seq):
                values = _slot_values(slot.name, self.slots)
                if not values:
                    raise TemplateError(f"slot {{{slot.name}}} has no values; configure some")

    @cached_property
    def phrases(self) -> tuple[str, ...]:
        """Every command sentence, repeated slots as placeholders (`<digit+>`)."""
        return _unique(p for seq in self._parsed for p in expand(seq, self.slots))

    @cached_property
    def words(self) -> tuple[str, ...]:
        found = {w for p in self.phrases for w in p.split() if not w.startswith("<")}
        for slot in (s for seq in self._parsed for s in _slots_in(seq) if s.repeat):
            found.update(w for v in self.slots[slot.name] for w in v.split())
        if self.wake_phrase:
            found.update(self.wake_phrase.split())
        return tuple(sorted(found))

    def jsgf(self) -> str:
        wake = f"[ {self.wake_phrase} ] " if self.wake_phrase else ""
        body = " | ".join(f"( {to_jsgf(seq)} )" for seq in self._parsed)
        lines = ["#JSGF V1.0;", "grammar homewatch;", f"public <command> = {wake}( {body} );"]
        for name in sorted({s.name for seq in self._parsed for s in _slots_in(seq)}):
            values = " | ".join(self.slots[name])
            lines.append(f"<{name}> = ( {values} );")
        return "\n".join(lines) + "\n"

    def vosk_phrases(self) -> list[str]:
        """Phrase list for a Vosk grammar (which loops over phrases, so parts concatenate)."""
        out: list[str] = []
        for phrase in self.phrases:
            out.extend(part.strip() for part in re.split(r"<[a-z_]+\+>", phrase) if part.strip())
        for slot in (s for seq in self._parsed for s in _slots_in(seq) if s.repeat):
            out.extend(self.slots[slot.name])
        if self.wake_phrase:
            out.append(self.wake_phrase)
        return [*_unique(out), "[unk]"]

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
        repeat_slots = {s.name for seq in self._parsed for s in _slots_in(seq) if s.repeat}
        out: list[str] = []
        runs: list[tuple[str, list[str]]] = []
        for word in text.split():
            slot = next((n for n in repeat_slots if word in self.slots[n]), None)
            if slot is None:
                out.append(word)
                continue
            placeholder = Slot(slot, True).placeholder
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


def _slots_in(node: Node) -> Iterable[Slot]:
    if isinstance(node, Slot):
        yield node
    elif isinstance(node, Opt):
        yield from _slots_in(node.body)
    elif isinstance(node, Alt):
        for option in node.options:
            yield from _slots_in(option)
    elif isinstance(node, Seq):
        for item in node.items:
            yield from _slots_in(item)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))
