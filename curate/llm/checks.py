"""Checks on generated question/answer pairs: well-formed, grounded, not copied, not repeated.

Word-level and cheap (a few microseconds a pair): they run on every pair of every call.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)
_STOP_WORDS = (
    "the a an and or of to in on for with by from as at is are was were be been it its this that these those "
    "what which who whom how why when where does do did can could would should into about than then there their "
    "song piece music track"
)
_STOP = frozenset(_STOP_WORDS.split())


def words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())


def content_words(text: str) -> set[str]:
    return {w for w in words(text) if len(w) >= 4 and w not in _STOP and not w.isdigit()}


def _wide(text: str) -> bool:
    """Scripts written without spaces (CJK): count characters instead of words."""
    return sum(1 for ch in text if "\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af") > len(text) // 3


def question_problem(question: str, max_chars: int) -> str | None:
    q = question.strip()
    if not q.endswith(("?", "？", "؟")):
        return "does not end with a question mark"
    if len(q) > max_chars:
        return f"{len(q)} characters (limit {max_chars})"
    if (len(q) < 8) if _wide(q) else (len(words(q)) < 3):
        return "too short to be a question"
    return None


def answer_problem(answer: str, summary: str, extra_terms: set[str], min_chars: int, max_chars: int) -> str | None:
    """Why `answer` is unusable, or None: empty or too long, ungrounded, or a copy of the summary."""
    a = answer.strip()
    if len(a) < min_chars:
        return f"empty or too short ({len(a)} characters)"
    if len(a) > max_chars:
        return f"{len(a)} characters (limit {max_chars})"
    if not _wide(a) and not content_words(a) & (content_words(summary) | extra_terms):
        return "shares no content word with the summary or the topic"
    if copied(a, summary):
        return "copies the summary"
    return None


def shingles(tokens: list[str], n: int = 4) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1))}


def copied(answer: str, summary: str, threshold: float = 0.9) -> bool:
    """Most of the answer's word 4-grams come from the summary (a pasted summary, not an answer)."""
    tokens = words(answer)
    if len(tokens) < 8:
        return False
    mine = shingles(tokens)
    return len(mine & shingles(words(summary))) >= threshold * len(mine)


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0
