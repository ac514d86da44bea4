"""Snapshot traffic: JPEG messages and bytes per minute that a busy camera publishes on its
retained `<camera>/snapshot` topic, with the default configuration.

Runs the camera pipeline over vtest.avi at the default 5 analysed frames per second (the
daemon's rate) with the real SSD and counts the snapshots each analysed frame hands to the
service. With `--before DIR` it runs the same measurement first on an older checkout of
homewatch (in a subprocess with that checkout on PYTHONPATH) and prints both.

    python benchmarks/snapshots.py [--shared /path/to/shared] [--before /path/to/checkout]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import cv2


def measure(shared: Path) -> dict[str, float]:
    from homewatch.vision.config import CameraConfig, VisionConfig
    from homewatch.vision.detectors import TFLiteSSD
    from homewatch.vision.pipeline import CameraPipeline
    from homewatch.vision.sources import Frame

    models, clip = shared / "models", shared / "media" / "vtest.avi"
    ssd = TFLiteSSD(models / "ssd_mobilenet_v1_coco_quant.tflite", models / "coco_labels.txt",
                    num_threads=2)
    camera = CameraConfig(name="plaza", source=str(clip))
    pipeline = CameraPipeline(camera, VisionConfig(), ssd)
    capture = cv2.VideoCapture(str(clip))
    fps = capture.get(cv2.CAP_PROP_FPS) or 10.0
    step = max(1, round(fps / camera.detect_fps))
    index, messages, size, events = 0, 0, 0, 0
    while True:
        ok, image = capture.read()
        if not ok:
            break
        if index % step == 0:
            result = pipeline.process(Frame(image, index / fps, index))
            messages += len(result.snapshots)
            size += sum(len(jpeg) for jpeg in result.snapshots.values())
            events += sum(e.type == "new" for e in result.events)
        index += 1
    capture.release()
    minutes = index / fps / 60
    return {"video_min": minutes, "messages_per_min": messages / minutes,
            "kb_per_min": size / 1024 / minutes, "kb_per_message": size / 1024 / max(1, messages),
            "new_events": events}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    default = Path(os.environ.get("HOMEWATCH_SHARED", Path(__file__).resolve().parents[2]
                                  / "shared"))
    parser.add_argument("--shared", type=Path, default=default)
    parser.add_argument("--before", type=Path, help="an older checkout to compare against")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json:
        print(json.dumps(measure(args.shared)))
        return
    rows = []
    if args.before is not None:
        env = {**os.environ, "PYTHONPATH": str(args.before.resolve())}
        out = subprocess.run([sys.executable, __file__, "--shared", str(args.shared), "--json"],
                             env=env, check=True, capture_output=True, text=True).stdout
        rows.append((f"before ({args.before})", json.loads(out.strip().splitlines()[-1])))
    rows.append(("this checkout", measure(args.shared)))
    print(f"vtest.avi, {rows[-1][1]['video_min']:.2f} video-min, 5 analysed fps, defaults")
    print(f"{'code':40} {'snapshots/min':>13} {'KB/min':>8} {'KB/snapshot':>11} {'new events':>10}")
    for name, row in rows:
        print(f"{name:40} {row['messages_per_min']:13.1f} {row['kb_per_min']:8.0f} "
              f"{row['kb_per_message']:11.1f} {row['new_events']:10.0f}")


if __name__ == "__main__":
    main()
