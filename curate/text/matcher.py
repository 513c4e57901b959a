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

_EXCLUSION = -1


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
            self._automaton.add_word(f" {form} ", (i, len(form) + 2))
        for phrase in lexicon.exclusions:
            if phrase not in lexicon.forms:
                self._automaton.add_word(f" {phrase} ", (_EXCLUSION, len(phrase) + 2))
        self._automaton.make_automaton()

    def _hits(self, norm: str) -> Counter[int]:
        found = list(self._automaton.iter(norm))
        spans = [(end - size, end) for end, (i, size) in found if i == _EXCLUSION]
        if not spans:
            return Counter(i for _, (i, _) in found)
        terms = self.lexicon.terms
        return Counter(
            i
            for end, (i, size) in found
            if i != _EXCLUSION and not (terms[i].ambiguous and any(s <= end - size and end <= e for s, e in spans))
        )

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
