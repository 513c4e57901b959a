"""Find lexicon terms in text in one pass: an Aho-Corasick automaton over the normalized text.

Each form is stored as `" form "`; the text is normalized to single-space-separated words, so
every automaton hit is already a whole-word (or whole-phrase) match: no boundary checks, and no
Python work for substrings such as "bass" in "embassy". Exclusion phrases ("note that", "the
rest") share the automaton; an ambiguous term hit that lies inside one does not count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import ahocorasick

from curate.text.lexicon import Lexicon, normalize


def _ambiguous_inside(lexicon: Lexicon, phrase: str) -> list[tuple[int, int]]:
    """(offset of the form's leading space in " phrase ", term index) of each ambiguous term in the phrase."""
    words = phrase.split(" ")
    starts = [sum(len(w) + 1 for w in words[:k]) for k in range(len(words))]
    held = []
    for first in range(len(words)):
        for last in range(first + 1, len(words) + 1):
            i = lexicon.forms.get(" ".join(words[first:last]))
            if i is not None and lexicon.terms[i].ambiguous:
                held.append((starts[first], i))
    return held


@dataclass(frozen=True)
class TermMatch:
    terms: tuple[str, ...]  # distinct canonical terms, sorted
    categories: tuple[str, ...]  # distinct categories, sorted
    count: int  # all matches, repeats included
    distinct: int
    strong: int  # distinct unambiguous terms
    score: float  # strong + ambiguous_weight x ambiguous + very_ambiguous_weight x very ambiguous (distinct)
    words: int
    density: float  # matches per 1,000 words


class TermMatcher:
    def __init__(self, lexicon: Lexicon, ambiguous_weight: float = 0.5, very_ambiguous_weight: float = 0.25) -> None:
        self.lexicon = lexicon
        self.weights = {
            i: very_ambiguous_weight if t.very_ambiguous else ambiguous_weight if t.ambiguous else 1.0
            for i, t in enumerate(lexicon.terms)
        }
        self._automaton = ahocorasick.Automaton()
        for form, i in lexicon.forms.items():
            self._automaton.add_word(f" {form} ", i)
        self._automaton.make_automaton()
        # For each exclusion phrase, the ambiguous terms inside it and their offsets: a document's exclusion
        # hits then cancel exactly those occurrences (a second, small automaton; no Python work per term hit).
        self._exclusions = ahocorasick.Automaton()
        self._inside: list[tuple[int, list[tuple[int, int]]]] = []  # (key length, [(offset, term index)])
        for phrase in lexicon.exclusions:
            held = _ambiguous_inside(lexicon, phrase)
            if held:
                self._exclusions.add_word(f" {phrase} ", len(self._inside))
                self._inside.append((len(phrase) + 2, held))
        if self._inside:
            self._exclusions.make_automaton()

    def _hits(self, norm: str) -> Counter[int]:
        hits = Counter(i for _, i in self._automaton.iter(norm))
        if not self._inside:
            return hits
        cancelled = {
            (end - size + 1 + offset, i)  # position in the text, term: one occurrence cancelled once
            for end, k in self._exclusions.iter(norm)
            for size, held in [self._inside[k]]
            for offset, i in held
        }
        for _, i in cancelled:
            hits[i] -= 1
        return +hits  # drops terms whose every occurrence was cancelled

    def match(self, text: str) -> TermMatch:
        norm = normalize(text)
        words = 0 if len(norm) <= 2 else norm.count(" ") - 1
        hits = self._hits(norm)
        terms = [self.lexicon.terms[i] for i in hits]
        strong = sum(not t.ambiguous for t in terms)
        count = sum(hits.values())
        return TermMatch(
            terms=tuple(sorted(t.canonical for t in terms)),
            categories=tuple(sorted({t.category for t in terms})),
            count=count,
            distinct=len(terms),
            strong=strong,
            score=sum(self.weights[i] for i in hits),
            words=words,
            density=1000.0 * count / words if words else 0.0,
        )
