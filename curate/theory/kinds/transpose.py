"""A bar transposed to another key: which option is the bar moved by a stated interval, written under
the new key's signature? Pitches are read and transposed with music21 (spelling kept: F# up a
major second is G#); the rhythm is the bar's own text with only its pitches rewritten.

Distractors are the usual mistakes: the other quality of the interval, the opposite direction, the
source key signature forgotten when reading, the notes moved by letter inside the old key, or the
right notes an octave off. Each option is music only (no barline), read under the stated K:.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Any

import music21

from curate.stage import RejectRow
from curate.theory.item import Draft, Kind, TuneContext, clean_bar
from curate.theory.music import Unreadable, notes, parse_abc2xml, parse_music21

_STRIP = re.compile(r'"[^"]*"|![^!\n]*!|\+[^+\n]*\+|\{[^}]*\}')  # annotations, decorations, grace notes
_NOTE = re.compile(r"(?:\^\^|__|\^|_|=)?([A-Ga-g])[,']*")
_KEY = re.compile(r"^\s*([A-G])([#b]?)\s*([A-Za-z]*)\s*$")
_MODES = {"": "major", "maj": "major", "ion": "major", "m": "minor", "min": "minor", "aeo": "minor",
          "dor": "dorian", "phr": "phrygian", "lyd": "lydian", "mix": "mixolydian", "loc": "locrian"}  # fmt: skip
_ACCIDENTAL = {-2: "__", -1: "_", 0: "=", 1: "^", 2: "^^"}
MOVES = [("M2", 1), ("m3", 1), ("P4", 1), ("P5", 1), ("M3", 1), ("M2", -1), ("m3", -1), ("P4", -1), ("P5", -1)]
OTHER_QUALITY = {"M2": "m2", "m3": "M3", "P4": "A4", "P5": "d5", "M3": "m3"}
Notes = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Expected:
    """The transposed bar's notes and how to read an option (path-dependent parser, target header)."""

    notes: Notes
    header: str
    path: str  # "music21" or "abc2xml"


def parse_key(value: str | None) -> tuple[music21.key.Key, str]:
    """(key, mode suffix as written) from a plain K: value such as `G`, `F#m`, `Ador`; else RejectRow."""
    found = _KEY.match(value or "")
    mode = found.group(3).lower()[:3] if found else None
    if not found or mode not in _MODES:
        raise RejectRow("unsupported_key", f"K:{value} (only a tonic and a mode are handled)")
    tonic = found.group(1) + found.group(2).replace("b", "-")
    return music21.key.Key(tonic, _MODES[mode]), found.group(3)


def key_words(key: music21.key.Key) -> str:
    return f"{key.tonic.name.replace('-', 'b')} {key.mode}"


def moved(interval: str, direction: int) -> music21.interval.Interval:
    return music21.interval.Interval(interval[0] + ("-" if direction < 0 else "") + interval[1:])


def as_notes(found: list[music21.note.Note]) -> Notes:
    return tuple((n.pitch.nameWithOctave, float(n.duration.quarterLength)) for n in found)


def spell(pitches: list[music21.pitch.Pitch], sig: music21.key.KeySignature) -> list[str]:
    """ABC for each pitch under `sig`; once a letter has an accidental in the bar, every later note
    on that letter writes its own (so octave-wise or letter-wise carrying rules read the same)."""
    touched: set[str] = set()
    out = []
    for p in pitches:
        alter = int(p.alter)
        if alter != p.alter or abs(alter) > 2:
            raise RejectRow("unwritable_pitch", p.nameWithOctave)
        implied = sig.accidentalByStep(p.step)
        explicit = p.step in touched or alter != (int(implied.alter) if implied else 0)
        if explicit:
            touched.add(p.step)
        octave = p.octave if p.octave is not None else 4
        letter = p.step.lower() + "'" * (octave - 5) if octave >= 5 else p.step + "," * (4 - octave)
        out.append((_ACCIDENTAL[alter] if explicit else "") + letter)
    return out


def rewrite(music: str, pitches: list[music21.pitch.Pitch], sig: music21.key.KeySignature) -> str:
    """The bar's text with each note's pitch (accidental, letter, octave marks) replaced; rhythm kept."""
    written = iter(spell(pitches, sig))
    return _NOTE.sub(lambda _: next(written), music)


class Transpose(Kind):
    name = "transpose"

    def draft(self, ctx: TuneContext, rng: random.Random) -> Draft:
        ctx.require_score()
        source, _ = parse_key(ctx.field("K"))
        moves = MOVES[:]
        rng.shuffle(moves)
        target, params = None, {}
        for interval, direction in moves:
            candidate = music21.key.Key(source.tonic.transpose(moved(interval, direction)), source.mode)
            if abs(candidate.sharps) <= 6 and abs(candidate.tonic.alter) <= 1:
                target, params = candidate, {"interval": interval, "direction": direction}
                break
        if target is None:
            raise RejectRow("unsupported_key", f"no nearby key for {key_words(source)}")
        to = target.tonic.name.replace("-", "b") + _key_suffix(ctx.field("K"))
        order = list(range(len(ctx.bars())))
        rng.shuffle(order)
        for index in order[:10]:
            music = _STRIP.sub("", clean_bar(ctx.bars()[index].text))
            if "[" in music or "&" in music or len(_NOTE.findall(music)) < 4:
                continue
            abc = excerpt_of(ctx, music)
            try:
                units = {
                    "to": to,
                    "bar": index,
                    "L": ctx.header("L").split("L:")[1].strip(),
                    "M": ctx.field("M") or "none",
                }
                return self._draft_bar(ctx, abc, music, source, target, to, params | units, rng)
            except RejectRow:
                continue
        raise RejectRow("no_transposable_bar", "no single-voice bar of four or more notes transposes cleanly")

    def _draft_bar(self, ctx: TuneContext, abc: str, music: str, source: music21.key.Key, target: music21.key.Key,
                   to: str, params: dict[str, Any], rng: random.Random) -> Draft:  # fmt: skip
        found = notes(parse_music21(abc))
        if len(found) != len(_NOTE.findall(music)):
            raise RejectRow("unreadable", "the bar's notes and music21's notes differ in number")
        iv = moved(params["interval"], params["direction"])
        src = [n.pitch for n in found]
        bare = [n.pitch for n in notes(parse_music21(excerpt_of(ctx, music, key="C")))]
        shift = music21.interval.GenericInterval(iv.generic.directed)
        candidates = {
            "answer": [p.transpose(iv) for p in src],
            "other_quality": [p.transpose(moved(OTHER_QUALITY[params["interval"]], params["direction"])) for p in src],
            "other_direction": [p.transpose(iv.reverse()) for p in src],
            "source_signature_ignored": [p.transpose(iv) for p in bare],
            "letters_moved": [_in_key(shift.transposePitch(p), source) for p in src],
            "octave_off": [p.transpose(iv).transpose("P-8" if params["direction"] > 0 else "P8") for p in src],
        }
        sig_to = music21.key.KeySignature(target.sharps)
        texts: dict[str, str] = {}
        for name, pitches in candidates.items():
            try:
                text = rewrite(music, pitches, sig_to)
            except RejectRow:
                continue
            if text.casefold() not in {t.casefold() for t in texts.values()}:  # options are compared casefolded
                texts[name] = text
        answer = texts.get("answer")
        wrong = [n for n in texts if n != "answer"]
        if answer is None or len(wrong) < 3:
            raise RejectRow("too_few_options", "the mistakes give fewer than three distinct bars")
        chosen = rng.sample(wrong, 3)
        expected = self.solve_path1(abc, params)  # path 1 reads the options too: only the answer may match
        if [self.matches(expected, texts[n]) for n in ("answer", *chosen)] != [True, False, False, False]:
            raise RejectRow("options_misread", "music21 does not read the written options as intended")
        direction = "up" if params["direction"] > 0 else "down"
        stem = (f"This bar is written with the key signature K:{ctx.field('K').strip()} ({key_words(source)}). "
                f"Transpose it {direction} a {iv.niceName.lower()}. Which option is the result, written with the "
                f"key signature K:{to} ({key_words(target)})?")  # fmt: skip
        analysis = (f"Each note moves {direction} a {iv.niceName.lower()} ({int(abs(iv.semitones))} semitones, "
                    f"{abs(iv.generic.directed)} letter names counted inclusively), with the key signature of "
                    f"{key_words(source)} applied before and that of {key_words(target)} after: "
                    f"{' '.join(p.nameWithOctave for p in candidates['answer'])}.")  # fmt: skip
        return Draft(abc, stem, params, answer, [texts[n] for n in chosen], analysis)

    def solve(self, score: music21.stream.Score, params: dict[str, Any]) -> Expected:
        found = notes(score)
        if len(found) < 4:
            raise RejectRow("too_short", f"{len(found)} notes")
        iv = moved(params["interval"], params["direction"])
        moved_notes = tuple((n.pitch.transpose(iv).nameWithOctave, float(n.duration.quarterLength)) for n in found)
        header = f"X:1\nL:{params['L']}\nM:{params['M']}\nK:{params['to']}\n"
        return Expected(moved_notes, header, "abc2xml")

    def solve_path1(self, abc_score: str, params: dict[str, Any]) -> Expected:
        value = super().solve_path1(abc_score, params)
        return Expected(value.notes, value.header, "music21")

    def matches(self, value: Expected, option: str) -> bool:
        """The option, read under the target key by the same parser as `value`, gives its notes."""
        return option_notes(value.header, option, value.path) == value.notes

    def render(self, value: Any) -> str:
        return " ".join(name for name, _ in value.notes)


def _key_suffix(value: str | None) -> str:
    found = _KEY.match(value or "")
    return found.group(3) if found else ""


def _in_key(pitch: music21.pitch.Pitch, key: music21.key.Key) -> music21.pitch.Pitch:
    """The pitch on its letter as the key signature gives it (a note moved on the staff, old signature kept)."""
    accidental = music21.key.KeySignature(key.sharps).accidentalByStep(pitch.step)
    out = music21.pitch.Pitch(pitch.step + str(pitch.octave))
    if accidental is not None:
        out.accidental = music21.pitch.Accidental(accidental.alter)
    return out


def excerpt_of(ctx: TuneContext, music: str, key: str | None = None) -> str:
    return ctx.header("L", "M", "K", replace={"K": key} if key else None) + music + " |\n"


def option_notes(header: str, option: str, path: str) -> Notes | None:
    parse = parse_music21 if path == "music21" else parse_abc2xml
    try:
        return as_notes(notes(parse(header + option + " |\n")))
    except Unreadable:
        return None
