"""Reading the chosen letter from messy replies."""

from __future__ import annotations

import pytest

from curate.theory.letters import extract_letter

OPTIONS = {"A": "major third", "B": "minor third", "C": "perfect cadence", "D": "plagal cadence"}


@pytest.mark.parametrize(
    ("reply", "letter"),
    [
        ("The answer is (B).", "B"),
        ("B", "B"),
        ("b", "B"),
        ("(D)", "D"),
        ("I'd go with C because the leading note resolves.", "C"),
        ("Answer: D", "D"),
        ("**Answer: A**", "A"),
        ("C) perfect cadence", "C"),
        ("A. The chord is major.", "A"),
        ("After thinking, the correct one is B.", "B"),
        ("It is a plagal cadence.", "D"),
        ("The answer is a major third.", "A"),  # quotes option A's text; 'a' is an article, not a letter
        ("It could be A, or maybe the answer is B, but the answer is C.", None),  # several explicit letters
        ("I do not know.", None),
        ("", None),
    ],
)
def test_extract_letter(reply: str, letter: str | None) -> None:
    assert extract_letter(reply, OPTIONS) == letter
