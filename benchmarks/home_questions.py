"""Whole-home questions (`benchmarks/data/home-questions.tsv`): scope, polarity, period and
intent, and yes/no answers over generated multi-camera scenes — fusion vs keyword rules.

Rows: `intent<TAB>scope<TAB>polarity<TAB>period<TAB>sentence`; scope is a camera id, `all`
or `group:<name>`. Used by `benchmarks/understanding.py`.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from homewatch.language.match import SentenceMatcher, slot_patterns
from homewatch.language.names import HomeNames
from homewatch.language.periods import parse_period
from homewatch.language.polarity import polarity
from homewatch.training import baseline
from homewatch.training.dataset import split_templates
from homewatch.training.scenes import Role, sample_scene
from homewatch.understanding.config import UnderstandingConfig
from homewatch.understanding.features import FeatureSpec
from homewatch.understanding.gazetteer import Gazetteer
from homewatch.understanding.model import FusionModel
from homewatch.understanding.schema import DEVICE, PLACE
from homewatch.understanding.scope import resolve_scope

HOME_QUESTIONS = Path(__file__).with_name("data") / "home-questions.tsv"
CAMERAS = ("front_door", "back_door", "driveway", "garden", "kitchen", "backyard", "garage",
           "living_room")
GROUPS = {"outside": ("front_door", "back_door", "driveway", "garden", "backyard"),
          "inside": ("kitchen", "garage", "living_room")}
NOW = datetime(2026, 11, 29, 15, 30, tzinfo=timezone(timedelta(hours=1)))
PERSON = re.compile(r"\b(anyone|anybody|someone|somebody|nobody|no one|everyone|everybody|"
                    r"who|people|person)\b")


@dataclass(frozen=True, slots=True)
class Row:
    intent: str
    scope: str
    polarity: str
    period: str
    sentence: str


def load_rows(path: Path = HOME_QUESTIONS) -> list[Row]:
    lines = [line for line in path.read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    return [Row(*line.split("\t")) for line in lines]


def asked_object(text: str) -> str:
    """The object a question is about, by the synonym tables (the truth for scene building)."""
    obj = baseline.object_of(text.lower())
    if obj == "none" and PERSON.search(text.lower()):
        return "person"
    return obj


def home_gazetteer() -> Gazetteer:
    config = UnderstandingConfig.model_validate({"camera_groups": {k: list(v) for k, v in
                                                                   GROUPS.items()}})
    return Gazetteer.from_config(config, CAMERAS)


def scope_cameras(row: Row) -> list[str]:
    """The cameras a row's question is truly about: all, a group's, or one."""
    if row.scope == "all":
        return list(CAMERAS)
    return list(GROUPS[row.scope[6:]] if row.scope.startswith("group:") else [row.scope])


def _acc(hits: list[bool]) -> float:
    return float(np.mean(hits)) if hits else float("nan")


def language_figures(model: FusionModel, rows: list[Row]) -> dict[str, Any]:
    """Intent, scope, polarity and period accuracy; the baseline is what answered before
    (keyword intent rules, a place only when named else the first camera, always positive)."""
    gazetteer = home_gazetteer()
    zeros = np.zeros(model.spec.size, np.float32)
    out: dict[str, dict[str, list[bool]]] = {k: {"fusion": [], "baseline": []} for k in (
        "intent (all rows)", "intent ask_where", "intent summary", "scope", "scope: named",
        "scope: all", "scope: group", "polarity (presence)", "period (summary)")}
    for row in rows:
        found = gazetteer.find(row.sentence)
        pred = model.predict(model.encode(found.text), zeros).intent
        base = baseline.intent_of(row.sentence.lower())
        _add(out, "intent (all rows)", pred == row.intent, base == row.intent)
        if row.intent in ("ask_where", "summary"):
            _add(out, f"intent {row.intent}", pred == row.intent, base == row.intent)
        ours = resolve_scope(found, None, GROUPS, CAMERAS).label
        place = found.first("camera", "zone")
        before = place.name.target if place is not None else CAMERAS[0]
        _add(out, "scope", ours == row.scope, before == row.scope)
        kind = "named" if row.scope in CAMERAS else row.scope.split(":")[0]
        _add(out, f"scope: {kind}", ours == row.scope, before == row.scope)
        if row.intent == "ask_presence":
            _add(out, "polarity (presence)", polarity(row.sentence) == row.polarity,
                 row.polarity == "pos")
        if row.intent == "summary":
            _add(out, "period (summary)", parse_period(row.sentence, NOW).label == row.period,
                 row.period == "none")
    return {k: {"fusion": _acc(v["fusion"]), "baseline": _acc(v["baseline"]),
                "n": len(v["fusion"])} for k, v in out.items()}


def _add(out: dict[str, dict[str, list[bool]]], key: str, ours: bool, theirs: bool) -> None:
    out[key]["fusion"].append(ours)
    out[key]["baseline"].append(theirs)


def scene_figures(model: FusionModel, rows: list[Row], repeats: int = 10,
                  seed: int = 7) -> dict[str, Any]:
    """Yes/no answers to the presence rows over generated homes: one simulated scene per
    camera (the asked object truly somewhere in scope in half of them; flickering false
    positives elsewhere), right when the verdict over the scope, flipped for emptiness
    questions, matches the truth. Fusion: the model per camera in the resolved scope. Keyword:
    max score ≥ 0.5 per camera over the same scope and polarity. Before: the keyword-free old
    path, one camera (named, else the first) and no polarity."""
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    spec = FeatureSpec.from_json(model.meta["features"])
    gazetteer = home_gazetteer()
    hits: dict[str, list[bool]] = {"fusion": [], "baseline": [], "before": []}
    for row in (r for r in rows if r.intent == "ask_presence"):
        obj = asked_object(row.sentence)
        truth_scope = scope_cameras(row)
        found = gazetteer.find(row.sentence)
        tokens = model.encode(found.text)
        scope = resolve_scope(found, None, GROUPS, CAMERAS).cameras
        neg = polarity(row.sentence) == "neg"
        place = found.first("camera", "zone")
        old_camera = place.name.target if place is not None else CAMERAS[0]
        for _ in range(repeats):
            there = rng.random() < 0.5
            holder = rng.choice(truth_scope) if there else None
            scenes = {}
            for camera in CAMERAS:
                role = "true" if camera == holder else rng.choice(
                    ["flicker", "absent"] if camera in truth_scope else
                    ["true", "flicker", "absent"])
                scenes[camera] = sample_scene(np_rng, spec, focus=obj, role=role)  # type: ignore[arg-type]
            truth = any(scenes[c].present(obj) for c in truth_scope) != (row.polarity == "neg")
            fused = any(model.predict(tokens, scenes[c].vector).answer_p >= 0.5 for c in scope)
            keyword = any(baseline.answer_of("ask_presence", obj, row.sentence.lower(),
                                             scenes[c].vector, spec) >= 0.5 for c in scope)
            old = baseline.answer_of("ask_presence", obj, row.sentence.lower(),
                                     scenes[old_camera].vector, spec) >= 0.5
            hits["fusion"].append((fused != neg) == truth)
            hits["baseline"].append((keyword != neg) == truth)
            hits["before"].append(old == truth)
    return {k: _acc(v) for k, v in hits.items()} | {"n": len(hits["fusion"])}


def unseen(rows: list[Row]) -> list[Row]:
    """The rows no training template generates (a few plain ones are: "what do you see …")."""
    names = HomeNames.of(CAMERAS, ("porch light", "kitchen light"))
    patterns = slot_patterns(names, {"place": [PLACE], "device": [DEVICE]})
    matcher = SentenceMatcher([t for items in split_templates("all").values() for t in items],
                              patterns)
    return [r for r in rows if not matcher.generates(r.sentence)]


def fused_count(model: FusionModel, tokens: npt.NDArray[np.int32],
                vision: npt.NDArray[np.float32], obj: str, spec: FeatureSpec) -> int:
    """As the dialog counts: the tracker's count once the model says yes, else its count head."""
    pred = model.predict(tokens, vision)
    tracked = baseline.count_of(obj, vision, spec)
    return (tracked or max(1, pred.count)) if pred.answer_p >= 0.5 else 0


def keyword_count(vision: npt.NDArray[np.float32], obj: str, spec: FeatureSpec) -> int:
    yes = baseline.answer_of("ask_presence", obj, "", vision, spec) >= 0.5
    return baseline.count_of(obj, vision, spec) if yes else 0


def count_figures(model: FusionModel, rows: list[Row], repeats: int = 10,
                  seed: int = 8) -> dict[str, Any]:
    """Exact counts for the count rows over generated homes (no overlapping views): the truth
    is the sum of the true counts in scope. Fusion: per camera in the resolved scope, the
    tracker's count once the model says the object is there (its count head when the tracker
    has none). Keyword: the tracker's count when max score ≥ 0.5. Before: the first camera."""
    rng = random.Random(seed)
    np_rng = np.random.default_rng(seed)
    spec = FeatureSpec.from_json(model.meta["features"])
    gazetteer = home_gazetteer()
    hits: dict[str, list[bool]] = {"fusion": [], "baseline": [], "before": []}
    for row in (r for r in rows if r.intent == "ask_count"):
        obj = asked_object(row.sentence)
        if obj == "none":
            continue
        truth_scope = scope_cameras(row)
        found = gazetteer.find(row.sentence)
        tokens = model.encode(found.text)
        scope = resolve_scope(found, None, GROUPS, CAMERAS).cameras
        place = found.first("camera", "zone")
        old_camera = place.name.target if place is not None else CAMERAS[0]
        for _ in range(repeats):
            roles: list[Role] = ["true", "true", "flicker", "absent"]
            scenes = {c: sample_scene(np_rng, spec, focus=obj, role=rng.choice(roles))
                      for c in CAMERAS}
            truth = sum(scenes[c].count(obj) for c in truth_scope)

            vectors = {c: scenes[c].vector for c in CAMERAS}
            fused = sum(fused_count(model, tokens, vectors[c], obj, spec) for c in scope)
            keyword = sum(keyword_count(vectors[c], obj, spec) for c in scope)
            hits["fusion"].append(fused == truth)
            hits["baseline"].append(keyword == truth)
            hits["before"].append(keyword_count(vectors[old_camera], obj, spec) == truth)
    return {k: _acc(v) for k, v in hits.items()} | {"n": len(hits["fusion"])}


def report(model: FusionModel, path: Path = HOME_QUESTIONS) -> dict[str, Any] | None:
    if not path.exists():
        print(f"home questions: {path} not found, skipped")
        return None
    every = load_rows(path)
    rows = unseen(every)
    print(f"home questions: {len(rows)} of {len(every)} rows not generated by any training "
          "template (the others are left out)")
    figures = language_figures(model, rows)
    for name, row in figures.items():
        print(f"{'home: ' + name:32} {'accuracy':11} {row['fusion']:7.3f} {row['baseline']:9.3f} "
              f"{row['n']:6d}")
    scenes = scene_figures(model, rows)
    print(f"{'home: multi-camera scenes':32} {'answer_acc':11} {scenes['fusion']:7.3f} "
          f"{scenes['baseline']:9.3f} {scenes['n']:6d}  (first camera only, as before: "
          f"{scenes['before']:.3f})")
    counts = count_figures(model, rows)
    print(f"{'home: multi-camera counts':32} {'count_acc':11} {counts['fusion']:7.3f} "
          f"{counts['baseline']:9.3f} {counts['n']:6d}  (first camera only, as before: "
          f"{counts['before']:.3f})")
    return {"language": figures, "multi_camera_scenes": scenes, "multi_camera_counts": counts,
            "rows": len(rows),
            "rows_generated_by_templates": len(every) - len(rows)}
