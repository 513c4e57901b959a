"""Music-term lists under `pipelines/lexicon/<language>/<category>.txt`, loaded into one `Lexicon`.

A line is a term or phrase; `#` starts a comment line; a leading `~` marks an ambiguous term ("key",
"bass") that counts with a smaller weight, `~~` a very ambiguous one ("note", "key", "score": common
words of technical prose) that counts with a smaller weight still; a leading `!` marks an exclusion phrase ("note that",
"the rest", "primary key"): an ambiguous term found only inside such phrases does not count.
English terms also get their regular plural.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from curate.errors import CurateError
from curate.hashing import digest
from curate.resources import pipelines_dir

_WORD_BYTES = b"abcdefghijklmnopqrstuvwxyz0123456789"
_ASCII_WORD_BYTES = bytes(c if c in _WORD_BYTES or c >= 0x80 else 0x20 for c in range(256))
_NON_ASCII_NON_WORD = re.compile(r"[^\x00-\x7f\w]+")


def normalize(text: str) -> str:
    """Case-folded words separated by single spaces, padded with one space on each side.

    Matching `" term "` in this form is a whole-word match: punctuation, hyphens and apostrophes
    all become spaces, so "bass" never matches inside "embassy" and "twelve-tone" == "twelve tone".
    """
    folded = text.casefold()
    # ASCII punctuation by a byte table (UTF-8 bytes >= 0x80 pass through), then the rare non-ASCII
    # non-word characters by a regex: the same split as `[\W_]+`, about 3x faster on ASCII text
    spaced = folded.encode().translate(_ASCII_WORD_BYTES).decode()
    if not spaced.isascii():
        spaced = _NON_ASCII_NON_WORD.sub(" ", spaced)
    return " " + " ".join(spaced.split()) + " "


@dataclass(frozen=True)
class Term:
    canonical: str  # the term as written in the list (normalized)
    category: str
    language: str
    ambiguous: bool
    very_ambiguous: bool = False  # `~~`: weighs `very_ambiguous_weight` instead of `ambiguous_weight`


@dataclass(frozen=True)
class Lexicon:
    terms: tuple[Term, ...]
    forms: dict[str, int]  # normalized surface form (plural too) -> index into terms
    exclusions: tuple[str, ...] = ()  # normalized phrases in which an ambiguous term is not a music word
    boundaries: bool = True  # False for scripts written without spaces (a list's terms match anywhere)

    @property
    def hash(self) -> str:
        """Identifies the lexicon's content: stored per row, so a result names the lists it came from."""
        return digest(sorted(self.forms.items()), [t.__dict__ for t in self.terms], sorted(self.exclusions))[:16]


def _english_plurals(term: str) -> list[str]:
    head, _, last = term.rpartition(" ")
    prefix = f"{head} " if head else ""
    if last.endswith(("s", "x", "z", "ch", "sh")):
        return [f"{prefix}{last}es"]
    if last.endswith("y") and len(last) > 2 and last[-2] not in "aeiou":
        return [f"{prefix}{last[:-1]}ies"]
    return [f"{prefix}{last}s"]


def _read_list(path: Path) -> tuple[list[tuple[str, int]], list[str]]:
    """(terms with their ambiguity: 0 strong, 1 `~`, 2 `~~`; exclusion phrases) of one list file."""
    entries, exclusions = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("!"):
            phrase = normalize(line[1:]).strip()
            if phrase:
                exclusions.append(phrase)
            continue
        level = 2 if line.startswith("~~") else 1 if line.startswith("~") else 0
        term = normalize(line.lstrip("~")).strip()
        if term:
            entries.append((term, level))
    return entries, exclusions


def lexicon_files(languages: list[str], root: Path | None = None) -> list[tuple[str, Path]]:
    base = root or pipelines_dir() / "lexicon"
    files = []
    for lang in languages:
        folder = base / lang
        if not folder.is_dir():
            known = sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
            raise CurateError(f"no lexicon for language '{lang}' (have: {', '.join(known) or 'none'})")
        files += [(lang, p) for p in sorted(folder.glob("*.txt"))]
    return files


def load_lexicon(languages: list[str], extra_files: list[Path] = (), root: Path | None = None) -> Lexicon:  # type: ignore[assignment]
    """Terms of the given languages plus extra list files (their language is 'custom').

    A term listed twice keeps its first category and the least ambiguity of its listings.
    """
    files = lexicon_files(languages, root) + [("custom", Path(p)) for p in extra_files]
    terms: list[Term] = []
    index: dict[str, int] = {}
    exclusions: set[str] = set()
    for lang, path in files:
        if not path.is_file():
            raise CurateError(f"lexicon file {path.name} does not exist")
        entries, excluded = _read_list(path)
        exclusions.update(excluded)
        for term, level in entries:
            if term in index:
                old = terms[index[term]]
                level = min(level, old.ambiguous + old.very_ambiguous)
                terms[index[term]] = Term(old.canonical, old.category, old.language, level > 0, level > 1)
                continue
            index[term] = len(terms)
            terms.append(Term(term, path.stem, lang, level > 0, level > 1))
    forms = dict(index)
    for term, i in index.items():
        if terms[i].language == "en":
            for plural in _english_plurals(term):
                listed = index.get(plural)
                if listed is None or terms[listed].ambiguous == terms[i].ambiguous:
                    forms[plural] = i  # a plural listed with the same weight is the same term, not a second one
    if not terms:
        raise CurateError("the music-term lexicon is empty")
    return Lexicon(tuple(terms), forms, tuple(sorted(exclusions)))
