"""Command-line subcommands of this subsystem: `homewatch analyze`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from homewatch.cli.options import config_arg, load_config_of
from homewatch.config import Config
from homewatch.config.slices import vision_setup
from homewatch.core.errors import EX_OK

if TYPE_CHECKING:  # OpenCV loads only for the command itself (`doctor` runs without it)
    from homewatch.vision.analysis import AnalysisResult


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this subsystem's subcommands to `homewatch`."""
    parser = sub.add_parser("analyze", help="run the vision pipeline on a video or image file",
                            description="Run the camera pipeline (motion gate, detector, "
                            "tracker, filters, zones) on a file, as the daemon would.")
    parser.add_argument("media", type=Path, metavar="VIDEO", help="video or image file")
    config_arg(parser, required=False)
    parser.add_argument("--out", type=Path, help="write DIR/events.jsonl and snapshots here")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--model", type=Path, help="TFLite SSD file (labels file beside it)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(handler=cmd_analyze)


def _config(args: argparse.Namespace) -> Config:
    config = load_config_of(args, required=False)
    if args.model is None:
        return config
    detector = config.vision.detector.model_copy(update={"model": args.model.name,
                                                          "kind": "tflite"})
    vision = config.vision.model_copy(update={"detector": detector})
    models = config.models.model_copy(update={"dir": args.model.parent})
    return config.model_copy(update={"vision": vision, "models": models})


class ProgressBar:
    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width

    def __call__(self, done: int, total: int) -> None:
        if done % 10 and done != total:
            return
        if total >= done:  # some containers report a wrong frame count
            filled = self.width * min(done, total) // total
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(f"\ranalysing [{bar}] {done}/{total} frames")
        else:
            self.stream.write(f"\ranalysing {done} frames")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def cmd_analyze(args: argparse.Namespace) -> int:
    config = _config(args)
    progress = None if args.quiet else ProgressBar(sys.stderr)
    from homewatch.vision.analysis import analyze_media

    try:
        result = analyze_media(args.media, vision_setup(config), progress=progress)
    finally:
        if progress is not None:
            progress.close()
    if args.out is not None:
        write_outputs(result, args.out)
    if args.json:
        print(json.dumps(result.summary(), indent=2))
    else:
        print(summary_table(result))
    return EX_OK


def write_outputs(result: AnalysisResult, out: Path) -> None:
    """`events.jsonl` (the objects published on `events`) and one JPEG per snapshot."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / "events.jsonl").open("w", encoding="utf-8") as handle:
        for event in result.events:
            handle.write(json.dumps(event.payload(), separators=(",", ":")) + "\n")
    for event_id, jpeg in result.snapshots.items():
        (out / f"{event_id}.jpg").write_bytes(jpeg)


def summary_table(result: AnalysisResult) -> str:
    rows = [("source", result.source), ("detector", result.detector),
            ("video seconds", f"{result.duration_s:.1f}"),
            ("frames read", str(result.frames_read)),
            ("frames analysed", str(result.frames_analysed)),
            ("detector runs", f"{result.detector_runs} ({result.crops} on motion crops)"),
            ("detector skipped", f"{result.skipped} ({result.propagated} tracked by optical flow)"),
            ("why it ran", ", ".join(f"{k} {v}" for k, v in sorted(result.reasons.items()))
             or "-"),
            ("frames with motion", str(result.motion_frames)),
            ("mean inference ms", f"{result.inference_ms:.1f}")]
    for label, count in sorted(result.events_per_label().items()):
        peak = result.max_counts.get(label)
        rows.append((f"events: {label}", f"{count}" + (f" (max {peak} at once)" if peak else "")))
    if not result.events_per_label():
        rows.append(("events", "none"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)
