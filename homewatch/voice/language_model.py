"""The domain language model of pocketsphinx: estimated from the home's sentences and names,
cached in the state directory under a key of both, so a changed config rebuilds it."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from homewatch.language.corpus import fingerprint, sentences
from homewatch.language.names import HomeNames, spoken_name
from homewatch.language.ngram import TrigramModel
from homewatch.language.words import WAKE
from homewatch.voice.config import VoiceSetup

log = logging.getLogger(__name__)
CACHE = "language-models"


def home_names(setup: VoiceSetup) -> HomeNames:
    grammar = setup.settings.grammar
    return HomeNames.of((*setup.places, *grammar.places), (*setup.devices, *grammar.devices))


def wake_phrases(setup: VoiceSetup) -> tuple[str, ...]:
    return tuple(dict.fromkeys((spoken_name(setup.settings.activation.wake_phrase), *WAKE)))


def cache_dir(setup: VoiceSetup) -> Path:
    """In the state directory; in the temporary one when that is not ours to write."""
    if setup.state_dir is not None:
        wanted = setup.state_dir / CACHE
        try:
            wanted.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass
        else:
            if os.access(wanted, os.W_OK):
                return wanted
    return Path(tempfile.gettempdir()) / f"homewatch-{os.getuid()}" / CACHE


def language_model(setup: VoiceSetup) -> Path:
    """The ARPA file for this home, built when missing (a second or two)."""
    names, wakes = home_names(setup), wake_phrases(setup)
    path = cache_dir(setup) / f"commands-{fingerprint(names, wakes)}.arpa"
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    model = TrigramModel(sentences(names, wakes))
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as out:
            model.write_arpa(out)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("voice: language model built for %d places and %d devices: %s",
             len(names.places), len(names.devices), path)
    return path


def vocabulary(path: Path) -> tuple[str, ...]:
    """The words of an ARPA model (its unigrams, without sentence markers)."""
    words: list[str] = []
    with path.open() as handle:
        inside = False
        for line in handle:
            if line.startswith("\\1-grams:"):
                inside = True
            elif line.startswith("\\"):
                if inside:
                    break
            elif inside and line.strip():
                word = line.split()[1]
                if word not in ("<s>", "</s>"):
                    words.append(word)
    return tuple(words)
