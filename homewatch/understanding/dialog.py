"""From a transcript and a scene to an understanding and the words of the answer.

Everything here is synchronous and side-effect free; `service.py` runs it in the inference
thread and performs the actions (alarm, watches, publishing).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from homewatch.core.messages import EventHistory, SceneSnapshot
from homewatch.understanding.config import UnderstandingConfig
from homewatch.understanding.features import vision_vector
from homewatch.understanding.gazetteer import Found, Gazetteer, camera_label
from homewatch.understanding.model import FusionModel, Prediction
from homewatch.understanding.replies import ago, capitalize, counted, join, noun, where
from homewatch.understanding.schema import PLACE
from homewatch.understanding.tokenizer import NUMBER_WORDS, words

DARK_BELOW = 0.27  # same boundary the model was trained with
# Recognizers hear digits as these words too.
DIGIT_SOUNDALIKES = {"won": "1", "to": "2", "too": "2", "for": "4", "ate": "8", "nein": "9"}


@dataclass(frozen=True, slots=True)
class Understanding:
    text: str
    found: Found
    camera: str | None
    place: str | None  # how to say the camera/zone
    snapshot: SceneSnapshot | None
    prediction: Prediction


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    answer: bool | None = None
    count: int | None = None
    confidence: float = 1.0
    details: Mapping[str, Any] | None = None  # the reply's `details` (whole-home answers)
    cameras: tuple[str, ...] | None = None  # the cameras the answer is about, when not one


def later(found: tuple[str, float] | None, camera: str,
          live: float | None) -> tuple[str, float] | None:
    """The later of a recorded sighting (camera, time) and a camera's live one."""
    if live is not None and (found is None or live > found[1]):
        return camera, live
    return found


def counted_objects(label: str, prediction: Prediction, snapshot: SceneSnapshot | None) -> int:
    """How many, once the model said yes: the tracker's confirmed count when it has one (the
    count head is less sharp than the tracker), else the count head's, at least one."""
    tracked = snapshot.stats(label).count if snapshot is not None else 0
    return tracked if tracked > 0 else max(1, prediction.count)


def no_picture(place: str | None) -> Answer:
    return Answer(f"I have no picture{f' of the {place}' if place else ''} right now.", None,
                  None, 0.0)


def spoken_pin(text: str) -> str | None:
    """The last run of spoken digits ("one two three four" → "1234"), if any."""
    runs: list[str] = []
    current = ""
    for word in words(text):
        digit = word if word.isdigit() else NUMBER_WORDS.get(word)
        if digit is None and current:
            digit = DIGIT_SOUNDALIKES.get(word)
        if digit is not None:
            current += digit
        elif current:
            runs.append(current)
            current = ""
    if current:
        runs.append(current)
    runs = [r for r in runs if len(r) >= 3]
    return runs[-1] if runs else None


def arm_mode(text: str) -> str:
    return "armed_home" if re.search(r"\b(home|stay|night|bed)\b", text.lower()) else "armed_away"


class Dialog:
    def __init__(self, config: UnderstandingConfig, model: FusionModel,
                 cameras: Callable[[], Sequence[str]]) -> None:
        self.config = config
        self.model = model
        self._cameras = cameras
        self._gazetteer_for: tuple[str, ...] | None = None
        self._gazetteer = Gazetteer([])
        self._probes = {label: model.encode(f"is there a {label} at the {PLACE}")
                        for label in model.spec.classes}
        self._probes["none"] = model.encode(f"is there anything at the {PLACE}")

    def gazetteer(self) -> Gazetteer:
        cameras = tuple(self._cameras())
        if cameras != self._gazetteer_for:
            self._gazetteer = Gazetteer.from_config(self.config, cameras)
            self._gazetteer_for = cameras
        return self._gazetteer

    def find(self, text: str) -> Found:
        return self.gazetteer().find(text)

    def resolve_camera(self, found: Found, requested: str | None) -> tuple[str | None, str | None]:
        """(camera id, spoken place) from the names heard, the request, or the default."""
        match = found.first("camera", "zone")
        if match is not None:
            return match.name.target, match.name.label
        camera = requested or self.config.default_camera
        cameras = self._cameras()
        if camera is None and cameras:
            camera = cameras[0]
        if camera is None:
            return None, None
        if camera in self.config.camera_names and not self.config.camera_names[camera]:
            return camera, None  # configured without a spoken name: replies name no place
        spoken = self.config.camera_names.get(camera, ())
        return camera, spoken[0] if spoken else camera_label(camera)

    def understand(self, text: str, found: Found, camera: str | None, place: str | None,
                   snapshot: SceneSnapshot | None) -> Understanding:
        prediction = self.model.predict(self.model.encode(found.text),
                                        vision_vector(snapshot, self.model.spec))
        return Understanding(text, found, camera, place, snapshot, prediction)

    def agreement(self, intent: str, hypotheses: Sequence[str],
                  snapshot: SceneSnapshot | None = None) -> float:
        """The share of `hypotheses` (a recognizer's best transcripts) meaning `intent`."""
        if not hypotheses:
            return 0.0
        vision = vision_vector(snapshot, self.model.spec)
        same = sum(self.model.predict(self.model.encode(self.find(h).text), vision).intent == intent
                   for h in hypotheses)
        return same / len(hypotheses)

    def presence(self, label: str, vision: npt.NDArray[np.float32]) -> Prediction:
        """The fused verdict on one class (or "none": anything) in a scene."""
        return self.model.predict(self._probes[label], vision)

    def contents(self, snapshot: SceneSnapshot | None) -> list[tuple[str, int]]:
        """Classes the camera tracks that the model believes are really there, with their
        counts (the model sees every class; a camera that tracks only people talks of people)."""
        if snapshot is None:
            return []
        vision = vision_vector(snapshot, self.model.spec)
        items: list[tuple[str, int]] = []
        for label in self.model.spec.classes:
            if not snapshot.reports(label):
                continue
            stats = snapshot.stats(label)
            if stats.max_score <= 0 and stats.count <= 0:
                continue
            verdict = self.presence(label, vision)
            if verdict.answer_p >= 0.5:
                items.append((label, counted_objects(label, verdict, snapshot)))
        return items

    # ---- answers to questions -------------------------------------------------------------

    def unsure(self, p: float) -> bool:
        return abs(p - 0.5) < self.config.unsure_margin

    def presence_answer(self, u: Understanding, now: float) -> Answer:  # noqa: PLR0911
        p, obj = u.prediction, u.prediction.object
        at = where(u.place)
        if u.snapshot is None:
            return no_picture(u.place)
        confidence = min(p.intent_conf, max(p.answer_p, 1 - p.answer_p))
        if obj == "none":
            items = self.contents(u.snapshot)
            if self.unsure(p.answer_p):
                return Answer(f"I'm not sure; maybe something{at}.", None, None, confidence)
            if p.answer_p >= 0.5:
                things = join([counted(lbl, n) for lbl, n in items]) or "something"
                return Answer(f"Yes, {things}{at}.", True, None, confidence)
            return Answer(f"No, nothing{at} right now.", False, 0, confidence)
        if self.unsure(p.answer_p):
            return Answer(f"I'm not sure; there might be a {obj}{at} "
                          f"({round(p.answer_p * 100)}% sure).", None, None, confidence)
        if p.answer_p < 0.5:
            return Answer(f"No, I don't see any {noun(obj, 2)}{at}.", False, 0, confidence)
        count = counted_objects(obj, p, u.snapshot)
        seen = u.snapshot.last_seen.get(obj)
        when = f", seen {ago(now - seen)}" if seen is not None else ""
        return Answer(f"Yes, {counted(obj, count)}{at}{when}.", True, count, confidence)

    def count_answer(self, u: Understanding) -> Answer:
        p, obj = u.prediction, u.prediction.object
        at = where(u.place)
        if u.snapshot is None:
            return no_picture(u.place)
        if obj == "none":
            items = self.contents(u.snapshot)
            total = sum(n for _, n in items)
            text = join([counted(lbl, n) for lbl, n in items]) or "nothing"
            return Answer(f"I see {text}{at}.", None, total, p.intent_conf)
        # P(yes) has learnt to ignore flickers: it vetoes a count on a ghost.
        count = counted_objects(obj, p, u.snapshot) if p.answer_p >= 0.5 else 0
        if count == 0:
            return Answer(f"I don't see any {noun(obj, 2)}{at}.", None, 0, p.intent_conf)
        return Answer(f"I see {counted(obj, count)}{at}.", None, count,
                      min(p.intent_conf, p.count_conf))

    def describe_answer(self, u: Understanding) -> Answer:
        at = where(u.place)
        if u.snapshot is None:
            return no_picture(u.place)
        items = self.contents(u.snapshot)
        dark = " It's dark there." if u.snapshot.brightness < DARK_BELOW else ""
        if not items:
            return Answer(f"Nothing{at} right now.{dark}", None, 0, u.prediction.intent_conf)
        text = capitalize(join([counted(lbl, n) for lbl, n in items]))
        return Answer(f"{text}{at}.{dark}", None, sum(n for _, n in items),
                      u.prediction.intent_conf)

    def lights_answer(self, u: Understanding) -> Answer:
        p = u.prediction
        if u.snapshot is None:
            return no_picture(u.place)
        state = "looks dark" if u.snapshot.brightness < DARK_BELOW else "looks lit"
        place = f"the {u.place}" if u.place else "it"
        fact = f"{place} {state} (brightness {round(u.snapshot.brightness * 100)}%)"
        confidence = min(p.intent_conf, max(p.answer_p, 1 - p.answer_p))
        if self.unsure(p.answer_p):
            return Answer(f"I'm not sure; {fact}.", None, None, confidence)
        yes = p.answer_p >= 0.5
        return Answer(f"{'Yes' if yes else 'No'}, {fact}.", yes, None, confidence)

    def last_seen_answer(self, u: Understanding, history: EventHistory, named_camera: bool,
                         now: float) -> Answer:
        obj = u.prediction.object
        label = "person" if obj == "none" else obj
        camera = u.camera if named_camera else None
        found = history.last_seen(label, camera)
        if u.camera is not None and u.snapshot is not None:
            found = later(found, u.camera, u.snapshot.last_seen.get(label))
        at = where(u.place) if named_camera else ""
        if found is None:
            return Answer(f"I haven't seen any {noun(label, 2)}{at}.", None, None,
                          u.prediction.intent_conf)
        cam, ts = found
        return Answer(f"I last saw a {label}{where(self.place_of(cam))} {ago(now - ts)}.",
                      None, None, u.prediction.intent_conf)

    def place_of(self, camera: str) -> str:
        spoken = self.config.camera_names.get(camera, ())
        return spoken[0] if spoken else camera_label(camera)
