"""Writing systems of a text: which scripts its letters are in, and the languages a script alone decides.

Hangul is Korean, kana is Japanese, Han without kana is Chinese, and Thai, Greek, Hebrew, Georgian,
Armenian and several Indic scripts each write one language that matters here: no engine is needed (and
engines trained on bytes get these wrong when Latin words are mixed in). Scripts shared by many
languages (Latin, Cyrillic, Arabic, Devanagari, Bengali...) are left to an engine.

Speed matters (this runs on every row): ASCII text answers at once; otherwise one regex pass collects the
non-Latin letters and a per-character memo gives each one's script.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass

# (first code point, script) of each range, in order; a code point belongs to the range that starts at or
# below it. 'Zyyy' (common: punctuation, symbols, emoji, scripts not tracked here) is never counted; nor is ASCII
# here, whose letters are counted exactly apart.
_RANGES: list[tuple[int, str]] = [
    (0x0000, "Zyyy"), (0x00C0, "Latn"), (0x00D7, "Zyyy"), (0x00D8, "Latn"), (0x00F7, "Zyyy"), (0x00F8, "Latn"),
    (0x02B0, "Zyyy"), (0x0370, "Grek"), (0x0400, "Cyrl"), (0x0530, "Armn"), (0x0590, "Hebr"), (0x0600, "Arab"),
    (0x0700, "Syrc"), (0x0750, "Arab"), (0x0780, "Thaa"), (0x07C0, "Zyyy"), (0x08A0, "Arab"), (0x0900, "Deva"),
    (0x0980, "Beng"), (0x0A00, "Guru"), (0x0A80, "Gujr"), (0x0B00, "Orya"), (0x0B80, "Taml"), (0x0C00, "Telu"),
    (0x0C80, "Knda"), (0x0D00, "Mlym"), (0x0D80, "Sinh"), (0x0E00, "Thai"), (0x0E80, "Laoo"), (0x0F00, "Tibt"),
    (0x1000, "Mymr"), (0x10A0, "Geor"), (0x1100, "Hang"), (0x1200, "Ethi"), (0x13A0, "Zyyy"), (0x1780, "Khmr"),
    (0x1800, "Zyyy"), (0x1C80, "Cyrl"), (0x1C90, "Geor"), (0x1CC0, "Zyyy"), (0x1E00, "Latn"), (0x1F00, "Grek"),
    (0x2000, "Zyyy"), (0x2C60, "Latn"), (0x2C80, "Zyyy"), (0x2D00, "Geor"), (0x2D30, "Zyyy"), (0x2DE0, "Cyrl"),
    (0x2E00, "Zyyy"), (0x2E80, "Hani"), (0x3000, "Zyyy"), (0x3005, "Hani"), (0x3008, "Zyyy"), (0x3040, "Kana"),
    (0x3100, "Hani"), (0x3130, "Hang"), (0x3190, "Hani"), (0x31F0, "Kana"), (0x3200, "Zyyy"), (0x3400, "Hani"),
    (0xA000, "Zyyy"), (0xA640, "Cyrl"), (0xA6A0, "Zyyy"), (0xA720, "Latn"), (0xA800, "Zyyy"), (0xA960, "Hang"),
    (0xA980, "Zyyy"), (0xAC00, "Hang"), (0xD800, "Zyyy"), (0xF900, "Hani"), (0xFB00, "Latn"), (0xFB1D, "Hebr"),
    (0xFB50, "Arab"), (0xFE00, "Zyyy"), (0xFE70, "Arab"), (0xFF00, "Zyyy"), (0xFF21, "Latn"), (0xFF3B, "Zyyy"),
    (0xFF41, "Latn"), (0xFF5B, "Zyyy"), (0xFF66, "Kana"), (0xFFA0, "Hang"), (0xFFE0, "Zyyy"), (0x20000, "Hani"),
    (0x40000, "Zyyy"),
]  # fmt: skip
_STARTS = [start for start, _ in _RANGES]

# scripts that write one language (of those an engine here knows); the rest need an engine
SCRIPT_LANGUAGE = {
    "Hang": "ko", "Kana": "ja", "Hani": "zh", "Grek": "el", "Hebr": "he", "Armn": "hy", "Geor": "ka",
    "Thai": "th", "Laoo": "lo", "Khmr": "km", "Mymr": "my", "Sinh": "si", "Gujr": "gu", "Guru": "pa",
    "Taml": "ta", "Telu": "te", "Knda": "kn", "Mlym": "ml", "Orya": "or", "Thaa": "dv",
}  # fmt: skip
CJK = frozenset({"Hani", "Kana", "Hang"})
CJK_WEIGHT = 3  # a Han, kana or Hangul character carries about a word's worth: count it as 3 letters
KANA_SHARE = 0.1  # Japanese prose is a third kana or more; Chinese text may hold a stray の
HANGUL_SHARE = 0.3  # Korean with Hanja is still mostly Hangul

SAMPLE = 64  # characters classified per text: enough to tell the main script and kana's share
_ASCII_NON_LETTERS = bytes(c for c in range(128) if not chr(c).isalpha())
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f'’._-]*")


class _ScriptMemo(dict[str, str]):
    """char -> ISO 15924 script code ('Zyyy' for those not tracked here), filled on first sight."""

    def __missing__(self, ch: str) -> str:
        found = self[ch] = _RANGES[bisect.bisect_right(_STARTS, ord(ch)) - 1][1]
        return found


_SCRIPT_OF = _ScriptMemo()


def script_of(ch: str) -> str:
    """ISO 15924 code of a character's script ('Zyyy' for punctuation, symbols and untracked scripts)."""
    return _SCRIPT_OF[ch]


@dataclass(frozen=True, slots=True)
class Scripts:
    """Letters of a text by script, CJK characters weighted (see CJK_WEIGHT)."""

    latin: int
    other: dict[str, int]  # non-Latin scripts, weighted letter counts
    total: int
    main: str  # the script with the most (weighted) letters, 'CJK' for Han+kana+Hangul, 'Latn' on a tie

    def cjk_language(self) -> str:
        """ko, ja or zh for text whose main script is CJK."""
        cjk = sum(self.other.get(s, 0) for s in CJK)
        if self.other.get("Hang", 0) >= HANGUL_SHARE * cjk:
            return "ko"
        return "ja" if self.other.get("Kana", 0) >= KANA_SHARE * cjk else "zh"


def scripts(text: str) -> Scripts:
    """Count letters by script: ASCII letters exactly (one C call); the other characters from an even
    sample of about SAMPLE characters of the text, scaled."""
    ascii_letters = len(text.encode("ascii", "ignore").translate(None, _ASCII_NON_LETTERS))
    if text.isascii():
        return Scripts(ascii_letters, {}, ascii_letters, "Latn")
    step = len(text) // SAMPLE + 1
    counts = Counter(map(_SCRIPT_OF.__getitem__, text[::step]))
    latin, other, main, best, cjk = ascii_letters, {}, "Latn", 0, 0
    for script, n in counts.items():
        if script == "Zyyy":
            continue
        weighted = n * step * (CJK_WEIGHT if script in CJK else 1)
        if script == "Latn":
            latin += weighted
            continue
        other[script] = weighted
        if script in CJK:
            cjk += weighted
        elif weighted > best:
            main, best = script, weighted
    if cjk > best:
        main, best = "CJK", cjk
    return Scripts(latin, other, latin + sum(other.values()), main if best > latin else "Latn")


def script_language(found: Scripts) -> tuple[str, str] | None:
    """(language, script) when the main script alone says the language, else None (an engine decides)."""
    main = found.main
    if main == "CJK":
        lang = found.cjk_language()
        return lang, {"ko": "Kore", "ja": "Jpan", "zh": "Hani"}[lang]
    lang = SCRIPT_LANGUAGE.get(main)
    return (lang, main) if lang else None


def without_latin_words(text: str) -> str:
    """The text less its Latin-letter words (URL, JSON, names): for text mostly in another script, where
    byte-based engines read a few English words as evidence of English."""
    return _LATIN_WORD.sub(" ", text)
