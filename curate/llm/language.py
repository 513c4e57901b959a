"""Which language a generated text is in (py3langid: ~0.1 ms a text, deterministic).

Short texts are `und`: identifiers guess wildly on a few words, and a wrong guess would reject a
good row. A check passes when the text is `und` or in the expected language.
"""

from __future__ import annotations

import functools

MIN_WORDS = 6


@functools.cache
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> tuple[str, float]:
    """(ISO 639-1 code, probability), or ('und', 0.0) for text too short to tell."""
    if len(text.split()) < MIN_WORDS and len(text) < 40:
        return "und", 0.0
    lang, prob = _identifier().classify(text)
    return str(lang), float(prob)


def matches(text: str, expected: str, min_prob: float = 0.5) -> tuple[bool, str]:
    lang, prob = detect(text)
    if lang == "und" or prob < min_prob:
        return True, lang
    return lang == expected.split("-")[0].lower(), lang
