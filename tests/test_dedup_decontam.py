"""Decontamination against a MusicTheoryBench-format fixture removes planted benchmark content."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from dedup_helpers import run_step

from curate.errors import CurateError

FIXTURE = Path(__file__).parents[1] / "pipelines" / "eval" / "musictheorybench_mini.jsonl"
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
    assert step["rejected"] == {"contaminated": 2}


def test_decorated_tune_matches_plain_excerpt_and_bad_eval_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    shutil.copy(FIXTURE, tmp_path / "run" / "bench.jsonl")
    # the eval item quotes the tune plainly; the training copy has annotations, bowings and a fermata
    decorated = 'X:5\nT:Rocky Road\nM:9/8\nL:1/8\nK:Edor\n"^4" ve2 d BcB A3 | "^4" e2 c A2 c !fermata!Bcd |'
    decorated += ' "^4" e2 d BcB A3 | dBG G2 A Bcd ::\nue2 a a2 f g3 | e2 a a2 A Bcd |\n'
    rows = [{"id": "r1", "abc": decorated}, {"id": "r2", "abc": "X:1\nK:G\nGAB cde|fga bag|fed cBA|G6|]\n"}]
    config = {"benchmark": "bench.jsonl", "abc_columns": ["abc"]}
    kept, rejects, _ = run_step(tmp_path, rows, "decontaminate", config)
    assert [r["id"] for r in kept] == ["r2"]
    assert [(r["row_id"], r["related_id"]) for r in rejects] == [("r1", "mtb-demo-0")]
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "bench.jsonl").write_text('{"id": "x", "stem": "No options here"}\n')
    with pytest.raises(CurateError, match="options"):
        run_step(tmp_path, rows, "decontaminate", config, name="bad")
