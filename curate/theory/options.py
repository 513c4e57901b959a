"""Checks that a four-option knowledge item is fair: one correct option, distinct options, and no
giveaway by length or wording. Word-level and cheap; every item of every call goes through them.

A check returns `(reason, detail)` for the first problem found, or None.
"""

from __future__ import annotations

from dataclasses import dataclass

from curate.llm.checks import content_words, jaccard, words


@dataclass(frozen=True)
class OptionRules:
    duplicate_jaccard: float = 0.9  # word overlap at which two options say the same thing
    restate_jaccard: float = 0.8  # a distractor this close to the source answer is a second correct option
    max_length_ratio: float = 2.0  # longest / shortest option
    length_margin: float = 0.25  # the correct option may not stand out by more than this (relative)


def _norm(text: str) -> str:
    return " ".join(words(text))


def option_problem(stem: str, correct: str, distractors: list[str], source_answer: str,
                   rules: OptionRules) -> tuple[str, str] | None:  # fmt: skip
    """Why the item (its correct option and three distractors) is unfair, or None."""
    options = [correct, *distractors]
    if any(not o.strip() for o in options):
        return "empty_option", "an option is empty"
    every = [set(words(o)) for o in options]  # all words: "E minor" and "D minor" differ by a letter
    for i in range(len(options)):
        for j in range(i + 1, len(options)):
            if _norm(options[i]) == _norm(options[j]) or jaccard(every[i], every[j]) >= rules.duplicate_jaccard:
                return "duplicate_options", f"options {i + 1} and {j + 1} say the same: {options[j][:80]!r}"
    bags = [content_words(o) or set(words(o)) for o in options]
    source = content_words(source_answer) or set(words(source_answer))
    if not bags[0] & source:
        return "ungrounded_answer", "the correct option shares no content word with the source answer"
    own = jaccard(bags[0], source)
    for k, bag in enumerate(bags[1:], start=1):
        close = jaccard(bag, source)
        if close >= rules.restate_jaccard and close >= own * 0.9:
            return "two_correct", f"distractor {k} restates the source answer (overlap {close:.2f})"
    return giveaway(stem, correct, distractors, rules)


def giveaway(stem: str, correct: str, distractors: list[str], rules: OptionRules) -> tuple[str, str] | None:
    """The answer given away by the options' lengths or by echoing the stem's words."""
    sizes = [len(o.strip()) for o in (correct, *distractors)]
    others = sizes[1:]
    if sizes[0] > max(others) * (1 + rules.length_margin) or sizes[0] < min(others) * (1 - rules.length_margin):
        return "answer_by_length", f"the correct option ({sizes[0]} characters) stands out from {others}"
    if max(sizes) > rules.max_length_ratio * min(sizes):
        return "uneven_options", f"option lengths {sizes} (longest over {rules.max_length_ratio}x the shortest)"
    stem_words = content_words(stem)
    echoes = [content_words(o) & stem_words for o in (correct, *distractors)]
    if echoes[0] and not any(echoes[1:]):
        return "answer_by_wording", f"only the correct option repeats the stem's words {sorted(echoes[0])[:5]}"
    return None
