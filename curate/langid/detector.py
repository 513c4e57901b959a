"""The decision: writing system first, then an engine on what the script leaves open.

1. Too few letters (empty, numbers, emoji, a song title) -> 'und': engines guess wildly on a few words.
2. The script: Hangul -> ko, kana -> ja, Han without kana -> zh, and one-language scripts (Thai, Greek,
   Hebrew, Georgian, Armenian, Tamil...) -> their language, whatever Latin words are mixed in.
3. Otherwise an engine:
   - `auto` (default): cld2, kept when it is sure (and not a short English answer: cld2 falls back to
     English on unclear text); else py3langid too: agreeing engines keep the higher probability, on
     disagreement py3langid wins when it is fairly sure, else the more probable; 'und' when neither is.
   - `cld2`, `py3langid`: that engine alone (its unreliable flag lowers cld2's probability, never vetoes).
   - `langdetect` (slow reference): on the text less its Latin-letter words when most letters are in
     another script (it reads URL, JSON, a band name as English). Measured on the dev half, that dropping
     helps langdetect only: cld2 segments scripts itself and loses accuracy without them, py3langid is
     unchanged.
Results are cached by text digest (re-uploads and boilerplate repeat).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import xxhash

from curate.langid import engines
from curate.langid.codes import UND
from curate.langid.engines import NO_GUESS, Guess
from curate.langid.scripts import Scripts, script_language, scripts, without_latin_words

Engine = Literal["auto", "cld2", "py3langid", "langdetect"]
# auto, tuned on the dev half of bench/langid_real.jsonl (docs/scrape.md):
SURE = 0.7  # a cld2 answer at least this probable is kept without asking py3langid
SHORT_ENGLISH = 60  # cld2 falls back to English on short unclear text: below this many letters, check it
PY3LANGID_WINS = 0.5  # on disagreement py3langid wins from this probability (it knows close pairs better)
MIN_CONFIDENT = 0.2  # both engines below this: 'und'


def _auto(text: str, found: Scripts, seed: int) -> Guess:
    fast = engines.cld2(text)
    if fast.prob >= SURE and not (fast.lang == "en" and found.total < SHORT_ENGLISH):
        return fast
    slow = engines.py3langid(text)
    if slow.lang == fast.lang:
        return Guess(fast.lang, max(fast.prob, slow.prob), fast.script)
    best = slow if slow.prob >= PY3LANGID_WINS else max(fast, slow, key=lambda g: g.prob)
    return best if best.prob >= MIN_CONFIDENT else NO_GUESS


def _langdetect(text: str, found: Scripts, seed: int) -> Guess:
    return engines.langdetect(without_latin_words(text) if found.main != "Latn" else text, seed)


_ENGINES: dict[str, Callable[[str, Scripts, int], Guess]] = {
    "auto": _auto,
    "cld2": lambda text, found, seed: engines.cld2(text),
    "py3langid": lambda text, found, seed: engines.py3langid(text),
    "langdetect": _langdetect,
}


class LanguageDetector:
    """text -> Guess(ISO 639-1 code or 'und', probability, script), deterministic."""

    def __init__(self, engine: Engine = "auto", *, seed: int = 0, min_letters: int = 30,
                 max_chars: int = 2000, cache_size: int = 100_000) -> None:  # fmt: skip
        self.engine, self.seed = engine, seed
        self.min_letters, self.max_chars, self.cache_size = min_letters, max_chars, cache_size
        self._engine = _ENGINES[engine]
        self._cache: dict[int, Guess] = {}
        self.hits = self.misses = 0

    def detect(self, text: str | None) -> Guess:
        if not text:
            return NO_GUESS
        text = text[: self.max_chars]  # accuracy plateaus long before; cost grows with length
        if not self.cache_size:
            return self._decide(text)
        key = xxhash.xxh3_128_intdigest(text.encode("utf-8", "surrogatepass"))
        found = self._cache.get(key)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        if len(self._cache) >= self.cache_size:
            self._cache.clear()
        found = self._cache[key] = self._decide(text)
        return found

    def _decide(self, text: str) -> Guess:
        found = scripts(text)
        if found.total < self.min_letters:
            return NO_GUESS
        by_script = script_language(found)
        if by_script is not None:
            lang, script = by_script
            if lang == "zh":  # simplified or traditional: cld2 tells them apart (zh / zh-Hant)
                variant = engines.cld2(text)
                script = variant.script or ("Hans" if variant.lang == "zh" else script)
            return Guess(lang, round(_share(found, script), 4), script)
        guess = self._engine(text, found, self.seed)
        if guess.lang == UND or guess.script is not None:
            return guess
        return Guess(guess.lang, guess.prob, found.main)


def _share(found: Scripts, script: str) -> float:
    """The share of (weighted) letters in the deciding script: CJK counts as one."""
    if script in ("Kore", "Jpan", "Hani", "Hans", "Hant"):
        mine = sum(found.other.get(s, 0) for s in ("Hani", "Kana", "Hang"))
    else:
        mine = found.other.get(script, 0)
    return mine / found.total
