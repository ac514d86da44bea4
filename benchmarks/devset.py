"""End to end, from sound to action: the shared commands and the spoken development set.

The development set (`data/devset.tsv`, never trained on) is spoken by espeak-ng in several
voices and rates, and made noisy with sox (room reverberation plus pink noise, two levels).
The audio is generated here, cached in a temporary directory, never committed. Each
recording is streamed through the recognizer in 30 ms chunks with 0.7 s of trailing
silence, then the dialog answers it as it would in the daemon (with the recognizer's
confidence, confirmation turns, thresholds). Counted per mode, voice and condition:

- exact: the transcript equals the sentence
- intent: the reply's intent (or the intent a confirmation question is about) is right
- wrong: a command acted on (or asked about) with the wrong intent, or a non-command acted on
- risky: wrong ones whose intent changes the home (arm, disarm, devices, stopping watches)
- rejected: non-commands answered "didn't catch that"
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.voice import TRAILING_S, stream_transcript
from homewatch.config import Config
from homewatch.config.slices import dialog_setup, voice_setup
from homewatch.core.bus import MemoryBus
from homewatch.core.messages import SceneSnapshot
from homewatch.language.intents import RISKY_INTENTS
from homewatch.understanding.hearing import Heard
from homewatch.understanding.service import DialogService
from homewatch.voice.audio import SAMPLE_RATE, read_wav_16k
from homewatch.voice.names import command_grammar
from homewatch.voice.recognizers import load_recognizer

DEVSET = Path(__file__).resolve().parent / "data" / "devset.tsv"
CAMERAS = ("front_door", "back_door", "driveway", "garden", "kitchen", "backyard", "garage",
           "living_room")
DEVICES = ("porch light", "kitchen light")
# name → espeak-ng voice, words per minute, pitch. "us" is the clearest.
VOICES: dict[str, tuple[str, int, int]] = {
    "us": ("en-us", 150, 50), "us_m3": ("en-us+m3", 175, 40), "gb_f2": ("en-gb+f2", 160, 65),
    "us_fast": ("en-us+m7", 205, 50),
}
# name → sox reverberance (%) and pink-noise amplitude (the speech peaks near 0.5–0.9).
CONDITIONS: dict[str, tuple[int, float] | None] = {
    "clean": None, "noisy1": (30, 0.01), "noisy2": (60, 0.04),
}
SHARED_INTENTS = {
    "c01": "ask_presence", "c02": "ask_presence", "c03": "ask_count", "c04": "ask_presence",
    "c05": "ask_presence", "c06": "describe", "c07": "snapshot", "c08": "arm", "c09": "disarm",
    "c10": "watch_start", "c11": "watch_stop", "c12": "ask_lights", "c13": "last_seen",
    "c14": "device_on", "c15": "device_off", "c16": "status", "c17": "ask_presence",
    "c18": "unknown",
}


@dataclass(frozen=True, slots=True)
class Item:
    corpus: str  # shared | dev
    intent: str
    text: str
    voice: str
    condition: str
    wav: Path


def home_config(state_dir: Path, verify: bool = False) -> Config:
    return Config.model_validate({
        "daemon": {"state_dir": str(state_dir)},
        "voice": {"recognizer": {"verify": verify}},
        "cameras": [{"name": c, "source": f"{c}.avi"} for c in CAMERAS],
        "alarm": {"code": "1234"},
        "understanding": {"devices": [{"name": d} for d in DEVICES]}})


def devset() -> list[tuple[str, str]]:
    lines = DEVSET.read_text().splitlines()
    return [(i, t) for i, t in (line.split("\t") for line in lines if not line.startswith("#"))]


def shared_items(audio: Path) -> list[Item]:
    rows = [line.split("\t") for line in (audio / "transcripts.tsv").read_text().splitlines()]
    return [Item("shared", SHARED_INTENTS[cid], text.strip(), voice, "clean",
                 audio / f"{cid}_{voice}.wav")
            for cid, text in rows for voice in ("piper", "espeak")]


def dev_items(voices: Iterable[str], conditions: Iterable[str], cache: Path) -> list[Item]:
    """The development set spoken; audio made once and cached (espeak-ng, sox)."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed for the development set (apt install {tool})")
    items = [Item("dev", intent, text, voice, cond,
                  cache / f"{voice}-{cond}-{hashlib.sha1(text.encode()).hexdigest()[:12]}.wav")
             for intent, text in devset() for voice in voices for cond in conditions]
    todo = [i for i in items if not i.wav.is_file()]
    cache.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(_speak, todo))
    return items


def _speak(item: Item) -> None:
    name, speed, pitch = VOICES[item.voice]
    with tempfile.TemporaryDirectory() as tmp:
        raw, clean = Path(tmp) / "raw.wav", Path(tmp) / "clean.wav"
        subprocess.run(["espeak-ng", "-v", name, "-s", str(speed), "-p", str(pitch), "-w",
                        str(raw), item.text], check=True)
        subprocess.run(["sox", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16",
                        str(clean), "pad", "0.3", "0.3"], check=True)
        room = CONDITIONS[item.condition]
        if room is None:
            shutil.move(clean, item.wav)
            return
        reverb, noise = room
        wet, hiss = Path(tmp) / "wet.wav", Path(tmp) / "noise.wav"
        subprocess.run(["sox", str(clean), str(wet), "reverb", str(reverb)], check=True)
        seconds = subprocess.run(["soxi", "-D", str(wet)], check=True, capture_output=True,
                                 text=True).stdout.strip()
        subprocess.run(["sox", "-n", "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(hiss),
                        "synth", seconds, "pinknoise", "vol", str(noise)], check=True)
        subprocess.run(["sox", "-m", str(wet), str(hiss), "-b", "16", str(item.wav)],
                       check=True)


class NoScenes:
    def cameras(self) -> list[str]:
        return list(CAMERAS)

    def snapshot(self, camera: str) -> SceneSnapshot | None:
        return None


class NoHistory:
    def last_seen(self, label: str, camera: str | None = None) -> tuple[str, float] | None:
        return None


async def _evaluate(mode: str, items: list[Item], config: Config) -> list[dict[str, Any]]:
    setup = voice_setup(config)
    grammar = command_grammar(setup)
    recognizer = load_recognizer(setup, grammar, "pocketsphinx", mode)
    dialog = DialogService(dialog_setup(config), MemoryBus(), NoScenes(), NoHistory())
    rows = []
    try:
        for item in items:
            pcm = read_wav_16k(item.wav)
            transcript, decode_s, latency_s = stream_transcript(recognizer, pcm)
            text = transcript.text if mode == "lm" else grammar.snap(transcript.text).text
            reply = await dialog.ask(text, heard=Heard(transcript.confidence, transcript.text,
                                                        transcript.open_text))
            dialog.confirmations.take()  # never answered: nothing is done
            rows.append({"item": item, "heard": text, "intent": reply.intent,
                         "decode_s": decode_s, "latency_s": latency_s,
                         "audio_s": len(pcm) / SAMPLE_RATE + TRAILING_S})
    finally:
        dialog.close()
    return rows


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    commands = [r for r in rows if r["item"].intent != "unknown"]
    others = [r for r in rows if r["item"].intent == "unknown"]
    wrong = [r for r in rows if r["intent"] not in ("unknown", r["item"].intent)]
    return {
        "n": len(rows), "commands": len(commands), "others": len(others),
        "exact": sum(r["heard"] == r["item"].text for r in rows),
        "intent": sum(r["intent"] == r["item"].intent for r in commands) / max(1, len(commands)),
        "wrong": len(wrong) / max(1, len(rows)),
        "risky": sum(r["intent"] in RISKY_INTENTS for r in wrong),
        "rejected": sum(r["intent"] == "unknown" for r in others) / len(others)
        if others else float("nan"),
        "latency": statistics.median(r["latency_s"] for r in rows),
        "rtf": sum(r["decode_s"] for r in rows) / sum(r["audio_s"] for r in rows),
    }


def end_to_end(audio: Path, modes: list[str], voices: list[str] | None,
               conditions: list[str] | None, verify: bool = False) -> None:
    voices = voices or list(VOICES)
    conditions = conditions or list(CONDITIONS)
    cache = Path(tempfile.gettempdir()) / "homewatch-devset-audio"
    started = time.perf_counter()
    # One speaker and one room at a time, as one microphone hears them: pocketsphinx's
    # running feature normalisation carries over from one utterance to the next.
    items = shared_items(audio) + sorted(dev_items(voices, conditions, cache),
                                         key=lambda i: (i.voice, i.condition))
    print(f"\nEnd to end (pocketsphinx → dialog), {len(items)} recordings "
          f"(audio made in {time.perf_counter() - started:.0f} s, cached in {cache}):")
    header = (f"{'mode':<8}{'set':<8}{'voice':<9}{'cond':<8}{'n':>5}{'exact':>7}"
              f"{'intent':>8}{'wrong':>7}{'risky':>6}{'rejected':>9}{'lat med':>9}{'RTF':>7}")
    print(header)
    overall: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as state:
        config = home_config(Path(state), verify)
        for mode in modes:
            rows = asyncio.run(_evaluate(mode, items, config))
            groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
            for r in rows:
                groups[r["item"].corpus, r["item"].voice, r["item"].condition].append(r)
                if r["item"].corpus == "dev":
                    overall[mode].append(r)
            for (corpus, voice, cond), group in groups.items():
                s = summarise(group)
                print(f"{mode:<8}{corpus:<8}{voice:<9}{cond:<8}{s['n']:>5}{s['exact']:>7}"
                      f"{s['intent']:>8.2f}{s['wrong']:>7.1%}{s['risky']:>6}"
                      f"{s['rejected']:>9.0%}{s['latency']:>9.3f}{s['rtf']:>7.3f}")
    print("\nDevelopment set, all voices and conditions (targets: intent ≥0.90 clearest "
          "voice, ≥0.70 others; 0 wrong risky; wrong ≤3 %; rejected ≥90 %; latency ≤0.3 s; "
          "RTF ≤0.2):")
    for mode, rows in overall.items():
        s = summarise(rows)
        print(f"  {mode:<8} intent {s['intent']:.2f}  wrong {s['wrong']:.1%}  risky "
              f"{s['risky']}  rejected {s['rejected']:.0%}  latency {s['latency']:.3f} s  "
              f"RTF {s['rtf']:.3f}")
