"""Real recognizer noise: the shared spoken commands run through pocketsphinx.

`record_transcripts` regenerates the committed fixture (needs pocketsphinx and the WAVs);
`load_fixture` reads it; `learn_confusions` aligns reference and recognized words to find the
sound-alike swaps a recognizer makes (used on the project's own spoken sentences,
`homewatch.training.spoken`, never on these evaluation recordings).
"""

from __future__ import annotations

import csv
import difflib
import wave
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

FIXTURE = Path(__file__).with_name("data") / "pocketsphinx_commands.tsv"
VOICES = ("piper", "espeak")
# Intent and object of each shared command (the ids of `transcripts.tsv`).
COMMAND_LABELS: dict[str, tuple[str, str]] = {
    "c01": ("ask_presence", "person"), "c02": ("ask_presence", "person"),
    "c03": ("ask_count", "person"), "c04": ("ask_presence", "car"),
    "c05": ("ask_presence", "dog"), "c06": ("describe", "none"),
    "c07": ("snapshot", "none"), "c08": ("arm", "none"), "c09": ("disarm", "none"),
    "c10": ("watch_start", "person"), "c11": ("watch_stop", "none"),
    "c12": ("ask_lights", "none"), "c13": ("last_seen", "person"),
    "c14": ("device_on", "none"), "c15": ("device_off", "none"),
    "c16": ("status", "none"), "c17": ("ask_presence", "cat"), "c18": ("unknown", "none"),
}
FIELDS = ("id", "voice", "intent", "object", "reference", "pocketsphinx")


@dataclass(frozen=True, slots=True)
class Transcript:
    id: str
    voice: str
    intent: str
    object: str
    reference: str
    pocketsphinx: str


def load_fixture(path: Path = FIXTURE) -> list[Transcript]:
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [Transcript(*(row[f] for f in FIELDS)) for row in rows]


def write_fixture(rows: Iterable[Transcript], path: Path = FIXTURE) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(FIELDS)
        for row in rows:
            writer.writerow([getattr(row, f) for f in FIELDS])


def record_transcripts(audio_dir: Path) -> Iterator[Transcript]:
    """Decode every command WAV with pocketsphinx's default open-vocabulary English model."""
    from pocketsphinx import Decoder

    decoder = Decoder(loglevel="FATAL")
    for line in (audio_dir / "transcripts.tsv").read_text().splitlines():
        cid, reference = line.split("\t")
        intent, obj = COMMAND_LABELS[cid]
        for voice in VOICES:
            with wave.open(str(audio_dir / f"{cid}_{voice}.wav")) as wav:
                pcm = wav.readframes(wav.getnframes())
            decoder.start_utt()
            decoder.process_raw(pcm, full_utt=True)
            decoder.end_utt()
            hyp = decoder.hyp()
            yield Transcript(cid, voice, intent, obj, reference, hyp.hypstr if hyp else "")


def learn_confusions(pairs: Iterable[tuple[str, str]], max_span: int = 2
                     ) -> dict[str, list[str]]:
    """(reference, recognized) pairs → reference word/phrase → what the recognizer heard
    instead (short spans only)."""
    table: dict[str, list[str]] = {}
    for reference, heard in pairs:
        ref, hyp = reference.split(), heard.split()
        matcher = difflib.SequenceMatcher(a=ref, b=hyp, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal" or i2 - i1 > max_span or j2 - j1 > max_span + 1:
                continue
            if op == "insert":
                continue
            table.setdefault(" ".join(ref[i1:i2]), []).append(" ".join(hyp[j1:j2]))
    return table


if __name__ == "__main__":
    import sys

    write_fixture(record_transcripts(Path(sys.argv[1])))
