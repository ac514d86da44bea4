"""Vision CPU benchmark: decode-only vs the naive detector-every-frame loop vs homewatch
(detector on every frame with motion, as before, and tracking between detector runs).

Runs in one process, one run, on the busy clip (vtest.avi: pedestrians in every frame) and
on a static clip made here (a still scene at the busy clip's 768×576 plus sensor-like noise,
MJPEG like a USB camera), then tree.avi for false alarms. Prints CPU-seconds per video-second
(process time: every thread, including the detector's), detector runs, frames propagated,
person events, the naive loop's person tracks matched (and caught within one floor period,
tentative tracks included), the mean count error against the naive loop's per-frame count
of people, peak RSS after each loop, and ratios.

    python benchmarks/vision.py [--shared /path/to/shared] [--seconds 30]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from homewatch.vision.config import CameraConfig, DetectorConfig, ScheduleConfig, VisionConfig
from homewatch.vision.detectors import Detection, Detector, TFLiteSSD
from homewatch.vision.filters import ObjectFilter
from homewatch.vision.geometry import Box
from homewatch.vision.pipeline import CameraPipeline
from homewatch.vision.sources import Frame, Image, OpenCVSource

DETECT_FPS = 10.0  # both clips are 10 fps: every loop analyses every frame
STATIC_SIZE = (768, 576)
FRAME_AREA = 768 * 576  # both clips


@dataclass
class Run:
    name: str
    cpu_s: float = 0.0
    video_s: float = 0.0
    frames: int = 0
    analysed: int = 0
    detector_runs: int = 0
    person_events: int = 0
    propagated: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    seen: dict[int, list[tuple[int, Box]]] = field(default_factory=dict)  # tentative too
    rss_mb: float = 0.0  # process peak RSS after this run
    # frame index -> confirmed person boxes (for the missed-track check)
    people: dict[int, list[Box]] = field(default_factory=dict)
    tracks: dict[int, list[tuple[int, Box]]] = field(default_factory=dict)

    @property
    def cpu_per_video_s(self) -> float:
        return self.cpu_s / self.video_s if self.video_s else 0.0

    @property
    def cpu_per_analysed_ms(self) -> float:
        return 1000 * self.cpu_s / self.analysed if self.analysed else 0.0


def frames(path: Path) -> tuple[OpenCVSource, Callable[[], Frame | None]]:
    source = OpenCVSource(str(path), file_clock=True)
    source.open()
    return source, source.read


def decode_only(path: Path) -> Run:
    run = Run("decode only")
    start = time.process_time()
    source, read = frames(path)
    while read() is not None:
        run.frames += 1
    source.close()
    run.cpu_s = time.process_time() - start
    run.video_s = run.frames / (source.fps or 10.0)
    run.rss_mb = peak_rss_mb()
    return run


def naive(path: Path, detector: TFLiteSSD) -> tuple[Run, list[list[Detection]]]:
    """The tutorial loop: every frame through the detector, full frame."""
    run = Run("naive (detector every frame)")
    recorded: list[list[Detection]] = []
    start = time.process_time()
    source, read = frames(path)
    while (frame := read()) is not None:
        run.frames += 1
        recorded.append(detector.detect(frame.image))
    source.close()
    run.cpu_s = time.process_time() - start
    run.video_s = run.frames / (source.fps or 10.0)
    run.analysed = run.detector_runs = run.frames
    run.rss_mb = peak_rss_mb()
    return run, recorded


def pipeline_run(name: str, path: Path, detector: Detector, vision: VisionConfig,
                 motion: bool = True) -> Run:
    camera = CameraConfig(name="bench", source=str(path), detect_fps=DETECT_FPS,
                          track=("person",), motion={"enabled": motion})
    pipeline = CameraPipeline(camera, vision, detector)
    run = Run(name)
    start = time.process_time()
    source, read = frames(path)
    while (frame := read()) is not None:
        run.frames += 1
        result = pipeline.process(frame)
        run.person_events += sum(e.type == "new" for e in result.events)
        people = [t for t in pipeline.tracker.tracks if t.label == "person"]
        run.seen[frame.index] = [(t.id, t.box) for t in people]
        run.tracks[frame.index] = [(t.id, t.box) for t in people if pipeline.events.confirmed(t)]
    source.close()
    run.cpu_s = time.process_time() - start
    run.video_s = run.frames / (source.fps or 10.0)
    run.analysed = pipeline.stats.frames
    run.detector_runs = pipeline.stats.detector_runs
    run.propagated = pipeline.stats.propagated
    run.reasons = dict(pipeline.stats.reasons)
    run.rss_mb = peak_rss_mb()
    return run


class Replay:
    """Feeds the naive loop's recorded detections through the homewatch tracker and filters,
    so both loops' person tracks are judged by the same rules (not timed)."""

    name = "replay"
    input_size = 10_000

    def __init__(self, recorded: list[list[Detection]]) -> None:
        self._items = iter(recorded)

    def detect(self, image: Image) -> list[Detection]:
        return next(self._items)


def missed_tracks(reference: Run, candidate: Run) -> list[int]:
    """Reference track ids never matched (IoU ≥ 0.3, same frame) by a candidate track."""
    return sorted(set(first_frames(reference)) - set(match_delays(reference, candidate)))


def first_frames(run: Run) -> dict[int, int]:
    """Track id -> the frame on which it was first confirmed."""
    first: dict[int, int] = {}
    for index in sorted(run.tracks):
        for track_id, _ in run.tracks[index]:
            first.setdefault(track_id, index)
    return first


def match_delays(reference: Run, candidate: Run, seen: bool = False) -> dict[int, int]:
    """Reference track id -> frames from its first appearance to its first match (IoU ≥ 0.3,
    same frame) by a candidate track (`seen`: confirmed or still tentative); unmatched tracks
    are absent."""
    first = first_frames(reference)
    delays: dict[int, int] = {}
    tracks = candidate.seen if seen else candidate.tracks
    for index in sorted(reference.tracks):
        boxes = [b for _, b in tracks.get(index, [])]
        for track_id, box in reference.tracks[index]:
            if track_id not in delays and any(box.iou(b) >= 0.3 for b in boxes):
                delays[track_id] = index - first[track_id]
    return delays


def count_error(naive_counts: list[int], run: Run) -> float:
    """Mean |confirmed people in view − people the naive loop detected| per frame."""
    errors = [abs(len(run.tracks.get(i, [])) - n) for i, n in enumerate(naive_counts)]
    return sum(errors) / len(errors) if errors else 0.0


def static_clip(still: Path, path: Path, seconds: float) -> None:
    image = cv2.resize(cv2.imread(str(still)), STATIC_SIZE, interpolation=cv2.INTER_CUBIC)
    rng = np.random.default_rng(1)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, STATIC_SIZE)
    for _ in range(int(seconds * 10)):
        writer.write(np.clip(image + rng.normal(0, 4.0, image.shape), 0, 255).astype(np.uint8))
    writer.release()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_clip(label: str, path: Path, ssd: TFLiteSSD) -> dict[str, Run]:
    every = VisionConfig(track=("person",), schedule=ScheduleConfig(adaptive=False))
    adaptive = VisionConfig(track=("person",))  # the default
    crops = every.model_copy(update={"detector": DetectorConfig(crops=True)})
    runs = {"decode": decode_only(path)}
    # Best of two for the timed loops: this machine's timings jitter by ~10 %.
    runs["naive"], recorded = min((naive(path, ssd) for _ in range(2)), key=lambda r: r[0].cpu_s)
    runs["every"] = min((pipeline_run("homewatch, every frame (before)", path, ssd, every)
                         for _ in range(2)), key=lambda r: r.cpu_s)
    runs["adaptive"] = min((pipeline_run("homewatch, tracking between runs", path, ssd,
                                         adaptive) for _ in range(2)), key=lambda r: r.cpu_s)
    runs["crops"] = pipeline_run("homewatch, every frame, motion crops", path, ssd, crops)
    replay = pipeline_run("naive tracks (replayed)", path, Replay(recorded), every, motion=False)
    runs["naive"].tracks, runs["naive"].person_events = replay.tracks, replay.person_events
    person = ObjectFilter({"person"}, {})
    naive_counts = [len(person.select(found, FRAME_AREA))
                    for found in recorded]
    floor = adaptive.schedule.floor_every
    print(f"\n== {label}: {path.name}, {runs['decode'].frames} frames, "
          f"{runs['decode'].video_s:.1f} video-s, detect fps {DETECT_FPS:g}")
    print(f"{'loop':38} {'CPU-s/video-s':>13} {'÷ naive':>7} {'det runs':>8} "
          f"{'propagated':>10} {'person ev':>9} {'tracks matched':>14} {'caught ≤floor':>13} "
          f"{'count err':>9} {'RSS MB':>6}")
    total = len(first_frames(runs["naive"]))
    for key, run in runs.items():
        matched = len(match_delays(runs["naive"], run))
        caught = sum(d <= floor for d in match_delays(runs["naive"], run, seen=True).values())
        scored = key not in ("decode", "naive") and total
        print(f"{run.name:38} {run.cpu_per_video_s:13.3f} "
              f"{run.cpu_s / runs['naive'].cpu_s:7.3f} {run.detector_runs:8d} "
              f"{run.propagated:10d} {run.person_events:9d} "
              + (f"{matched:>6d} of {total:<4d} {caught:>6d} of {total:<4d} "
                 f"{count_error(naive_counts, run):9.3f}" if scored else f"{'':14} {'':13} "
                 + (f"{count_error(naive_counts, run):9.3f}" if key == "naive" else f"{'':9}"))
              + f" {run.rss_mb:6.0f}")
    reasons = runs["adaptive"].reasons
    print(f"tracking between runs: why the detector ran: {dict(sorted(reasons.items()))}")
    return runs


def ratio_line(name: str, value: float, target: float, above: bool = False) -> str:
    verdict = "ok" if (value >= target if above else value <= target) else "MISSED"
    return f"  {name:58} {value:6.3f}  (target {'≥' if above else '≤'} {target:g}: {verdict})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    default = Path(os.environ.get("HOMEWATCH_SHARED", Path(__file__).resolve().parents[2]
                                  / "shared"))
    parser.add_argument("--shared", type=Path, default=default)
    parser.add_argument("--seconds", type=float, default=30.0, help="static clip length")
    args = parser.parse_args()
    models, media = args.shared / "models", args.shared / "media"
    ssd = TFLiteSSD(models / "ssd_mobilenet_v1_coco_quant.tflite", models / "coco_labels.txt",
                    num_threads=2)
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "static.avi"
        static_clip(media / "home.jpg", clip, args.seconds)
        static = bench_clip("static", clip, ssd)
    busy = bench_clip("busy", media / "vtest.avi", ssd)
    tree = pipeline_run("tree", media / "tree.avi", ssd, VisionConfig(track=("person",)))
    print("\n== ratios")
    for key in ("every", "adaptive"):
        print(ratio_line(f"static: {static[key].name} / naive",
                         static[key].cpu_s / static["naive"].cpu_s, 0.15))
    floor = static["decode"].cpu_s / static["naive"].cpu_s
    print(f"  {'static: decode-only / naive (floor of the ratios above)':58} {floor:6.3f}")
    print(ratio_line("busy: every frame / naive (CPU per video-s)",
                     busy["every"].cpu_s / busy["naive"].cpu_s, 1.15))
    print(ratio_line("busy: tracking between runs / naive (CPU per video-s)",
                     busy["adaptive"].cpu_s / busy["naive"].cpu_s, 0.6))
    total = len(first_frames(busy["naive"]))
    matched = len(match_delays(busy["naive"], busy["adaptive"]))
    print(ratio_line("busy: naive person tracks matched, tracking between runs",
                     matched / total if total else 1.0, 0.97, above=True))
    for key in ("every", "crops"):
        missed = missed_tracks(busy["naive"], busy[key])
        print(f"  busy: naive person tracks missed by {busy[key].name}: {len(missed)} of {total}")
    print(f"  tree.avi, tracking between runs: {tree.person_events} person events (target 0)")
    print(f"\npeak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
