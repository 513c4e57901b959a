"""Lexicon matching and quality heuristics: whole words and phrases, reject reasons."""

from __future__ import annotations

import re

import pytest

from curate.text.lexicon import load_lexicon, normalize
from curate.text.matcher import TermMatcher
from curate.text.quality import QualityRules, quality_stats


@pytest.fixture(scope="module")
def matcher() -> TermMatcher:
    return TermMatcher(load_lexicon(["en"]))


def test_phrases_match_as_phrases(matcher: TermMatcher) -> None:
    m = matcher.match("It ends on a Perfect Cadence. Walk the Circle-of-Fifths, then the circle of fifths again.")
    assert "perfect cadence" in m.terms
    assert "circle of fifths" in m.terms
    assert m.count == 4  # "perfect cadence", its "cadence", and "circle of fifths" twice (hyphens are spaces)
    assert m.terms.count("circle of fifths") == 1  # distinct terms are listed once


def test_no_substring_matches(matcher: TermMatcher) -> None:
    m = matcher.match("The embassy issued temporary permits; contemporary bassoonists? no: basset hounds.")
    assert "bass" not in m.terms and "tempo" not in m.terms
    assert "bassoon" not in m.terms  # 'bassoonists' is not a listed form
    assert matcher.match("embassy temporary").count == 0


def test_plurals_and_case(matcher: TermMatcher) -> None:
    m = matcher.match("CHORDS, Cadences and Symphonies")
    assert {"chord", "cadence", "symphony"} <= set(m.terms)


def test_ambiguous_terms_weigh_less(matcher: TermMatcher) -> None:
    strong = matcher.match("violin sonata")
    weak = matcher.match("the octave and the tempo")  # `~` terms: 0.5 each
    weaker = matcher.match("the key and the scale")  # `~~` terms (common in technical prose): 0.25 each
    assert strong.score == 2.0 and strong.strong == 2
    assert weak.score == pytest.approx(1.0) and weak.strong == 0
    assert weaker.score == pytest.approx(0.5) and weaker.strong == 0


def test_exclusion_phrases_cancel_only_their_own_occurrence(matcher: TermMatcher) -> None:
    assert matcher.match("Note that the rest of the primary key is hashed.").terms == ()
    both = matcher.match("Note that the note C is held; rest for a beat, the rest is silence.")
    assert {"note", "rest", "beat"} <= set(both.terms)  # 'the note' and 'rest for' still count
    assert "grace note" in matcher.match("note that a grace note is short").terms  # strong terms never cancelled


def test_plural_listed_with_same_weight_is_one_term(matcher: TermMatcher) -> None:
    m = matcher.match("one voice, two voices; a grace note and grace notes")
    assert m.terms.count("voice") == 1 and "voices" not in m.terms
    assert "grace notes" not in m.terms and m.terms.count("grace note") == 1


def test_normalize_ascii_fast_path_equals_unicode_split() -> None:
    texts = ["Ünïcode — “quoted” cadence…", "snake_case and CamelCase, 4/4 time!", "ß-Straße", "plain ascii words",
             "tab\tand\nnew line", "non\u00a0breaking", "e\u0301tude", "交響曲 第9番", "٣ Arabic digits ٤",
             "emoji 🎵 notes", "", "  "]  # fmt: skip
    slow = [" " + re.sub(r"[\W_]+", " ", t.casefold()).strip() + " " for t in texts]
    assert [normalize(t) for t in texts] == slow


def test_scores_are_deterministic(matcher: TermMatcher) -> None:
    text = "The quartet played a minuet and a rondo; the cello held the bass line. " * 3
    first = matcher.match(text)
    again = TermMatcher(load_lexicon(["en"])).match(text)
    assert first == again
    assert first.density == pytest.approx(1000 * first.count / first.words)


def test_other_languages_are_separate_lists() -> None:
    german = TermMatcher(load_lexicon(["de"]))
    assert "quintenzirkel" in german.match("Der Quintenzirkel ordnet die Tonarten.").terms
    assert german.match("The circle of fifths").count == 0


def test_normalize_pads_and_splits() -> None:
    assert normalize("Twelve-tone, rows!") == " twelve tone rows "


PROSE = "The river runs to the sea and the town that have a harbour with boats of every kind and colour. " * 2
ONLY = {name: None for name in QualityRules.model_fields}  # every rule off


@pytest.mark.parametrize(
    ("reason", "rule", "text"),
    [
        ("too_few_words", {"min_words": 50}, "Only a few words here."),
        ("too_many_words", {"max_words": 10}, PROSE),
        ("short_words", {"min_mean_word_length": 3}, "a b c d e f g h i j k l m n o p"),
        ("long_words", {"max_mean_word_length": 10}, "internationalization " * 20),
        ("symbol_ratio", {"max_symbol_word_ratio": 0.1}, "#tag #music #love " * 10),
        ("bullet_lines", {"max_bullet_line_ratio": 0.9}, "\n".join(f"- item {i}" for i in range(10))),
        ("ellipsis_lines", {"max_ellipsis_line_ratio": 0.3}, "\n".join(f"read more {i}..." for i in range(10))),
        ("non_alpha_words", {"min_alpha_word_ratio": 0.8}, "1 2 3 4 5 6 7 8 9 10 eleven"),
        ("few_stop_words", {"min_stop_words": 2}, "Buy cheap watches online today free shipping"),
        ("dup_lines", {"max_dup_line_ratio": 0.3}, "Click here to subscribe\n" * 5 + "A unique closing line"),
        ("dup_line_chars", {"max_dup_line_char_ratio": 0.2}, "Click here to subscribe now\n" * 3 + "Fin"),
        ("top_2gram", {"max_top_ngram_ratio": {2: 0.2}}, "free money " * 20),
        ("dup_5gram", {"max_dup_ngram_ratio": {5: 0.15}}, PROSE),
    ],
)
def test_each_heuristic_has_its_reason(reason: str, rule: dict, text: str) -> None:
    rules = QualityRules(**{**ONLY, **rule})
    failures = rules.failures(quality_stats(text))
    assert [r for r, _ in failures] == [reason]
    assert QualityRules(**ONLY).failures(quality_stats(text)) == []


def test_clean_prose_passes_gopher_defaults() -> None:
    text = (
        "The first movement opens with a quiet theme in the strings, and the winds answer it with a brighter "
        "figure that returns, changed, in the development. The composer wrote to a friend that he wanted the "
        "music to sound as if it had always existed, and critics of the time agreed that the slow movement was "
        "the finest thing he had written; the finale, with its fugue, divided them for decades."
    )
    assert QualityRules().failures(quality_stats(text)) == []


def test_numpy_ngram_path_equals_python_path() -> None:
    from curate.text.quality import _NumpyGrams, _python_ngrams

    verse = [
        "the",
        "fiddle",
        "plays",
        "the",
        "reel",
        "and",
        "the",
        "fiddle",
        "plays",
        "the",
        "jig",
        "while",
        "the",
        "band",
        "keeps",
        "the",
        "beat",
    ]
    words = verse * 7 + ["a", "coda", "ends", "it"] + verse[:9]
    lengths = [len(w) for w in words]
    python, numpy = _python_ngrams(words, lengths), _NumpyGrams(words, lengths).stats
    assert [python(n) for n in range(2, 11)] == [numpy(n) for n in range(2, 11)]
    assert python(10)[1] > 0  # repeats really are found
