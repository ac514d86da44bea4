"""pocketsphinx 5 with the English model shipped in its wheel: works out of the box."""

from __future__ import annotations

import itertools
import logging
import re
import threading
from collections.abc import Mapping
from pathlib import Path

from pocketsphinx import Decoder

from homewatch.core.errors import ModelError
from homewatch.core.messages import Word
from homewatch.voice.config import TOPN
from homewatch.voice.grammar import CommandGrammar
from homewatch.voice.pronounce import pronounce
from homewatch.voice.recognizers import Transcript, mean_confidence

log = logging.getLogger(__name__)

GRAMMAR_SEARCH = "commands"
LM_SEARCH = "home"
_FILLER = re.compile(r"^(<s>|</s>|<sil>|\[.*\]|\+\+.*\+\+)$")
_ALTERNATE = re.compile(r"\(\d+\)$")


class PocketsphinxRecognizer:
    """One decoder, used by one utterance at a time (pocketsphinx is not thread-safe).

    Streaming uses live cepstral mean normalisation, which starts from a generic prior
    and adapts to the microphone over the first utterance. Until it has, an utterance is
    decoded again in batch mode (whole-utterance normalisation) once it ends: decoded
    cold, 2 of 17 espeak commands come out empty or wrong otherwise.
    """

    def __init__(self, grammar: CommandGrammar | None = None,
                 pronunciations: Mapping[str, str] | None = None, *,
                 language_model: Path | None = None, verify: bool = False,
                 nbest: int = 0, topn: int = TOPN) -> None:
        """`language_model` (ARPA) selects lm mode, else `grammar` the strict grammar, else
        the general English model. `verify` decodes lm-mode speech a second time with the
        general model, so speech that is not a command shows as a disagreement. `nbest`: in
        lm mode, the transcript carries up to that many distinct best hypotheses. `topn`:
        Gaussians scored per codebook and frame (the engine's own default is 4)."""
        self.name = "pocketsphinx"
        self.mode = "lm" if language_model else "grammar" if grammar is not None else "open"
        self.grammar = self.mode == "grammar"
        self.verify = verify and self.mode == "lm"
        self.nbest = nbest if self.mode == "lm" else 0
        self.added_words: dict[str, tuple[str, str]] = {}
        self.warm = False
        self._lock = threading.Lock()
        try:
            self._decoder = Decoder(loglevel="FATAL", topn=topn)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"pocketsphinx could not load its English model: {exc}") from exc
        custom = {k.lower(): v for k, v in (pronunciations or {}).items()}
        self.open_search = self._decoder.current_search()
        if language_model is not None:
            from homewatch.voice.language_model import vocabulary

            self._add_missing_words(vocabulary(language_model), custom)
            try:
                self._decoder.add_lm_file(LM_SEARCH, str(language_model))
            except (RuntimeError, ValueError) as exc:
                raise ModelError(f"pocketsphinx rejected the language model "
                                 f"{language_model}: {exc}") from exc
            self._decoder.activate_search(LM_SEARCH)
        elif grammar is not None:
            self._add_missing_words(grammar.words, custom)
            try:
                self._decoder.add_jsgf_string(GRAMMAR_SEARCH, grammar.jsgf())
            except ValueError as exc:
                raise ModelError(f"pocketsphinx rejected the command grammar: {exc}") from exc
            self._decoder.activate_search(GRAMMAR_SEARCH)
        else:
            self._add_missing_words(tuple(custom), custom)

    def _add_missing_words(self, words: tuple[str, ...], custom: Mapping[str, str]) -> None:
        missing = [w for w in dict.fromkeys(words) if self._decoder.lookup_word(w) is None]
        for i, word in enumerate(missing):
            phones, how = pronounce(word, self._decoder.lookup_word, custom)
            try:
                self._decoder.add_word(word, phones, i == len(missing) - 1)
            except RuntimeError as exc:
                raise ModelError(f"pocketsphinx cannot add {word!r} as {phones!r}: {exc}; set "
                                 "voice.recognizer.pronunciations") from exc
            self.added_words[word] = (phones, how)
            level = logging.WARNING if how == "rules" else logging.INFO
            log.log(level, "pocketsphinx: added %r as %s (%s)", word, phones, how)

    def stream(self) -> PocketsphinxStream:
        if not self._lock.acquire(timeout=30):
            raise RuntimeError("pocketsphinx decoder is busy with another utterance")
        try:
            self._decoder.start_utt()
        except Exception:
            self._lock.release()
            raise
        return PocketsphinxStream(self, self._decoder, self._lock)


class PocketsphinxStream:
    def __init__(self, owner: PocketsphinxRecognizer, decoder: Decoder,
                 lock: threading.Lock) -> None:
        self._owner = owner
        self._decoder = decoder
        self._lock = lock
        self._open = True
        self._audio: list[bytes] | None = None if owner.warm and not owner.verify else []

    def accept(self, pcm: bytes) -> None:
        if pcm:
            self._decoder.process_raw(pcm, False, False)
            if self._audio is not None:
                self._audio.append(pcm)

    def result(self) -> Transcript:
        try:
            self._decoder.end_utt()
            if self._audio and not self._owner.warm:
                self._decoder.start_utt()
                self._decoder.process_raw(b"".join(self._audio), False, True)
                self._decoder.end_utt()
                self._owner.warm = True
            heard = self._transcript()
            alternatives = self._alternatives(heard.text) if heard.text else ()
            open_text = self._open_pass(b"".join(self._audio)) \
                if self._owner.verify and self._audio and heard.text else None
            return Transcript(heard.text, heard.words, heard.confidence, open_text, alternatives)
        finally:
            self._open = False
            self._lock.release()

    def _alternatives(self, best: str) -> tuple[str, ...]:
        """The best distinct word sequences of the lattice (fillers and pronunciation
        variants removed), `best` first."""
        if not self._owner.nbest:
            return ()
        found = [best]
        # The A* search can repeat a word sequence (other fillers or timings): look a
        # little further than asked.
        for hyp in itertools.islice(self._decoder.nbest(), 2 * self._owner.nbest):
            if hyp is None:  # after some utterances the search ends with an empty entry
                break
            text = " ".join(_ALTERNATE.sub("", w) for w in hyp.hypstr.split()
                            if not _FILLER.match(w))
            if text and text not in found:
                found.append(text)
            if len(found) >= self._owner.nbest:
                break
        return tuple(found)

    def _open_pass(self, pcm: bytes) -> str:
        """The same audio through the general English model."""
        own = self._decoder.current_search()
        self._decoder.activate_search(self._owner.open_search)
        try:
            self._decoder.start_utt()
            self._decoder.process_raw(pcm, False, True)
            self._decoder.end_utt()
            return self._transcript().text
        finally:
            self._decoder.activate_search(own)

    def _transcript(self) -> Transcript:
        hyp = self._decoder.hyp()
        if hyp is None:
            return Transcript("", (), 0.0)
        frate = float(self._decoder.config["frate"])
        words = tuple(
            Word(_ALTERNATE.sub("", seg.word), seg.start_frame / frate,
                 (seg.end_frame + 1) / frate, min(1.0, max(0.0, float(seg.prob))))
            for seg in self._decoder.seg() if not _FILLER.match(seg.word)
        )
        text = " ".join(w.word for w in words)
        return Transcript(text, words, mean_confidence(words))

    def abort(self) -> None:
        if not self._open:
            return
        self._open = False
        try:
            self._decoder.end_utt()
        finally:
            self._lock.release()
