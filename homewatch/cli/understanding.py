"""`homewatch ask`: answer one question offline, about a video, an image or a scene state."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from homewatch.cli.options import config_arg, load_config_of
from homewatch.config import Config
from homewatch.config.slices import dialog_setup, vision_setup, voice_setup
from homewatch.core.bus import MemoryBus
from homewatch.core.errors import EX_OK, HomewatchError
from homewatch.core.messages import ClassStats, SceneSnapshot
from homewatch.understanding.replies import Reply

if TYPE_CHECKING:
    from homewatch.understanding.hearing import Heard

OFFLINE_CAMERA = "camera"


class OneScene:
    """A SceneProvider holding one fixed snapshot."""

    def __init__(self, snapshot: SceneSnapshot | None, camera: str) -> None:
        self._snapshot = snapshot
        self._camera = snapshot.camera if snapshot else camera

    def cameras(self) -> list[str]:
        return [self._camera]

    def snapshot(self, camera: str) -> SceneSnapshot | None:
        return self._snapshot if camera == self._camera else None


class NoHistory:
    def last_seen(self, label: str, camera: str | None = None) -> tuple[str, float] | None:
        return None


def answer_offline(config: Config, question: str, snapshot: SceneSnapshot | None,
                   camera: str | None = None, heard: Heard | None = None) -> Reply:
    """Answer one question about one scene without a broker (for `ask`, demos and tests)."""
    from homewatch.understanding.service import DialogService

    name = camera or (snapshot.camera if snapshot else OFFLINE_CAMERA)
    if snapshot is not None and snapshot.camera != name:
        snapshot = dataclasses.replace(snapshot, camera=name)
    names = dict(config.understanding.camera_names)
    if camera is None:
        names.setdefault(name, ())  # a clip is no place: "Yes, two people." without "at the"
    with tempfile.TemporaryDirectory(prefix="homewatch-ask-") as state_dir:
        # Offline questions never change the daemon's alarm or watches.
        offline = config.model_copy(update={
            "daemon": config.daemon.model_copy(update={"state_dir": Path(state_dir)}),
            "understanding": config.understanding.model_copy(update={"camera_names": names})})
        clock = (lambda: snapshot.ts) if snapshot is not None else time.time
        service = DialogService(dialog_setup(offline), MemoryBus(), OneScene(snapshot, name),
                                NoHistory(), clock=clock)
        try:
            return asyncio.run(service.ask(question, name, heard=heard))
        finally:
            service.close()


def snapshot_from_json(data: dict[str, Any]) -> SceneSnapshot:
    try:
        classes = {k: ClassStats(**v) for k, v in data.get("classes", {}).items()}
        return SceneSnapshot(camera=data.get("camera", OFFLINE_CAMERA), ts=float(data["ts"]),
                             window_s=float(data.get("window_s", 5.0)), classes=classes,
                             brightness=float(data["brightness"]),
                             motion=float(data.get("motion", 0.0)),
                             last_seen={k: float(v) for k, v in
                                        data.get("last_seen", {}).items()})
    except (KeyError, TypeError, ValueError) as exc:
        raise HomewatchError(f"invalid scene JSON: {exc}") from None


def scene_of_media(path: Path, config: Config,
                   detector_model: Path | None) -> tuple[SceneSnapshot, str]:
    """Run the camera pipeline over the file; the scene state at its end, and which detector
    ran."""
    from homewatch.vision.analysis import analyze_media

    if detector_model is not None:
        detector = config.vision.detector.model_copy(update={
            "model": str(detector_model), "kind": "tflite",
            "labels": str(detector_model.with_name("coco_labels.txt"))})
        config = config.model_copy(update={"vision": config.vision.model_copy(
            update={"detector": detector})})
    result = analyze_media(path, vision_setup(config))
    if result.scene is None:
        raise HomewatchError(f"no frames analysed in {path}")
    return result.scene, result.detector


def question_of(args: argparse.Namespace, config: Config,
                ran: dict[str, str]) -> tuple[str, Heard | None]:
    """The typed question, or what the recognizer heard in `--audio` (noted in `ran`)."""
    if args.audio is None:
        if not args.question:
            raise HomewatchError("ask needs a QUESTION or --audio FILE.wav")
        return str(args.question), None
    from homewatch.understanding.hearing import Heard as Ear
    from homewatch.voice.transcribe import transcribe_file

    heard = transcribe_file(Path(args.audio), voice_setup(config), grammar=True)
    ran["recognizer"] = heard.recognizer
    if not args.json:
        print(f"heard: {heard.text!r} ({heard.recognizer}, {heard.latency * 1000:.0f} ms after "
              "the end of speech)")
    return heard.text, Ear(heard.confidence, heard.raw, heard.alternative)


def cmd_ask(args: argparse.Namespace) -> int:
    config = load_config_of(args, required=False)
    snapshot = None
    ran: dict[str, str] = {}
    media = args.video or args.image
    if media:
        snapshot, ran["detector"] = scene_of_media(Path(media), config, args.detector_model)
    elif args.scene:
        try:
            snapshot = snapshot_from_json(json.loads(Path(args.scene).read_text()))
        except (OSError, json.JSONDecodeError) as exc:
            raise HomewatchError(f"cannot read scene {args.scene}: {exc}") from None
    question, heard = question_of(args, config, ran)
    reply = answer_offline(config, question, snapshot, args.camera, heard)
    if args.json:
        print(json.dumps({**reply.to_json(), "ran": ran}, ensure_ascii=False))
    else:
        answer = {True: "yes", False: "no", None: "-"}[reply.answer]
        print(f"intent: {reply.intent}  object: {reply.object or '-'}  answer: {answer}  "
              f"count: {reply.count if reply.count is not None else '-'}  "
              f"confidence: {reply.confidence:.2f}")
        print(reply.text)
        for what, which in ran.items():
            print(f"{what}: {which}")
    return EX_OK


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this subsystem's subcommands to `homewatch`."""
    ask = sub.add_parser("ask", help="answer a question with the fusion model, offline")
    ask.add_argument("question", nargs="?", help="the question (or give --audio)")
    ask.add_argument("--audio", help="WAV file with the spoken question (16-bit PCM)")
    source = ask.add_mutually_exclusive_group()
    source.add_argument("--video", help="video file: the camera pipeline runs over it and the "
                                        "question is about the scene at its end")
    source.add_argument("--image", help="image file, analysed as one frame")
    source.add_argument("--scene", help="scene state JSON (SceneSnapshot fields)")
    ask.add_argument("--detector-model", type=Path, help="TFLite SSD for --video/--image "
                     "(labels file coco_labels.txt beside it); default: the configured one")
    ask.add_argument("--camera", help="camera the question is about")
    ask.add_argument("--json", action="store_true", help="print the voice/reply JSON")
    config_arg(ask, required=False)
    ask.set_defaults(handler=cmd_ask)
