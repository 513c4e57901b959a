"""Find lexicon terms in text in one pass: an Aho-Corasick automaton over the normalized text.

Each form is stored as `" form "`; the text is normalized to single-space-separated words, so
every automaton hit is already a whole-word (or whole-phrase) match: no boundary checks, and no
Python work for substrings such as "bass" in "embassy".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import ahocorasick

from curate.text.lexicon import Lexicon, normalize


@dataclass(frozen=True)
class TermMatch:
    terms: tuple[str, ...]  # distinct canonical terms, sorted
    categories: tuple[str, ...]  # distinct categories, sorted
    count: int  # all matches, repeats included
    distinct: int
    strong: int  # distinct unambiguous terms
    score: float  # strong + ambiguous_weight * distinct ambiguous terms
    words: int
    density: float  # matches per 1,000 words


class TermMatcher:
    def __init__(self, lexicon: Lexicon, ambiguous_weight: float = 0.5) -> None:
        self.lexicon = lexicon
        self.ambiguous_weight = ambiguous_weight
        self._automaton = ahocorasick.Automaton()
        for form, i in lexicon.forms.items():
            self._automaton.add_word(f" {form} ", i)
        self._automaton.make_automaton()

    def match(self, text: str) -> TermMatch:
        norm = normalize(text)
        words = 0 if len(norm) <= 2 else norm.count(" ") - 1
        hits = Counter(i for _, i in self._automaton.iter(norm))
        terms = [self.lexicon.terms[i] for i in hits]
        strong = sum(not t.ambiguous for t in terms)
        count = sum(hits.values())
        return TermMatch(
            terms=tuple(sorted(t.canonical for t in terms)),
            categories=tuple(sorted({t.category for t in terms})),
            count=count,
            distinct=len(terms),
            strong=strong,
            score=strong + self.ambiguous_weight * (len(terms) - strong),
            words=words,
            density=1000.0 * count / words if words else 0.0,
        )
