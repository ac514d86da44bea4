"""The one sentence-template syntax and its parser.

`(a|b)` alternatives, `(a|b)?` optional alternatives, `[x]` optional, `{slot}` one value of
a slot, `{slot}+` one or more values (spoken digits). Text is taken character by character,
so `there('s| is)` works; whitespace is normalised after expansion. A parsed template can be
sampled (training), expanded and counted (phrase lists), turned into a regular expression
(membership tests) or a JSGF rule (strict recognition).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

SlotFiller = Callable[[str], str]
REPEAT = "+"


class TemplateError(ValueError):
    """A sentence template that does not parse, or uses an unknown slot."""


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Slot:
    name: str
    repeat: bool = False


@dataclass(frozen=True, slots=True)
class Seq:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Alt:
    options: tuple[Seq, ...]
    optional: bool = False  # `(a|b)?`


@dataclass(frozen=True, slots=True)
class Opt:
    body: Seq


Node = Text | Slot | Seq | Alt | Opt


@lru_cache(maxsize=4096)
def parse(template: str) -> Seq:
    seq, pos = _sequence(template.lower(), 0)
    if pos != len(template):
        raise TemplateError(f"unbalanced brackets in template {template!r}")
    return seq


def _sequence(tpl: str, pos: int) -> tuple[Seq, int]:
    """Read until `)`, `]` or `|` at this level."""
    items: list[Node] = []
    text: list[str] = []

    def flush() -> None:
        if text:
            items.append(Text("".join(text)))
            text.clear()

    while pos < len(tpl) and tpl[pos] not in ")]|":
        char = tpl[pos]
        if char == "(":
            flush()
            node, pos = _alternatives(tpl, pos + 1)
            items.append(node)
        elif char == "[":
            flush()
            body, pos = _sequence(tpl, pos + 1)
            if pos >= len(tpl) or tpl[pos] != "]":
                raise TemplateError(f"missing ']' in template {tpl!r}")
            items.append(Opt(body))
            pos += 1
        elif char == "{":
            flush()
            end = tpl.find("}", pos)
            name = tpl[pos + 1:end]
            if end == -1 or not re.fullmatch(r"[a-z_]+", name):
                raise TemplateError(f"bad slot in template {tpl!r}")
            repeat = tpl.startswith(REPEAT, end + 1)
            items.append(Slot(name, repeat))
            pos = end + 1 + repeat
        elif char in "}?":
            raise TemplateError(f"stray {char!r} in template {tpl!r}")
        else:
            text.append(char)
            pos += 1
    flush()
    return Seq(tuple(items)), pos


def _alternatives(tpl: str, pos: int) -> tuple[Alt, int]:
    options: list[Seq] = []
    while True:
        seq, pos = _sequence(tpl, pos)
        options.append(seq)
        if pos >= len(tpl) or tpl[pos] == "]":
            raise TemplateError(f"missing ')' in template {tpl!r}")
        pos += 1
        if tpl[pos - 1] == ")":
            break
    optional = tpl.startswith("?", pos)
    return Alt(tuple(options), optional), pos + optional


# ---- sampling (training) --------------------------------------------------------------------

def sample(template: str | Seq, rng: random.Random, fill: SlotFiller) -> str:
    """One random sentence. Every slot is filled, even in alternatives not taken, and the
    random draws come in a fixed order, so a seed always gives the same sentences."""
    node = parse(template) if isinstance(template, str) else template
    return " ".join(_sample(node, rng, fill).split())


def _sample(node: Node, rng: random.Random, fill: SlotFiller) -> str:
    if isinstance(node, Text):
        return node.text
    if isinstance(node, Slot):
        return fill(node.name)
    if isinstance(node, Seq):
        return "".join(_sample(item, rng, fill) for item in node.items)
    if isinstance(node, Alt):
        options = [_sample(o, rng, fill) for o in node.options]
        choice = rng.choice(options)
        if node.optional:
            choice = choice if rng.random() < 0.5 else ""
        return choice
    body = _sample(node.body, rng, fill)
    return body if rng.random() < 0.5 else ""


# ---- expansion, counting, matching ------------------------------------------------------------

Slots = Mapping[str, Sequence[str]]


def expand(template: str | Seq, slots: Slots) -> list[str]:
    """Every sentence of a template (repeated slots stay as `<name>` placeholders)."""
    node = parse(template) if isinstance(template, str) else template
    return list(dict.fromkeys(" ".join(p.split()) for p in _expand(node, slots)))


def _expand(node: Node, slots: Slots) -> list[str]:
    if isinstance(node, Text):
        return [node.text]
    if isinstance(node, Slot):
        return [f" <{node.name}> "] if node.repeat else [f" {v} " for v in values(node.name, slots)]
    if isinstance(node, Alt):
        out = [p for option in node.options for p in _expand(option, slots)]
        return ["", *out] if node.optional else out
    if isinstance(node, Opt):
        return ["", *_expand(node.body, slots)]
    phrases = [""]
    for item in node.items:
        phrases = [a + b for a in phrases for b in _expand(item, slots)]
    return phrases


def count(template: str | Seq, slots: Slots) -> int:
    """How many sentences the template spans (counting each path once)."""
    node = parse(template) if isinstance(template, str) else template
    return _count(node, slots)


def _count(node: Node, slots: Slots) -> int:
    if isinstance(node, Text):
        return 1
    if isinstance(node, Slot):
        return 1 if node.repeat else len(values(node.name, slots))
    if isinstance(node, Alt):
        return sum(_count(o, slots) for o in node.options) + node.optional
    if isinstance(node, Opt):
        return 1 + _count(node.body, slots)
    total = 1
    for item in node.items:
        total *= _count(item, slots)
    return total


def to_regex(template: str | Seq, patterns: Mapping[str, str]) -> str:
    """A regular expression matching the template's sentences (single-spaced); `patterns`
    gives each slot's expression."""
    node = parse(template) if isinstance(template, str) else template
    return _regex(node, patterns)


def _regex(node: Node, patterns: Mapping[str, str]) -> str:
    if isinstance(node, Text):
        return r"\s*".join(re.escape(w) for w in re.split(r"\s+", node.text)) \
            if node.text.strip() else r"\s*"
    if isinstance(node, Slot):
        if node.name not in patterns:
            raise TemplateError(f"unknown slot {{{node.name}}}")
        inner = f"(?:{patterns[node.name]})"
        return rf"\s*{inner}(?:\s+{inner})*\s*" if node.repeat else rf"\s*{inner}\s*"
    if isinstance(node, Alt):
        body = "|".join(_regex(o, patterns) for o in node.options)
        return f"(?:{body}){'?' if node.optional else ''}"
    if isinstance(node, Opt):
        return f"(?:{_regex(node.body, patterns)})?"
    return "".join(_regex(i, patterns) for i in node.items)


def values(name: str, slots: Slots) -> Sequence[str]:
    if name not in slots:
        raise TemplateError(f"unknown slot {{{name}}}; known: {', '.join(sorted(slots))}")
    return slots[name]


def slots_in(template: str | Seq) -> list[Slot]:
    node = parse(template) if isinstance(template, str) else template
    return list(_slots(node))


def _slots(node: Node) -> Iterable[Slot]:
    if isinstance(node, Slot):
        yield node
    elif isinstance(node, Opt):
        yield from _slots(node.body)
    elif isinstance(node, Alt | Seq):
        for item in (node.options if isinstance(node, Alt) else node.items):
            yield from _slots(item)


# ---- JSGF (strict recognition) ------------------------------------------------------------------

def to_jsgf(template: str | Seq, rules: Mapping[str, str]) -> str:
    """The template as a JSGF expression; `rules` names each slot's rule (`<place>`,
    `<digit>+`). Words glued to a group (`there('s| is)`) have no JSGF form."""
    node = parse(template) if isinstance(template, str) else template
    return " ".join(_jsgf(node, rules).split())


def _jsgf(node: Node, rules: Mapping[str, str]) -> str:
    if isinstance(node, Text):
        return node.text
    if isinstance(node, Slot):
        if node.name not in rules:
            raise TemplateError(f"unknown slot {{{node.name}}}")
        rule = rules[node.name]
        return f" {rule}{REPEAT if node.repeat and not rule.endswith(REPEAT) else ''} "
    if isinstance(node, Alt):
        body = " ( " + " | ".join(_jsgf(o, rules) for o in node.options) + " ) "
        return f" [ {body} ] " if node.optional else body
    if isinstance(node, Opt):
        return f" [ {_jsgf(node.body, rules)} ] "
    for left, right in zip(node.items, node.items[1:], strict=False):
        if _glued(left, right) or _glued(right, left, leading=True):
            raise TemplateError("a word glued to a group has no JSGF form")
    return "".join(_jsgf(i, rules) for i in node.items)


def _glued(text: Node, other: Node, leading: bool = False) -> bool:
    """A word of `text` touches the group `other` with no space between."""
    if not isinstance(text, Text) or isinstance(other, Text):
        return False
    edge = text.text[:1] if leading else text.text[-1:]
    return bool(edge.strip())
