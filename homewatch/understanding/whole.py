"""Questions about the whole home: presence, counts and "where" over every camera in scope.

A question that names no place covers every camera (or a named group of them); the answer
says where: "Yes, ten people in the back yard." / "No one at the front door or in the back
yard." Emptiness questions ("is the back yard empty?") flip the yes/no. Everything here is
synchronous; the service runs it in the inference thread.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from homewatch.core.messages import EventHistory, SceneProvider
from homewatch.language.polarity import Polarity
from homewatch.understanding.dialog import (
    Answer,
    Dialog,
    Understanding,
    counted_objects,
    later,
)
from homewatch.understanding.features import vision_vector
from homewatch.understanding.model import Prediction
from homewatch.understanding.replies import (
    MAX_PLACES,
    ago,
    at,
    at_places,
    capitalize,
    clock,
    counted,
    join,
    noun,
)
from homewatch.understanding.scope import Scope, combined_count


@dataclass(frozen=True, slots=True)
class Seen:
    """One camera's verdict on the question."""

    camera: str
    place: str
    p_yes: float
    count: int  # objects counted once the verdict is yes, else 0
    items: tuple[tuple[str, int], ...]  # for "anything": what is there
    last_seen: float | None

    def to_json(self) -> dict[str, Any]:
        return {"camera": self.camera, "place": self.place, "p": round(self.p_yes, 3),
                "count": self.count, "items": [list(i) for i in self.items],
                "last_seen": self.last_seen}


class WholeHome:
    """Presence, count and where over a scope of cameras, with the fusion model per camera."""

    def __init__(self, dialog: Dialog, scenes: SceneProvider,
                 overlaps: Mapping[str, Iterable[str]]) -> None:
        self.dialog = dialog
        self.scenes = scenes
        self.overlaps = overlaps

    def look(self, u: Understanding, scope: Scope) -> tuple[list[Seen], list[str]]:
        """Each camera's verdict on the question (and the cameras without a picture)."""
        model = self.dialog.model
        tokens = model.encode(u.found.text)
        obj = u.prediction.object
        label = "person" if obj == "none" and u.prediction.intent == "ask_where" else obj
        seen: list[Seen] = []
        blind: list[str] = []
        for camera in scope.cameras:
            snapshot = self.scenes.snapshot(camera)
            if snapshot is None:
                blind.append(camera)
                continue
            vision = vision_vector(snapshot, model.spec)
            verdict = self._verdict(tokens, vision, label)
            items: tuple[tuple[str, int], ...] = ()
            count = 0
            if verdict.answer_p >= 0.5:
                if label == "none":
                    items = tuple(self.dialog.contents(snapshot))
                    count = sum(n for _, n in items)
                else:
                    count = counted_objects(label, verdict, snapshot)
            place = self._place(camera, scope)
            last = snapshot.last_seen.get(label) if label != "none" else max(
                snapshot.last_seen.values(), default=None)
            seen.append(Seen(camera, place, verdict.answer_p, count, items, last))
        return seen, blind

    def _verdict(self, tokens: npt.NDArray[np.int32], vision: npt.NDArray[np.float32],
                 label: str) -> Prediction:
        """The model's verdict on the asked object in one camera's scene."""
        prediction = self.dialog.model.predict(tokens, vision)
        if prediction.object != label:  # "where is everyone" asks about people
            prediction = self.dialog.presence(label, vision)
        return prediction

    def _place(self, camera: str, scope: Scope) -> str:
        if scope.kind == "named" and scope.name:
            return scope.name
        return self.dialog.place_of(camera)

    # ---- answers -------------------------------------------------------------------------

    def presence(self, u: Understanding, scope: Scope, polarity: Polarity) -> Answer:
        seen, blind = self.look(u, scope)
        if not seen:
            return self._blind(scope)
        obj = u.prediction.object
        sure_yes = [s for s in seen if s.p_yes >= 0.5 and not self.dialog.unsure(s.p_yes)]
        maybe = [s for s in seen if self.dialog.unsure(s.p_yes)]
        p_any = max(s.p_yes for s in seen)
        confidence = min(u.prediction.intent_conf, max(p_any, 1 - p_any))
        details = self._details(scope, seen, blind, polarity)
        total = combined_count({s.camera: s.count for s in sure_yes}, self.overlaps)
        found = "; ".join(self._found(s, obj) for s in sure_yes)
        cameras = tuple(s.camera for s in (sure_yes or maybe))
        if sure_yes:
            yes = polarity == "pos"
            return Answer(f"{'Yes' if yes else 'No'}, {found}.", yes, total, confidence,
                          details, cameras)
        if maybe:
            what = "something" if obj == "none" else f"a {obj}"
            return Answer(f"I'm not sure; maybe {what} {at_places([s.place for s in maybe])}.",
                          None, None, confidence, details, cameras)
        places = [s.place for s in seen]
        about = scope.cameras if scope.kind == "named" else ()
        if polarity == "neg":
            return Answer(self._empty(obj, places), True, 0, confidence, details, about)
        return Answer(self._nothing(obj, places), False, 0, confidence, details, about)

    def _found(self, s: Seen, obj: str) -> str:
        if obj == "none":
            things = join([counted(lbl, n) for lbl, n in s.items]) or "something"
            return f"{things} {at(s.place)}"
        return f"{counted(obj, s.count)} {at(s.place)}"

    @staticmethod
    def _nothing(obj: str, places: Sequence[str]) -> str:
        where = at_places(places)
        if obj == "person":
            return f"No one {where}."
        if obj == "none":
            return f"No, nothing {where} right now."
        return f"No {noun(obj, 2)} {where}."

    @staticmethod
    def _empty(obj: str, places: Sequence[str]) -> str:
        if obj not in ("person", "none"):
            return f"Yes, no {noun(obj, 2)} {at_places(places)}."
        if len(places) > MAX_PLACES:
            return "Yes, it's empty everywhere I can see."
        names = join([f"the {p}" for p in places])
        return f"Yes, {names} {'is' if len(places) == 1 else 'are'} empty."

    def count(self, u: Understanding, scope: Scope) -> Answer:
        seen, blind = self.look(u, scope)
        if not seen:
            return self._blind(scope)
        obj = u.prediction.object
        with_some = [s for s in seen if s.count > 0]
        details = self._details(scope, seen, blind, "pos")
        if not with_some:
            what = "anything" if obj == "none" else f"any {noun(obj, 2)}"
            return Answer(f"I don't see {what} {at_places([s.place for s in seen])}.", None, 0,
                          u.prediction.intent_conf, details, ())
        cameras = tuple(s.camera for s in with_some)
        total = combined_count({s.camera: s.count for s in with_some}, self.overlaps)
        parts = [self._found(s, obj) for s in with_some]
        if len(with_some) == 1 or obj == "none":
            text = f"I see {join(parts)}."
        else:
            text = f"I see {counted(obj, total)}: {join(parts)}."
        return Answer(text, None, total, u.prediction.intent_conf, details, cameras)

    def describe(self, u: Understanding, scope: Scope) -> Answer:
        """What every camera in scope sees: "Two people in the back yard and one car in the
        driveway." (the places with something, up to `MAX_PLACES`)."""
        seen: list[tuple[str, str, list[tuple[str, int]]]] = []
        for camera in scope.cameras:
            snapshot = self.scenes.snapshot(camera)
            if snapshot is not None:
                seen.append((camera, self._place(camera, scope),
                             self.dialog.contents(snapshot)))
        if not seen:
            return self._blind(scope)
        busy = [(c, p, items) for c, p, items in seen if items]
        details = {"scope": scope.to_json(), "cameras": [
            {"camera": c, "place": p, "items": [list(i) for i in items]} for c, p, items in seen]}
        conf = u.prediction.intent_conf
        if not busy:
            return Answer(f"Nothing {at_places([p for _, p, _ in seen])} right now.", None, 0,
                          conf, details, ())
        parts = [f"{join([counted(lbl, n) for lbl, n in items])} {at(place)}"
                 for _, place, items in busy[:MAX_PLACES]]
        more = len(busy) - MAX_PLACES
        tail = f", and more in {more} other place{'s' if more != 1 else ''}" if more > 0 else ""
        total = sum(n for _, _, items in busy for _, n in items)
        return Answer(f"{capitalize(join(parts))}{tail}.", None, total, conf, details,
                      tuple(c for c, _, _ in busy))

    def last_seen(self, u: Understanding, scope: Scope, history: EventHistory,
                  now: float) -> Answer:
        """The latest sighting among the scope's cameras (a group)."""
        obj = u.prediction.object
        label = "person" if obj == "none" else obj
        found = self._last_seen(history, label, scope)
        for camera in scope.cameras:
            snapshot = self.scenes.snapshot(camera)
            if snapshot is not None:
                found = later(found, camera, snapshot.last_seen.get(label))
        conf = u.prediction.intent_conf
        if found is None:
            places = at_places([self._place(c, scope) for c in scope.cameras])
            return Answer(f"I haven't seen any {noun(label, 2)} {places}.", None, None, conf,
                          {"scope": scope.to_json()}, ())
        camera, ts = found
        return Answer(f"I last saw a {label} {at(self._place(camera, scope))} {ago(now - ts)}.",
                      None, None, conf, {"scope": scope.to_json(), "camera": camera, "ts": ts},
                      (camera,))

    def where(self, u: Understanding, scope: Scope, history: EventHistory, now: float) -> Answer:
        seen, blind = self.look(u, scope)
        obj = u.prediction.object
        label = "person" if obj == "none" else obj
        here = [s for s in seen if s.p_yes >= 0.5 and not self.dialog.unsure(s.p_yes)]
        details = self._details(scope, seen, blind, "pos")
        conf = u.prediction.intent_conf
        if here:
            newest = max((s.last_seen for s in here if s.last_seen is not None), default=now)
            spoken = capitalize(at_places([s.place for s in here], "and"))
            return Answer(f"{spoken}, seen {ago(now - newest)}.", True,
                          sum(s.count for s in here), conf, details,
                          tuple(s.camera for s in here))
        last = self._last_seen(history, label, scope)
        if last is None:
            places = [self._place(c, scope) for c in scope.cameras]
            where = "" if scope.kind == "all" else f" {at_places(places)}"
            return Answer(f"I haven't seen any {noun(label, 2)}{where}.", False, 0, conf,
                          details, ())
        camera, ts = last
        details = {**details, "last_seen": {"camera": camera, "ts": ts}}
        place = self._place(camera, scope)
        return Answer(f"Last seen {at(place)} {clock(ts, now)}.", False, 0, conf, details,
                      (camera,))

    @staticmethod
    def _last_seen(history: EventHistory, label: str, scope: Scope) -> tuple[str, float] | None:
        if scope.kind == "all":
            return history.last_seen(label)
        found = [hit for c in scope.cameras if (hit := history.last_seen(label, c)) is not None]
        return max(found, key=lambda h: h[1], default=None)

    def _blind(self, scope: Scope) -> Answer:
        if not scope.cameras:
            return Answer("There is no camera to look with.", None, None, 0.0)
        if scope.kind == "named":
            place = scope.name or self._place(scope.cameras[0], scope)
            return Answer(f"I have no picture of the {place} right now.", None, None, 0.0)
        return Answer("I have no picture from any camera right now.", None, None, 0.0)

    def _details(self, scope: Scope, seen: Sequence[Seen], blind: Sequence[str],
                 polarity: Polarity) -> dict[str, Any]:
        return {"scope": scope.to_json(), "polarity": polarity,
                "cameras": [s.to_json() for s in seen], "no_picture": list(blind)}
