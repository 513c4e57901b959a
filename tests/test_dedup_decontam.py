"""Decontamination against a MusicTheoryBench-format fixture removes planted benchmark content."""

from __future__ import annotations

import shutil
from pathlib import Path

from dedup_helpers import run_step

FIXTURE = Path(__file__).parent / "fixtures" / "dedup" / "musictheorybench_mini.jsonl"
EXCERPT_BODY = "A|dfa afd|gfe dBA|dfa afd|gbe e2A|dfa afd|gfe dBA|B2c d2e|fdd d2:|"


def test_planted_question_and_excerpt_removed(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    shutil.copy(FIXTURE, tmp_path / "run" / "bench.jsonl")
    rows = [
        {
            "id": "q1",
            "question": "Quiz time! Which CADENCE ends on the tonic chord, preceded by the subdominant chord? Think.",
            "abc": None,
        },
        {"id": "q2", "question": "Which cadence is the most common in hymns?", "abc": None},
        {
            "id": "t1",
            "question": "Transcribe this.",
            "abc": "X:9\nT:Copied\nM:6/8\nL:1/8\nK:D\n" + EXCERPT_BODY.replace("|", " | "),
        },
        {
            "id": "t2",
            "question": "Transcribe this.",
            "abc": "X:9\nT:Fresh\nM:6/8\nL:1/8\nK:D\nA|def gfe|dcB A2G|FGA Bcd|e3 e2:|",
        },
    ]
    config = {"benchmark": "bench.jsonl", "text_columns": ["question"], "abc_columns": ["abc"]}
    kept, rejects, step = run_step(tmp_path, rows, "decontaminate", config)
    assert [r["id"] for r in kept] == ["q2", "t2"]
    assert sorted((r["row_id"], r["related_id"], r["reason"]) for r in rejects) == [
        ("q1", "mtb-test-2", "contaminated"),
        ("t1", "mtb-test-0", "contaminated"),
    ]
    assert step["counters"]["dropped_contaminated"] == 2
