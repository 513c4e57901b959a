"""Claims an assistant's prose makes about a tune, found by pattern, and compared with the computed facts.

Patterns (ABC blocks are taken out first; number words are not read):
- key: "key of D", "key is A minor", "key: G", "in G major" / "in E dorian" (a mode word is needed after "in");
- meter: "6/8 time", "meter is 3/4", "meter: 3/4", "in 2/4", "common time" (4/4), "cut time" (2/2);
- form: "form is AABB", "form: ABA", "AABB form";
- bars: "the tune has 16 bars", "16 bars long", "16 bars in total";
- chords: in a sentence naming chords, a progression or harmony (and not a suggestion: could, might,
  try, instead, would, suggest), quoted or back-ticked tokens and unquoted tokens with a quality
  (`Am`, `G7`, `F#m`; a bare letter is not read: "A" is also a word).
A claim in a turn that writes ABC is about that ABC: its key and meter claims are checked against the
block's K: and M: fields (a variation keeps the key and meter it claims); other turns are about the tune.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from curate.tune.facts import key_name, meter_name

_MODE = r"((?i:major|minor|dorian|mixolydian|lydian|phrygian|locrian|aeolian|ionian))"
_TONIC = r"([A-G])(#|b|♯|♭|\s+sharp\b|\s+flat\b|-sharp\b|-flat\b)?"
_KEY_OF = re.compile(rf"\b[Kk]ey(?:\s*:\s*|\s+of\s+|\s+is\s+|\s+)?{_TONIC}(?:\s+{_MODE})?\b")
_IN_KEY = re.compile(rf"\bin\s+{_TONIC}\s+{_MODE}\b", re.I)
_METER = re.compile(
    r"(?:\b(?:meter|metre|time signature|time)(?:\s*:\s*|\s+is\s+|\s+of\s+|\s+)|\bin\s+)(\d{1,2}/\d{1,2})\b"
    r"|\b(\d{1,2}/\d{1,2})\s+(?:time|meter|metre)\b",
    re.I,
)
_NAMED_METER = re.compile(r"\b(common|cut)\s+time\b", re.I)
_FORM = re.compile(r"\b[Ff]orm(?:\s*:\s*|\s+is\s+|\s+of\s+|\s+)([A-H]{2,})\b|\b([A-H]{2,})\s+form\b")
_BARS = re.compile(
    r"\b(?:tune|piece|melody)\s+(?:has|is|spans|contains)\s+(\d+)\s+(?:bars|measures)\b"
    r"|\b(\d+)\s+(?:bars|measures)\s+(?:long|in total|in all)\b",
    re.I,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_CHORD_TALK = re.compile(r"\bchords?\b|\bprogression\b|\bharmon", re.I)
_HYPOTHETICAL = re.compile(r"\b(could|might|try|instead|would|suggest)", re.I)
_QUOTED = re.compile(r"[\"`“]([^\"`”]{1,12})[\"`”]")
_CHORD = re.compile(r"^[A-G][#b]?(?:m|min|maj|dim|aug|sus[24]?|add)?\d*(?:/[A-G][#b]?)?$")
_QUALIFIED = re.compile(r"(?<![\w/])([A-G][#b]?(?:m|min|maj|dim|aug|sus[24]?)\d*|[A-G][#b]?\d+)(?![\w#])")
_ACCIDENTAL = {"#": "#", "♯": "#", "sharp": "#", "b": "b", "♭": "b", "flat": "b"}


@dataclass(frozen=True)
class Claim:
    kind: str  # key | meter | form | bars | chords
    text: str  # as written
    value: str  # normalized
    fact: str | None  # what it is compared with
    ok: bool

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "claim": self.text, "value": self.value, "fact": self.fact, "ok": self.ok}


def _tonic(letter: str, accidental: str | None) -> str:
    return letter + _ACCIDENTAL.get((accidental or "").strip(" -"), "")


def _key_claims(prose: str) -> list[tuple[str, str, str | None]]:
    """(as written, tonic, mode or None) for each key claim."""
    out = [(m.group(0), _tonic(m.group(1), m.group(2)), m.group(3)) for m in _KEY_OF.finditer(prose)]
    out += [
        (m.group(0), _tonic(m.group(1).upper(), m.group(2)), m.group(3))
        for m in _IN_KEY.finditer(prose)
        if m.group(1).isupper()
    ]
    return out


def _same_key(tonic: str, mode: str | None, fact: str | None) -> bool:
    if fact is None:
        return False
    fact_tonic, fact_mode = fact.split()
    mode = {"aeolian": "minor", "ionian": "major"}.get((mode or "").lower(), (mode or "").lower())
    return tonic == fact_tonic and (not mode or mode == fact_mode)


def key_and_meter_claims(prose: str, key: str | None, meter: str | None) -> list[Claim]:
    """Key and meter claims against `key` (`D major`) and `meter` (`6/8`)."""
    claims = [
        Claim("key", text, f"{tonic} {mode or ''}".strip(), key, _same_key(tonic, mode, key))
        for text, tonic, mode in _key_claims(prose)
    ]
    for m in _METER.finditer(prose):
        value = m.group(1) or m.group(2)
        claims.append(Claim("meter", m.group(0), value, meter, value == meter))
    for m in _NAMED_METER.finditer(prose):
        value = "4/4" if m.group(1).lower() == "common" else "2/2"
        claims.append(Claim("meter", m.group(0), value, meter, value == meter))
    return claims


def tune_claims(prose: str, facts: dict[str, Any]) -> list[Claim]:
    """Every claim of `prose` about the tune whose computed facts are `facts` (TuneFacts.summary())."""
    claims = key_and_meter_claims(prose, facts.get("key"), facts.get("meter"))
    for m in _FORM.finditer(prose):
        value = m.group(1) or m.group(2)
        claims.append(Claim("form", m.group(0), value, facts.get("form"), value == facts.get("form")))
    for m in _BARS.finditer(prose):
        value = m.group(1) or m.group(2)
        fact = facts.get("bars")
        claims.append(Claim("bars", m.group(0), value, None if fact is None else str(fact), value == str(fact)))
    known = set(facts.get("chords") or [])
    for chord in chord_mentions(prose):
        claims.append(Claim("chords", chord, chord, ", ".join(sorted(known)) or "none", chord in known))
    return claims


def chord_mentions(prose: str) -> list[str]:
    out: list[str] = []
    for sentence in _SENTENCE.split(prose):
        if not _CHORD_TALK.search(sentence) or _HYPOTHETICAL.search(sentence):
            continue
        quoted = [q.strip() for q in _QUOTED.findall(sentence) if _CHORD.match(q.strip())]
        bare = _QUOTED.sub(" ", sentence)
        out += quoted + [m.group(1) for m in _QUALIFIED.finditer(bare)]
    return list(dict.fromkeys(out))


def block_key_meter(abc: str) -> tuple[str | None, str | None]:
    """Key (named) and meter of an ABC block's header fields."""
    key = re.search(r"^\s*K:(.*)$", abc, re.M)
    meter = re.search(r"^\s*M:(.*)$", abc, re.M)
    return key_name(key.group(1)) if key else None, meter_name(meter.group(1)) if meter else None
