"""The scores stage on real corpus files of every format, through the real runner and converters."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import music21
import pyarrow.parquet as pq
import pytest
import yaml

from curate.abc import notes, verified_tunes
from curate.abc.normalize import NormalizeOptions
from curate.executors.local import LocalExecutor
from curate.pipeline import load_pipeline
from curate.runner import run_pipeline

FIXTURES = Path(__file__).parent / "fixtures" / "scores"
CORPUS = Path(music21.__file__).parent / "corpus"


def _run(folder: Path, config: dict[str, Any] | None = None) -> tuple[list[dict], list[dict], dict[str, Any]]:
    doc = {
        "dataset": "t",
        "version": "1",
        "inputs": {"files": {"path": "in"}},
        "steps": [{"name": "scores", "stage": "scores", "input": "files", "config": config or {}}],
    }
    (folder / "p.yaml").write_text(yaml.safe_dump(doc))
    result = run_pipeline(load_pipeline(folder / "p.yaml"), folder / "store", LocalExecutor(1), manifests_dir=None)
    base = folder / "store" / "t" / "1"
    kept = pq.read_table(sorted((base / "scores").glob("part-*.parquet"))).to_pylist()
    files = sorted((base / "rejects").glob("*.parquet"))
    rejects = pq.read_table(files).to_pylist() if files else []
    return kept, rejects, {**result.manifest["steps"][0], "tasks_run": result.tasks_run}


def _copy(folder: Path, *sources: Path) -> None:
    (folder / "in").mkdir(parents=True, exist_ok=True)
    for src in sources:
        shutil.copyfile(src, folder / "in" / src.name)


def _write_midi(path: Path) -> None:
    music21.corpus.parse("bach/bwv66.6").write("midi", fp=str(path))


def test_every_format_from_the_corpus(tmp_path: Path) -> None:
    utf16 = next(p for p in sorted((CORPUS / "trecento").glob("*.xml")) if p.read_bytes()[:2] == b"\xff\xfe")
    _copy(tmp_path, CORPUS / "bach/bwv66.6.mxl", CORPUS / "bach/bwv67.4.xml", utf16,
          CORPUS / "bach/bwv281.krn", CORPUS / "oneills1850/0721-0730.abc")  # fmt: skip
    _write_midi(tmp_path / "in" / "chorale.mid")
    kept, rejects, step = _run(tmp_path)
    assert rejects == []
    by_format = {r["source_format"] for r in kept}
    assert by_format == {"mxl", "musicxml", "kern", "midi", "abc"}
    assert sum(r["source_format"] == "abc" for r in kept) == 10  # ten tunes split at X:
    assert all(r["fidelity"] == 1.0 and r["unit_length"] == "1/8" for r in kept)
    chorale = next(r for r in kept if r["source_path"] == "in/bwv66.6.mxl")
    assert chorale["voices"] == 4 and chorale["key"] == "F#min" and chorale["notes"] == 165
    assert chorale["instruments"] == ["Soprano", "Alto", "Tenor", "Bass"] and 'nm="' not in chorale["abc"]
    jig = next(r for r in kept if r["source_format"] == "abc" and r["tune_index"] == 0)
    assert jig["title"] == "Hag with the Money, The" and jig["rhythm"] == "jig" and jig["meter"] == "6/8"
    assert jig["collection"] == "in" and "T:" not in jig["abc"] and "K:D" in jig["abc"]
    assert len({r["id"] for r in kept}) == len(kept) and step["counters"]["exact"] == len(kept)


def test_ids_are_stable_and_rerun_does_no_work(tmp_path: Path) -> None:
    _copy(tmp_path, CORPUS / "bach/bwv66.6.mxl")
    first, _, _ = _run(tmp_path)
    second, _, step = _run(tmp_path)
    assert [r["id"] for r in first] == [r["id"] for r in second] and first[0]["id"].startswith("score:")
    assert step["tasks_run"] == 0  # the finished file is not converted again


def test_accidentals_carry_through_the_bar() -> None:
    tune = (FIXTURES / "accidentals.abc").read_text()
    (out,) = verified_tunes.run_safe("abc", tune, NormalizeOptions(min_bars=4))
    assert out.reject is None and out.fidelity == 1.0
    measures = [m for m in notes.measures(verified_tunes._abc_to_root(out.abc)) if m]
    first = sorted(measures[0])
    assert [p for _, p, _ in first] == [66, 67, 66, 69]  # the second F is still sharp
    second = sorted(measures[1])
    assert [p for _, p, _ in second] == [65, 67, 70, 70]  # _B carries to the next B
    assert [p for _, p, _ in sorted(measures[2])][:3] == [71, 72, 71]  # =B cancels the key-free flat


def test_multi_voice_interleaved_and_transposed() -> None:
    options = NormalizeOptions(interleaved=True, transpose=True)
    results = verified_tunes.run_safe("musicxml", str(CORPUS / "bach/bwv66.6.mxl"), options)
    original, copies = results[0], results[1:]
    assert original.reject is None and original.stats["voices"] == 4
    body = [ln for ln in original.abc.splitlines() if ln.startswith("[V:")]
    assert len(body) == original.stats["bars"] and all(ln.count("[V:") == 4 for ln in body)
    assert len(copies) == 14 and all(c.reject is None and c.fidelity == 1.0 for c in copies)
    keys = {c.header["key"] for c in copies}
    assert len(keys) == 14 and original.header["key"] not in keys
    shifts = {c.transposition[1] for c in copies if c.transposition}
    assert shifts <= set(range(-6, 7)) and 0 not in shifts


def test_broken_inputs_are_rejected_with_reasons(tmp_path: Path) -> None:
    xml = (CORPUS / "demos/two-voices.xml").read_bytes()
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "truncated.xml").write_bytes(xml[: len(xml) // 2])
    (tmp_path / "in" / "junk.mxl").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "in" / "junk.krn").write_bytes(b"\x00\x01binary\xff" * 50)
    (tmp_path / "in" / "huge.xml").write_bytes(b"<score-partwise>" + b" " * 20_000 + b"</score-partwise>")
    (tmp_path / "in" / "notes.txt").write_text("not a score")
    _copy(tmp_path, FIXTURES / "unknown_fields.abc", FIXTURES / "no_notes.abc", FIXTURES / "accidentals.abc")
    kept, rejects, step = _run(tmp_path, {"max_file_bytes": 10_000, "normalize": {"min_bars": 4}})
    reasons = {(Path(r["row"].split('"source_path": "')[1].split('"')[0]).name, r["reason"]) for r in rejects}
    assert ("truncated.xml", "parse_error") in reasons
    assert ("junk.mxl", "parse_error") in reasons
    assert ("junk.krn", "parse_error") in reasons or ("junk.krn", "no_notes") in reasons
    assert ("huge.xml", "too_large") in reasons
    assert ("notes.txt", "unsupported_format") in reasons
    assert ("unknown_fields.abc", "parse_error") in reasons  # abc2xml raises on the unknown field lines
    assert ("no_notes.abc", "no_notes") in reasons
    assert ("no_notes.abc", "misaligned_voices") in reasons
    assert [r["source_path"] for r in kept] == ["in/accidentals.abc"]  # the good file still made it
    assert all(r["detail"] for r in rejects) and step["rejected"]["parse_error"] >= 3


def test_timeout_rejects_one_file_and_the_run_goes_on(tmp_path: Path) -> None:
    _copy(tmp_path, CORPUS / "beethoven/opus18no1/movement3.krn", FIXTURES / "accidentals.abc")
    kept, rejects, step = _run(tmp_path, {"timeout_s": 0.5, "normalize": {"min_bars": 4}})
    assert [r["reason"] for r in rejects] == ["timeout"] and "0.5 s" in rejects[0]["detail"]
    assert [r["source_path"] for r in kept] == ["in/accidentals.abc"]
    assert step["counters"]["converter_restarts"] == 1


@pytest.mark.slow
def test_corpus_sample_round_trips_mostly_exact() -> None:
    paths = sorted(p for p in (CORPUS / "bach").glob("*.mxl"))[:25]
    exact = sum(
        verified_tunes.run_safe("musicxml", str(p), NormalizeOptions(min_bars=1))[0].fidelity == 1.0 for p in paths
    )
    assert exact >= 20


def test_abc_column_stage_normalizes_text_from_another_table(tmp_path: Path) -> None:
    import json

    tune = (FIXTURES / "accidentals.abc").read_text()
    lines = [{"id": "web:1", "abc": tune}, {"id": "web:2", "abc": "X:1\nK:C\nz4|]\n"}, {"id": "web:3", "abc": None}]
    (tmp_path / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    doc = {
        "dataset": "t",
        "version": "1",
        "inputs": {"rows": {"path": "rows.jsonl"}},
        "steps": [
            {"name": "raw", "stage": "read", "input": "rows", "config": {"format": "jsonl"}},
            {"name": "scores", "stage": "abc_column", "input": "raw", "config": {"normalize": {"min_bars": 4}}},
        ],
    }
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(doc))
    run_pipeline(load_pipeline(tmp_path / "p.yaml"), tmp_path / "store", LocalExecutor(1), manifests_dir=None)
    base = tmp_path / "store" / "t" / "1"
    kept = pq.read_table(sorted((base / "scores").glob("part-*.parquet"))).to_pylist()
    rejects = pq.read_table(sorted((base / "rejects").glob("scores-*.parquet"))).to_pylist()
    assert [(r["parent_id"], r["fidelity"], r["composer"]) for r in kept] == [("web:1", 1.0, "Test")]
    assert sorted(r["reason"] for r in rejects) == ["no_abc", "no_notes"]
