"""The labelled eval set follows its documented label policy: source labels, rules, hand decisions by id."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

BENCH = Path(__file__).parents[1] / "bench"
EVAL = Path(__file__).parents[1] / "curate" / "data" / "music_text_eval.jsonl"
builder = runpy.run_path(str(BENCH / "build_music_text_eval.py"))


def test_labels_follow_the_policy() -> None:
    rows = [json.loads(line) for line in EVAL.read_text().splitlines()]
    hand = {d["id"]: d for d in map(json.loads, (BENCH / "music_text_hand_labels.jsonl").read_text().splitlines())}
    assert len(rows) >= 500 and {r["split"] for r in rows} == {"dev", "test"}
    for row in rows:
        if row["label_by"] == "hand-review":
            assert hand[row["id"]]["label"] == row["label"]
        elif row["label_by"].startswith("rule:"):
            pattern = builder["LABEL_RULES"][row["label_by"].removeprefix("rule:")]
            assert row["label"] == "other" and pattern.search(row["text"])
            assert row["origin"] in builder["REVIEWED_ORIGINS"]
    assert all(d["why"] for d in hand.values())  # every hand decision says why
    assert set(hand) <= {r["id"] for r in rows}


def test_hand_decisions_override_rules_both_ways() -> None:
    review = builder["review_label"]
    licence = {"id": "eval:x", "text": "It is free software under the GNU General Public License.", "label": "music",
               "origin": "debian-abcmidi", "label_by": "source"}  # fmt: skip
    assert review(licence, {}) == ("other", "rule:licence")
    assert review(licence, {"eval:x": {"label": "music"}}) == ("music", "hand-review")
    stdlib = {**licence, "origin": "python-stdlib", "label": "other"}
    assert review(stdlib, {}) == ("other", "source")  # rules only review music-labelled library docs
    prose = {**licence, "text": "A dotted quarter note tied to an eighth."}
    assert review(prose, {}) == ("music", "source")
