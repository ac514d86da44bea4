"""Vision CPU benchmark: decode-only vs the naive detector-every-frame loop vs homewatch.

Runs in one process, one run, on the busy clip (vtest.avi: pedestrians in every frame) and
on a static clip made here (a still scene at the busy clip's 768×576 plus sensor-like noise,
MJPEG like a USB camera). Prints CPU-seconds per video-second (process time: every
thread, including the detector's), frames analysed, detector runs, person events, ratios
and peak RSS.

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

from homewatch.vision.config import CameraConfig, DetectorConfig, VisionConfig
from homewatch.vision.detectors import Detection, Detector, TFLiteSSD
from homewatch.vision.geometry import Box
from homewatch.vision.pipeline import CameraPipeline
from homewatch.vision.sources import Frame, Image, OpenCVSource

DETECT_FPS = 10.0  # both clips are 10 fps: every loop analyses every frame
STATIC_SIZE = (768, 576)


@dataclass
class Run:
    name: str
    cpu_s: float = 0.0
    video_s: float = 0.0
    frames: int = 0
    analysed: int = 0
    detector_runs: int = 0
    person_events: int = 0
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
        run.tracks[frame.index] = [(t.id, t.box) for t in pipeline.tracker.tracks
                                   if t.label == "person" and pipeline.events.confirmed(t)]
    source.close()
    run.cpu_s = time.process_time() - start
    run.video_s = run.frames / (source.fps or 10.0)
    run.analysed = pipeline.stats.frames
    run.detector_runs = pipeline.stats.detector_runs
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
    found: set[int] = set()
    every: set[int] = set()
    for index, tracks in reference.tracks.items():
        boxes = [b for _, b in candidate.tracks.get(index, [])]
        for track_id, box in tracks:
            every.add(track_id)
            if any(box.iou(b) >= 0.3 for b in boxes):
                found.add(track_id)
    return sorted(every - found)


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
    full = VisionConfig(track=("person",))  # the default: full frame when motion
    crops = VisionConfig(track=("person",), detector=DetectorConfig(crops=True))
    runs = {"decode": decode_only(path)}
    # Best of two for the loops compared per frame: this machine's timings jitter by ~10 %.
    runs["naive"], recorded = min((naive(path, ssd) for _ in range(2)), key=lambda r: r[0].cpu_s)
    runs["homewatch"] = min((pipeline_run("homewatch (default: full frame)", path, ssd, full)
                             for _ in range(2)), key=lambda r: r.cpu_s)
    runs["crops"] = pipeline_run("homewatch (motion crops)", path, ssd, crops)
    replay = pipeline_run("naive tracks (replayed)", path, Replay(recorded), full, motion=False)
    runs["naive"].tracks, runs["naive"].person_events = replay.tracks, replay.person_events
    print(f"\n== {label}: {path.name}, {runs['decode'].frames} frames, "
          f"{runs['decode'].video_s:.1f} video-s, detect fps {DETECT_FPS:g}")
    print(f"{'loop':38} {'CPU-s/video-s':>13} {'CPU ms/analysed':>15} {'analysed':>8} "
          f"{'det runs':>8} {'person ev':>9}")
    for run in runs.values():
        print(f"{run.name:38} {run.cpu_per_video_s:13.3f} {run.cpu_per_analysed_ms:15.2f} "
              f"{run.analysed:8d} {run.detector_runs:8d} {run.person_events:9d}")
    return runs


def ratio_line(name: str, value: float, target: float) -> str:
    verdict = "ok" if value <= target else "MISSED"
    return f"  {name:52} {value:6.3f}  (target ≤ {target:g}: {verdict})"


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
    print("\n== ratios")
    print(ratio_line("static: homewatch / naive (CPU per video-s)",
                     static["homewatch"].cpu_s / static["naive"].cpu_s, 0.15))
    floor = static["decode"].cpu_s / static["naive"].cpu_s
    print(f"  {'static: decode-only / naive (floor of the first ratio)':52} {floor:6.3f}")
    print(ratio_line("static: homewatch / decode-only (CPU per video-s)",
                     static["homewatch"].cpu_s / static["decode"].cpu_s, 1.3))
    print(ratio_line("busy: homewatch / naive (CPU per analysed frame)",
                     busy["homewatch"].cpu_per_analysed_ms / busy["naive"].cpu_per_analysed_ms,
                     1.15))
    print(ratio_line("busy: homewatch with crops / naive (CPU per analysed frame)",
                     busy["crops"].cpu_per_analysed_ms / busy["naive"].cpu_per_analysed_ms, 1.15))
    for key in ("homewatch", "crops"):
        missed = missed_tracks(busy["naive"], busy[key])
        total = len({i for t in busy["naive"].tracks.values() for i, _ in t})
        print(f"  busy: naive person tracks missed by {busy[key].name}: "
              f"{len(missed)} of {total} (target 0)")
    print(f"\npeak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
