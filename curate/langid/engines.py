"""The three language-id libraries behind one call each: text -> Guess (ISO 639-1 code, probability).

- `cld2` (pycld2, Chromium's compact detector, model compiled into the wheel): about 30 us a text. It
  scores byte runs per script and flags a result unreliable when much of the text is in no language it
  knows, such as Latin-letter words in Japanese or Russian: right most of the time all the same, so the
  flag lowers the probability instead of vetoing the answer.
- `py3langid` (byte n-grams, normalized probabilities): about 0.2 ms a text; better on close languages
  when cld2 is unsure.
- `langdetect` (the classic reference): about 3 ms a text, random unless seeded, so its factory is
  seeded once and every call is deterministic.

Each returns ('und', 0.0) instead of raising on text without features.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import pycld2

from curate.langid.codes import UND, iso639_1, script_variant

UNRELIABLE = 0.6  # cld2's probability is scaled by this when it flags its answer unreliable (tuned on dev)


@dataclass(frozen=True, slots=True)
class Guess:
    lang: str  # ISO 639-1 (or 639-3 where there is none), 'und' when unknown
    prob: float  # 0..1
    script: str | None = None  # ISO 15924, when known (Hant for traditional Chinese...)


NO_GUESS = Guess(UND, 0.0)


def cld2_details(text: str) -> tuple[bool, Any]:
    """pycld2's (reliable, details): languages with their share of the text, best first."""
    try:
        reliable, _, details = pycld2.detect(text)
    except (pycld2.error, UnicodeEncodeError):  # control bytes or lone surrogates: detect on the rest
        printable = "".join(ch for ch in text if ch.isprintable() or ch in "\n\t")
        try:
            reliable, _, details = pycld2.detect(printable)
        except pycld2.error:
            return False, ()
    return reliable, details


def cld2(text: str) -> Guess:
    """cld2's first language; its probability is its share of the text in languages cld2 knows."""
    reliable, details = cld2_details(text)
    known = [(code, percent) for _, code, percent, _ in details if iso639_1(code) != UND and percent > 0]
    if not known:
        return NO_GUESS
    code, percent = known[0]
    prob = percent / sum(p for _, p in known)
    return Guess(iso639_1(code), round(prob if reliable else prob * UNRELIABLE, 4), script_variant(code))


@functools.cache
def _py3langid():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def py3langid(text: str) -> Guess:
    lang, prob = _py3langid().classify(text)
    code = iso639_1(str(lang))
    return Guess(code, round(float(prob), 4)) if code != UND else NO_GUESS


@functools.cache
def _langdetect_factory(seed: int):  # type: ignore[no-untyped-def]
    from langdetect import detector_factory

    factory = detector_factory.DetectorFactory()
    factory.load_profile(detector_factory.PROFILES_DIRECTORY)
    factory.set_seed(seed)
    return factory


def langdetect(text: str, seed: int = 0) -> Guess:
    from langdetect.lang_detect_exception import LangDetectException

    detector = _langdetect_factory(seed).create()
    detector.append(text)
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return NO_GUESS
    code = iso639_1(best.lang)
    return Guess(code, round(float(best.prob), 4)) if code != UND else NO_GUESS
