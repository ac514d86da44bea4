"""Soak: the daemon as a process on a real broker, a camera looping vtest.avi with the SSD
detector, a question every 2 s, a burst of malformed commands every 10 s; its RSS, open file
descriptors and threads sampled every --every seconds. The first sample after warm-up is the
baseline; the run fails (exit 1) when RSS grew by more than --max-growth-mb or fds/threads
kept rising.

  CI:         python benchmarks/soak.py --minutes 2
  documented: python benchmarks/soak.py --minutes 30 --every 60
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.broker import Mosquitto
from tests.support.data import DETECTOR, LABELS, MEDIA
from tests.support.mqtt import Recorder

REPO = Path(__file__).resolve().parent.parent
BASE = "homewatch/soak"
BAD = [b"{", b'{"action": ' + b"[" * 5000 + b"]" * 5000 + b"}", b"\xff\xfe", b"EXPLODE"]


def sample(pid: int) -> tuple[float, int, int]:
    status = dict(line.split(":", 1) for line in
                  Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    rss = int(status["VmRSS"].split()[0]) / 1024
    return rss, len(os.listdir(f"/proc/{pid}/fd")), int(status["Threads"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--every", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=20.0)
    parser.add_argument("--max-growth-mb", type=float, default=25.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        broker = Mosquitto(work)
        broker.start()
        config = work / "c.yaml"
        config.write_text(yaml.safe_dump({
            "node": {"id": "soak"},
            "mqtt": {"host": "127.0.0.1", "port": broker.port},
            "daemon": {"state_dir": str(work / "state"), "stats_interval_s": 5},
            "vision": {"detector": {"model": str(DETECTOR), "labels": str(LABELS)}},
            "cameras": [{"name": "front_door", "source": str(MEDIA / "vtest.avi"),
                         "loop": True, "detect_fps": 2}]}))
        recorder = Recorder(broker.port, [f"{BASE}/status", f"{BASE}/voice/reply",
                                          f"{BASE}/error"])
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        proc = subprocess.Popen([sys.executable, "-m", "homewatch", "run", "--config",
                                 str(config)], env=env, stderr=subprocess.DEVNULL)
        try:
            recorder.wait_for(lambda ms: any(m.payload == b"online" for m in ms), 120)
            series = run(proc, recorder, args)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
            recorder.close()
            broker.close()
    return report(series, recorder, args)


def run(proc: subprocess.Popen[bytes], recorder: Recorder, args: argparse.Namespace
        ) -> list[tuple[float, float, int, int]]:
    start = time.monotonic()
    end = start + args.warmup + args.minutes * 60
    next_sample, next_ask, next_burst = start + args.warmup, start, start
    series: list[tuple[float, float, int, int]] = []
    while (now := time.monotonic()) < end:
        if proc.poll() is not None:
            raise SystemExit(f"the daemon exited with {proc.returncode}")
        if now >= next_ask:
            recorder.publish(f"{BASE}/ask", "is anyone at the front door")
            next_ask += 2
        if now >= next_burst:
            for payload in BAD:
                recorder.publish(f"{BASE}/alarm/set", payload)
            next_burst += 10
        if now >= next_sample:
            series.append((now - start, *sample(proc.pid)))
            next_sample += args.every
        time.sleep(0.05)
    return series


def report(series: list[tuple[float, float, int, int]], recorder: Recorder,
           args: argparse.Namespace) -> int:
    print("   t_s  rss_mb  fds  threads")
    for t, rss, fds, threads in series:
        print(f"{t:6.0f}  {rss:6.1f}  {fds:3d}  {threads:7d}")
    base, last = series[0], series[-1]
    growth = last[1] - base[1]
    replies, errors = len(recorder.on(f"{BASE}/voice/reply")), len(recorder.on(f"{BASE}/error"))
    print(f"{args.minutes:g} min: RSS {min(s[1] for s in series):.0f}-"
          f"{max(s[1] for s in series):.0f} MB (last vs baseline {growth:+.1f} MB), fds "
          f"{min(s[2] for s in series)}-{max(s[2] for s in series)}, threads "
          f"{min(s[3] for s in series)}-{max(s[3] for s in series)}; {replies} replies, "
          f"{errors} error replies")
    steady = growth <= args.max_growth_mb and last[2] <= base[2] + 5 and last[3] <= base[3] + 3
    print("steady" if steady else "NOT steady")
    return 0 if steady else 1


if __name__ == "__main__":
    sys.exit(main())
