"""End to end, from sound to action: the shared commands and a spoken set of paraphrases.

Two sets, never trained on: the tuning set (`data/devset.tsv`; its errors may be studied
and the language tuned on them) and the evaluation set (`data/devset-eval.tsv`, written by
someone who never saw the templates; only its totals are printed, and it is run once, for
the final figures). The set is spoken by espeak-ng in several voices and rates, and made
noisy with sox (room reverberation plus pink noise, two levels).
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
from collections import Counter, defaultdict
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

DATA = Path(__file__).resolve().parent / "data"
SETS = {"tune": DATA / "devset.tsv", "eval": DATA / "devset-eval.tsv"}
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


def home_config(state_dir: Path, verify: bool = False, model: Path | None = None,
                topn: int | None = None) -> Config:
    understanding: dict[str, Any] = {"devices": [{"name": d} for d in DEVICES]}
    if model is not None:
        understanding["model"] = str(model)
    recognizer: dict[str, Any] = {"verify": verify}
    if topn is not None:
        recognizer["topn"] = topn
    return Config.model_validate({
        "daemon": {"state_dir": str(state_dir)},
        "voice": {"recognizer": recognizer},
        "cameras": [{"name": c, "source": f"{c}.avi"} for c in CAMERAS],
        "alarm": {"code": "1234"},
        "understanding": understanding})


def devset(path: Path = SETS["tune"]) -> list[tuple[str, str]]:
    lines = path.read_text().splitlines()
    return [(i, t) for i, t in (line.split("\t") for line in lines
                                if line.strip() and not line.startswith("#"))]


def shared_items(audio: Path) -> list[Item]:
    rows = [line.split("\t") for line in (audio / "transcripts.tsv").read_text().splitlines()]
    return [Item("shared", SHARED_INTENTS[cid], text.strip(), voice, "clean",
                 audio / f"{cid}_{voice}.wav")
            for cid, text in rows for voice in ("piper", "espeak")]


def dev_items(voices: Iterable[str], conditions: Iterable[str], cache: Path,
              path: Path = SETS["tune"]) -> list[Item]:
    """A paraphrase set spoken; audio made once and cached (espeak-ng, sox)."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is needed for the development set (apt install {tool})")
    items = [Item("dev", intent, text, voice, cond,
                  cache / f"{voice}-{cond}-{hashlib.sha1(text.encode()).hexdigest()[:12]}.wav")
             for intent, text in devset(path) for voice in voices for cond in conditions]
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
            started = time.perf_counter()
            reply = await dialog.ask(text, heard=Heard(transcript.confidence, transcript.text,
                                                        transcript.open_text,
                                                        transcript.alternatives))
            answer_s = time.perf_counter() - started
            dialog.confirmations.take()  # never answered: nothing is done
            rows.append({"item": item, "heard": text, "intent": reply.intent,
                         "decode_s": decode_s, "latency_s": latency_s + answer_s,
                         "answer_s": answer_s, "asr_confidence": transcript.confidence,
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
        "answer": statistics.median(r["answer_s"] for r in rows),
        "rtf": sum(r["decode_s"] for r in rows) / sum(r["audio_s"] for r in rows),
    }


def end_to_end(audio: Path, modes: list[str], voices: list[str] | None,
               conditions: list[str] | None, *, verify: bool = False, which: str = "tune",
               errors: bool = False, model: Path | None = None,
               topns: list[int] | None = None) -> None:
    """`which`: tune, eval or a path. `errors` (tuning set only): why each miss missed.
    `topns`: pocketsphinx Gaussians per frame to compare (the first is the baseline)."""
    path = SETS.get(which, Path(which))
    name = "tuning set" if which == "tune" else "evaluation set" if which == "eval" else path.name
    if errors and which == "eval":
        raise SystemExit("the evaluation set is measured, never studied: --errors is for the "
                         "tuning set")
    voices = voices or list(VOICES)
    conditions = conditions or list(CONDITIONS)
    cache = Path(tempfile.gettempdir()) / "homewatch-devset-audio"
    started = time.perf_counter()
    # One speaker and one room at a time, as one microphone hears them: pocketsphinx's
    # running feature normalisation carries over from one utterance to the next.
    items = shared_items(audio) + sorted(dev_items(voices, conditions, cache, path),
                                         key=lambda i: (i.voice, i.condition))
    print(f"\nEnd to end (pocketsphinx → dialog), shared commands and the {name} ({path.name}), "
          f"{len(items)} recordings (audio made in {time.perf_counter() - started:.0f} s, "
          f"cached in {cache}); latency: end of speech to the reply (recognizer + dialog):")
    header = (f"{'mode':<8}{'set':<8}{'voice':<9}{'cond':<8}{'n':>5}{'exact':>7}"
              f"{'intent':>8}{'wrong':>7}{'risky':>6}{'rejected':>9}{'lat med':>9}"
              f"{'dialog':>8}{'RTF':>7}")
    print(header)
    overall: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as state:
        runs = [(mode, topn) for mode in modes for topn in (topns or [None])]
        for mode_name, topn in runs:
            config = home_config(Path(state), verify, model, topn)
            mode = mode_name if topn is None else f"{mode_name}/{topn}"
            rows = asyncio.run(_evaluate(mode_name, items, config))
            groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
            for r in rows:
                corpus = r["item"].corpus if r["item"].corpus == "shared" else which[:7]
                groups[corpus, r["item"].voice, r["item"].condition].append(r)
                if r["item"].corpus == "dev":
                    overall[mode].append(r)
            for (corpus, voice, cond), group in groups.items():
                s = summarise(group)
                print(f"{mode:<8}{corpus:<8}{voice:<9}{cond:<8}{s['n']:>5}{s['exact']:>7}"
                      f"{s['intent']:>8.2f}{s['wrong']:>7.1%}{s['risky']:>6}"
                      f"{s['rejected']:>9.0%}{s['latency']:>9.3f}{s['answer']:>8.3f}"
                      f"{s['rtf']:>7.3f}")
            if errors:
                asyncio.run(error_analysis(overall[mode], config))
    print(f"\n{name.capitalize()}, all voices and conditions (targets: intent ≥0.90 clearest "
          "voice, ≥0.70 others; 0 wrong risky; wrong ≤3 %; rejected ≥90 %; latency ≤0.3 s; "
          "RTF ≤0.2):")
    base: dict[str, Any] | None = None
    for mode, rows in overall.items():
        s = summarise(rows)
        print(f"  {mode:<8} intent {s['intent']:.2f}  wrong {s['wrong']:.1%}  risky "
              f"{s['risky']}  rejected {s['rejected']:.0%}  latency {s['latency']:.3f} s  "
              f"RTF {s['rtf']:.3f}", end="")
        if base is not None:  # against the first run of this invocation
            print(f"  (vs {base['mode']}: intent {s['intent'] - base['intent']:+.2f}, wrong "
                  f"{s['wrong'] - base['wrong']:+.1%}, latency "
                  f"×{s['latency'] / base['latency']:.2f}, RTF ×{s['rtf'] / base['rtf']:.2f})",
                  end="")
        base = base or {**s, "mode": mode}
        print()


async def error_analysis(rows: list[dict[str, Any]], config: Config) -> None:
    """Each miss of the tuning set: does the model misread the sentence typed (coverage of
    the language), or was it misheard (with words the language model lacks, or not)?"""
    from homewatch.voice.language_model import language_model, vocabulary

    known = set(vocabulary(language_model(voice_setup(config))))
    dialog = DialogService(dialog_setup(config), MemoryBus(), NoScenes(), NoHistory())
    causes: Counter[tuple[str, str]] = Counter()
    confusions: Counter[tuple[str, str]] = Counter()
    unknown_words: Counter[str] = Counter()
    try:
        for r in rows:
            item = r["item"]
            if r["intent"] == item.intent:
                continue
            typed = await dialog.ask(item.text)
            dialog.confirmations.take()
            missing = [w for w in item.text.split() if w not in known]
            unknown_words.update(missing)
            cause = ("model misreads the typed sentence" if typed.intent != item.intent
                     else "misheard, words missing from the LM" if missing
                     else "misheard, all words in the LM")
            kind = ("non-command acted on" if item.intent == "unknown"
                    else "command not acted on" if r["intent"] == "unknown" else "wrong action")
            causes[kind, cause] += 1
            confusions[item.intent, r["intent"]] += 1
    finally:
        dialog.close()
    print("  misses by cause:")
    for (kind, cause), n in sorted(causes.items()):
        print(f"    {kind:<22}{cause:<38}{n:>4}")
    print("  confusions (said → taken):", ", ".join(
        f"{a}→{b} {n}" for (a, b), n in confusions.most_common(12)))
    print("  words the LM lacks:", ", ".join(f"{w} {n}" for w, n in unknown_words.most_common(25)))
