"""Training and evaluation examples: a sentence, a scene, and what the model should say."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from homewatch.language import sentences, words
from homewatch.language.templates import sample
from homewatch.training.asr import learn_confusions
from homewatch.training.noise import AsrNoise
from homewatch.training.phonetic import load_neighbors
from homewatch.training.scenes import Scene, sample_scene
from homewatch.training.spoken import Spoken, kept, load_spoken, training_spoken
from homewatch.understanding.features import FeatureSpec
from homewatch.understanding.schema import (
    DEVICE,
    INTENTS,
    MAX_COUNT,
    OBJECT_INTENTS,
    OBJECTS,
    PLACE,
    YES_NO_INTENTS,
)
from homewatch.understanding.tokenizer import Vocabulary

OBJECT_SLOTS = {"a_obj", "objs", "the_obj", "obj"}
PERSON_WORDS = {"anyone", "anybody", "someone", "somebody", "who", "nobody", "everyone",
                "everybody"}
NEGATIVE_LIGHT_WORDS = {"dark", "black", "off"}  # "is it dark?" — yes means no light
DIGITS = words.DIGITS
TEST_EVERY = 5  # every 5th template of each intent is held out for testing


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: str
    object: str
    scene: Scene
    answer: float | None  # P(yes) label; None when the intent asks no yes/no question
    count: int | None


@dataclass
class Arrays:
    tokens: npt.NDArray[np.int32]
    vision: npt.NDArray[np.float32]
    intent: npt.NDArray[np.int32]
    object: npt.NDArray[np.int32]
    answer: npt.NDArray[np.float32]
    answer_w: npt.NDArray[np.float32]
    count: npt.NDArray[np.int32]
    count_w: npt.NDArray[np.float32]
    texts: list[str] = field(default_factory=list)


def split_templates(part: Literal["all", "train", "test"]) -> dict[str, list[str]]:
    """All templates, or the train / held-out part of a template-level split (every
    `TEST_EVERY`-th template of each intent is held out: unseen paraphrase patterns)."""
    table = {**sentences.TEMPLATES, "unknown": sentences.OUT_OF_DOMAIN_TEMPLATES}
    if part == "all":
        return {intent: list(items) for intent, items in table.items()}
    test = part == "test"
    return {intent: [t for i, t in enumerate(items) if (i % TEST_EVERY == TEST_EVERY - 1) == test]
            for intent, items in table.items()}


class Generator:
    """Samples examples from one template split."""

    def __init__(self, seed: int, templates: Literal["all", "train", "test"] = "all",
                 noise_p: float = 0.0, raw_names_p: float = 0.25,
                 exclude: frozenset[str] = frozenset(), *, spoken_p: float = 0.0,
                 spoken: Sequence[Spoken] | None = None,
                 neighbors: Mapping[str, list[str]] | None = None,
                 garble_kept: float = 0.0, garble_p: float = 0.0) -> None:
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        self.templates = split_templates(templates)
        self.exclude = exclude  # sentences that must not be generated (the training set)
        spoken = load_spoken() if spoken is None else spoken
        swaps = learn_confusions((s.reference, s.pocketsphinx) for s in spoken)
        for word, near in (load_neighbors() if neighbors is None else neighbors).items():
            swaps.setdefault(word, []).extend(near)
        self.noise = AsrNoise(swaps)
        self.noise_p = noise_p
        # Whole recognizer outputs of our own spoken sentences, by intent.
        self.spoken_p = spoken_p
        # Heavily misheard sentences; below `garble_kept` surviving words they become unknown.
        self.garble_p, self.garble_kept = garble_p, garble_kept
        self.spoken: dict[str, list[Spoken]] = {}
        for row in spoken:
            if not row.pocketsphinx:
                continue
            # Too little survived recognition: the right answer is "didn't catch that".
            lost = kept(row.reference, row.pocketsphinx) < garble_kept
            use = replace(row, intent="unknown", object="none") if lost else row
            self.spoken.setdefault(use.intent, []).append(use)
        self.raw_names_p = raw_names_p
        self.spec = FeatureSpec()

    def sentence(self, intent: str, obj: str | None = None) -> tuple[str, str]:
        """(text, object label) for one intent."""
        template = self.rng.choice(self.templates[intent])
        label = obj or self._object_class()
        # Slots inside dropped optional parts are rendered too: mark what survives.
        text = sample(template, self.rng, lambda slot: f"\x00{slot}\x01{self._fill(slot, label)}")
        filled = set(re.findall("\x00([a-z_]+)\x01", text))
        text = re.sub("\x00[a-z_]+\x01", "", text)
        if not filled & OBJECT_SLOTS:
            person = intent in OBJECT_INTENTS and (set(text.split()) & PERSON_WORDS
                                                   or " no one " in f" {text} ")
            label = "person" if person else "none"
        if intent not in ("unknown", "status") and self.rng.random() < 0.12:
            text = f"{self.rng.choice(words.WAKE)} {text}"
        return text, label

    def example(self, intent: str, scene_kind: str = "any", obj: str | None = None) -> Example:
        heard = None
        if obj is None and self.spoken_p and intent in self.spoken \
                and self.rng.random() < self.spoken_p:
            heard = self.rng.choice(self.spoken[intent])
            text, label = heard.pocketsphinx, heard.object
        else:
            for _ in range(50):
                text, label = self.sentence(intent, obj)
                if text not in self.exclude:
                    break
        scene = self._scene(label, intent, scene_kind)
        answer: float | None = None
        if intent == "ask_presence":
            answer = float(scene.present(label))
        elif intent == "ask_lights":
            negative = bool(set(text.split()) & NEGATIVE_LIGHT_WORDS)
            answer = float(scene.bright != negative)
        count = min(scene.count(label), MAX_COUNT) if (
            intent in ("ask_presence", "ask_count") and label != "none") else None
        if heard is None and self.noise_p and self.rng.random() < self.noise_p:
            severity = 3.0 if self.garble_p and self.rng.random() < self.garble_p else 1.0
            for _ in range(20):
                noisy = self.noise(text, self.rng, severity)
                if noisy not in self.exclude:
                    break
            if kept(text, noisy) < self.garble_kept:
                return Example(noisy, "unknown", "none", scene, None, None)
            text = noisy
        return Example(text, intent, label, scene, answer, count)

    def _scene(self, label: str, intent: str, kind: str) -> Scene:
        if kind == "flicker":
            return sample_scene(self.np_rng, self.spec, focus=label, role="flicker",
                                flicker_only=True)
        if intent in ("ask_presence", "ask_count") and label != "none":
            role = self.rng.choices(["true", "flicker", "absent"], [0.5, 0.25, 0.25])[0]
            return sample_scene(self.np_rng, self.spec, focus=label, role=role)  # type: ignore[arg-type]
        return sample_scene(self.np_rng, self.spec)

    def _object_class(self) -> str:
        return self.rng.choice(OBJECTS[:-1])

    def _fill(self, slot: str, label: str) -> str:  # noqa: PLR0911
        singular, plural = words.OBJECT_WORDS[label]
        if slot == "a_obj":
            if label == "person" and self.rng.random() < 0.5:
                return self.rng.choice(words.PERSON_PRONOUNS)
            noun = self.rng.choice(singular)
            return words.a_noun(noun)
        if slot == "the_obj":
            return f"the {self.rng.choice(singular)}"
        if slot == "obj":
            return self.rng.choice(singular)
        if slot == "objs":
            return self.rng.choice(plural)
        if slot == "anything":
            return self.rng.choice(words.ANYTHING)
        if slot == "place":
            return self.rng.choice(words.PLACES) if self.rng.random() < self.raw_names_p else PLACE
        if slot == "device":
            raw = self.rng.random() < self.raw_names_p
            return self.rng.choice(words.DEVICES) if raw else DEVICE
        if slot == "pin":
            digits = [self.rng.choice(DIGITS) for _ in range(self.rng.randint(3, 6))]
            return "".join(str(DIGITS.index(d)) for d in digits) if self.rng.random() < 0.2 \
                else " ".join(digits)
        raise ValueError(f"unknown slot {{{slot}}}")


# Yes/no questions need more examples: their answer depends on the scene too (and presence
# and count have the most phrasings: whole-home and emptiness questions too).
OVERSAMPLE = {"ask_presence": 3.5, "ask_lights": 1.5, "ask_count": 1.8}


def generate(gen: Generator, per_intent: int, scene_kind: str = "any",
             intents: Sequence[str] = INTENTS, oversample: bool = False) -> list[Example]:
    examples = [gen.example(intent, scene_kind) for intent in intents
                for _ in range(int(per_intent * (OVERSAMPLE.get(intent, 1.0) if oversample
                                                 else 1.0)))]
    gen.rng.shuffle(examples)
    return examples


def training_generator(options: Mapping[str, Any]) -> Generator:
    """The generator of a training run, from its options (as recorded in `fusion.json`)."""
    part: Literal["all", "train"] = "train" if options.get("holdout_templates") else "all"
    return Generator(options["seed"], part, noise_p=options["noise_p"],
                     spoken_p=options.get("spoken_p", 0.0),
                     spoken=training_spoken(options.get("lm_spoken", False)),
                     garble_kept=options.get("garble_kept", 0.0),
                     garble_p=options.get("garble_p", 0.0))


def to_arrays(examples: Sequence[Example], vocab: Vocabulary) -> Arrays:
    return Arrays(
        tokens=np.array([vocab.encode(e.text) for e in examples], np.int32),
        vision=np.stack([e.scene.vector for e in examples]).astype(np.float32),
        intent=np.array([INTENTS.index(e.intent) for e in examples], np.int32),
        object=np.array([OBJECTS.index(e.object) for e in examples], np.int32),
        answer=np.array([e.answer or 0.0 for e in examples], np.float32),
        answer_w=np.array([e.answer is not None for e in examples], np.float32),
        count=np.array([e.count or 0 for e in examples], np.int32),
        count_w=np.array([e.count is not None for e in examples], np.float32),
        texts=[e.text for e in examples],
    )


def scene_questions(gen: Generator, n: int, flicker: bool) -> list[Example]:
    """Presence questions about held-out scenes; flicker scenes ask about the flickering class."""
    out: list[Example] = []
    for _ in range(n):
        obj = gen._object_class()
        out.append(gen.example("ask_presence", "flicker" if flicker else "any", obj))
    return out


__all__ = ["OBJECT_INTENTS", "YES_NO_INTENTS", "Arrays", "Example", "Generator", "generate",
           "scene_questions", "split_templates", "to_arrays", "training_generator"]
