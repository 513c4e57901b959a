"""Checks on generated question/answer pairs: well-formed, grounded, not copied, not repeated.

Word-level and cheap (a few microseconds a pair): they run on every pair of every call. What an
answer is checked against (a summary's content words and 4-grams) is worked out once per summary
(`Grounds`), not once per pair.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Set as AbstractSet
from functools import cached_property

_WORD = re.compile(r"\w+", re.UNICODE)
_WIDE_CHAR = re.compile(r"[\u3040-\u9fff\uac00-\ud7af]")
_STOP_WORDS = (
    "the a an and or of to in on for with by from as at is are was were be been it its this that these those "
    "what which who whom how why when where does do did can could would should into about than then there their "
    "song piece music track"
)
_STOP = frozenset(_STOP_WORDS.split())


def words(text: str) -> list[str]:
    # NFKC leaves ASCII as it is; the check is ~20x cheaper than the normalization call
    return _WORD.findall((text if text.isascii() else unicodedata.normalize("NFKC", text)).lower())


def _content(tokens: list[str]) -> set[str]:
    distinct = set(tokens)
    distinct -= _STOP
    return {w for w in distinct if len(w) >= 4 and not w.isdigit()}


def content_words(text: str) -> set[str]:
    return _content(words(text))


def _wide(text: str) -> bool:
    """Scripts written without spaces (CJK): count characters instead of words."""
    return not text.isascii() and len(_WIDE_CHAR.findall(text)) > len(text) // 3


class Grounds:
    """A summary as answers are checked against it, computed once for all of its pairs."""

    def __init__(self, summary: str) -> None:
        self.text = summary
        self.tokens = words(summary)
        self.content = _content(self.tokens)

    def anchors(self, extra_terms: AbstractSet[str]) -> AbstractSet[str]:
        """Content words an answer must share one of: the summary's, and the topic terms that count as
        content words (an answer's token in this set is a shared content word)."""
        return self.content | _content(list(extra_terms)) if extra_terms else self.content

    @cached_property
    def shingles(self) -> set[tuple[str, ...]]:
        return shingles(self.tokens)


def question_problem(question: str, max_chars: int, tokens: list[str] | None = None) -> str | None:
    """Why `question` is unusable, or None; `tokens` are its `words` when the caller has them already."""
    q = question.strip()
    if not q.endswith(("?", "？", "؟")):
        return "does not end with a question mark"
    if len(q) > max_chars:
        return f"{len(q)} characters (limit {max_chars})"
    if (len(q) < 8) if _wide(q) else (len(words(q) if tokens is None else tokens) < 3):
        return "too short to be a question"
    return None


def answer_problem(answer: str, summary: str | Grounds, extra_terms: AbstractSet[str], min_chars: int,
                   max_chars: int) -> str | None:  # fmt: skip
    """Why `answer` is unusable, or None: empty or too long, ungrounded, or a copy of the summary."""
    grounds = summary if isinstance(summary, Grounds) else Grounds(summary)
    a = answer.strip()
    if len(a) < min_chars:
        return f"empty or too short ({len(a)} characters)"
    if len(a) > max_chars:
        return f"{len(a)} characters (limit {max_chars})"
    tokens = words(a)
    if not _wide(a) and grounds.anchors(extra_terms).isdisjoint(tokens):
        return "shares no content word with the summary or the topic"
    if _copied(tokens, grounds):
        return "copies the summary"
    return None


def shingles(tokens: list[str], n: int = 4) -> set[tuple[str, ...]]:
    """Word n-grams; a text shorter than n words is its one short gram."""
    if len(tokens) < n:
        return {tuple(tokens)}
    return set(zip(*(tokens[i:] for i in range(n)), strict=False))  # the shorter slices end the grams


def copied(answer: str, summary: str, threshold: float = 0.9) -> bool:
    """Most of the answer's word 4-grams come from the summary (a pasted summary, not an answer)."""
    return _copied(words(answer), Grounds(summary), threshold)


def _copied(tokens: list[str], grounds: Grounds, threshold: float = 0.9) -> bool:
    if len(tokens) < 8:
        return False
    mine = shingles(tokens)
    return len(mine & grounds.shingles) >= threshold * len(mine)


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0
