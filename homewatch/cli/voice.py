"""Command-line subcommands of this subsystem: `transcribe` and `listen`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from pathlib import Path

from homewatch.cli.options import config_arg, load_config_of
from homewatch.config import Config
from homewatch.config.slices import voice_setup
from homewatch.core.bus import MemoryBus
from homewatch.core.errors import EX_OK
from homewatch.core.messages import Utterance
from homewatch.voice.api import utterance_payload
from homewatch.voice.audio import wav_chunks
from homewatch.voice.config import SourceConfig
from homewatch.voice.names import command_grammar
from homewatch.voice.recognizers import load_recognizer
from homewatch.voice.transcribe import recognize_pcm

ENGINE_CHOICES = ("auto", "vosk", "pocketsphinx")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this subsystem's subcommands to `homewatch`."""
    tr = sub.add_parser("transcribe", help="transcribe a WAV file (prints text and timings)")
    tr.add_argument("file", type=Path, help="16-bit PCM WAV, any sample rate")
    tr.add_argument("--grammar", action="store_true",
                    help="restrict recognition to the short command forms (--mode grammar)")
    tr.add_argument("--mode", choices=("lm", "grammar", "open"), default=None,
                    help="recognition mode (default: open vocabulary, the general model)")
    tr.add_argument("--recognizer", choices=ENGINE_CHOICES, default=None,
                    help="engine (default: from the config, else auto)")
    tr.add_argument("--json", action="store_true", help="print the voice/transcript message")
    _config_arg(tr)
    tr.set_defaults(handler=cmd_transcribe)

    ls = sub.add_parser("listen", help="run the voice pipeline and print what is heard")
    ls.add_argument("--wav", type=Path, help="play this WAV file as the microphone")
    ls.add_argument("--device", help="sounddevice input name or index")
    ls.add_argument("--seconds", type=float, default=None, help="stop after this long")
    ls.add_argument("--all", action="store_true", help="print every utterance (no wake phrase)")
    _config_arg(ls)
    ls.set_defaults(handler=cmd_listen)


def _config_arg(parser: argparse.ArgumentParser) -> None:
    config_arg(parser, required=False)


def _config(args: argparse.Namespace) -> Config:
    return load_config_of(args, required=False)


def cmd_transcribe(args: argparse.Namespace) -> int:
    setup = voice_setup(_config(args))
    pcm = wav_chunks(args.file)  # streamed: a long recording is never held whole
    grammar = command_grammar(setup)
    started = time.perf_counter()
    mode = "grammar" if args.grammar else args.mode or "open"
    recognizer = load_recognizer(setup, grammar, args.recognizer, mode)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    utt = recognize_pcm(recognizer, grammar, pcm)
    decode_s = time.perf_counter() - started
    if args.json:
        print(json.dumps(utterance_payload(utt), ensure_ascii=False))
        return EX_OK
    audio_s = utt.duration
    mode = {"lm": "home language model", "grammar": "grammar"}.get(recognizer.mode,
                                                                    "open vocabulary")
    print(f"text:       {utt.text}")
    if utt.raw != utt.text:
        print(f"raw:        {utt.raw}")
    print(f"confidence: {utt.confidence:.2f}")
    print(f"recognizer: {utt.recognizer} ({mode})")
    print(f"audio {audio_s:.2f} s, model load {load_s:.2f} s, decode {decode_s:.3f} s "
          f"(real-time factor {decode_s / audio_s if audio_s else 0:.3f}), "
          f"latency after the last chunk {utt.latency * 1000:.0f} ms")
    return EX_OK


def cmd_listen(args: argparse.Namespace) -> int:
    from homewatch.voice.service import VoiceService

    config = _config(args)
    voice = config.voice
    if args.wav is not None:
        voice = voice.model_copy(update={"source": SourceConfig(type="wav", path=args.wav)})
    elif args.device is not None:
        device = int(args.device) if args.device.isdigit() else args.device
        source = voice.source.model_copy(update={"type": "mic", "device": device})
        voice = voice.model_copy(update={"source": source})
    if args.all:
        voice = voice.model_copy(
            update={"activation": voice.activation.model_copy(update={"mode": "always"})})
    config = config.model_copy(update={"voice": voice})

    async def show(utt: Utterance) -> None:
        print(json.dumps(utterance_payload(utt), ensure_ascii=False), flush=True)

    async def main() -> None:
        service = VoiceService(voice_setup(config), MemoryBus(), show)
        task = asyncio.create_task(service.run())
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(args.seconds):
                # a file source ends; the recognition thread reports it in stats
                while service.stats()["audio"] != "ended" and not task.done():  # noqa: ASYNC110
                    await asyncio.sleep(0.2)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(main())
    return EX_OK
