"""Music-text stages end to end through the runner: Hub-layout folder, plain text, classifier."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from curate.commands.train_classifier import command as train_command
from curate.errors import CurateError
from curate.executors.local import LocalExecutor
from curate.pipeline import load_pipeline
from curate.runner import run_pipeline

FIXTURES = Path(__file__).parent / "fixtures" / "music_text"


def write_pipeline(tmp: Path, inputs: dict, steps: list) -> Path:
    path = tmp / "p.yaml"
    path.write_text(json.dumps({"dataset": "mt", "version": "1", "inputs": inputs, "steps": steps}))
    return path


def run(path: Path, root: Path):  # type: ignore[no-untyped-def]
    return run_pipeline(load_pipeline(path), root, LocalExecutor(1), manifests_dir=None)


def table(root: Path, step: str) -> pl.DataFrame:
    return pl.read_parquet(root / "mt" / "1" / step / "*.parquet")


def rejects(root: Path) -> pl.DataFrame:
    return pl.read_parquet(root / "mt" / "1" / "rejects" / "**" / "*.parquet")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")


def test_hub_folder_streams_and_selects_music(tmp_path: Path, offline: None) -> None:
    path = write_pipeline(
        tmp_path,
        {"web": {"path": str(FIXTURES / "hub")}},
        [
            {"name": "docs", "stage": "read_hf", "input": "web",
             "config": {"text_field": "content", "id_field": "doc_id", "src": "web"}},
            {"name": "music_text", "stage": "music_terms", "input": "docs"},
        ],
    )  # fmt: skip
    result = run(path, tmp_path / "store")
    docs = table(tmp_path / "store", "docs")
    assert sorted(json.loads(m)["doc_id"] for m in docs["meta"]) == ["w1", "w2", "w4", "w5"]  # train split only
    assert docs["source"].str.contains(r"^hf:hub/train#[01]:\d$").all()
    kept = table(tmp_path / "store", "music_text")
    assert sorted(json.loads(m)["doc_id"] for m in kept["meta"]) == ["w1", "w5"]
    w5 = kept.filter(pl.col("meta").str.contains('"w5"')).row(0, named=True)
    assert {"perfect cadence", "circle of fifths", "plagal cadence"} <= set(w5["music_terms"])
    assert w5["music_term_density"] == pytest.approx(1000 * w5["music_term_count"] / w5["words"])
    rej = rejects(tmp_path / "store")
    reasons = dict(zip(rej["step"] + "/" + rej["reason"], rej["reason"], strict=False))
    assert "docs/no_text" in reasons and "music_text/few_music_terms" in reasons
    steps = {s["name"]: s for s in result.manifest["steps"]}
    assert steps["docs"]["shards"] == 2
    again = run(path, tmp_path / "store")  # resume: nothing redone, same bytes
    assert table(tmp_path / "store", "music_text").equals(kept)
    assert again.tasks_run == 0 and again.tasks_skipped == result.tasks_run
    assert again.manifest["tables"]["music_text"]["shards"] == result.manifest["tables"]["music_text"]["shards"]


def test_plain_text_paragraphs_quality_and_rejects(tmp_path: Path) -> None:
    path = write_pipeline(
        tmp_path,
        {"texts": {"path": str(FIXTURES / "texts")}},
        [
            {"name": "paras", "stage": "read_text", "input": "texts", "config": {"unit": "paragraph", "src": "t"}},
            {"name": "scored", "stage": "music_terms", "input": "paras", "config": {"reject": False}},
            {"name": "clean", "stage": "text_quality", "input": "scored",
             "config": {"rules": {"min_words": 5, "min_stop_words": 1}}},
        ],
    )  # fmt: skip
    run(path, tmp_path / "store")
    paras = table(tmp_path / "store", "paras")
    assert paras.height == 4  # fugue, embassy, short, jazz; the binary paragraph is rejected
    assert paras["id"].n_unique() == 4 and paras["id"].str.starts_with("text:").all()
    clean = table(tmp_path / "store", "clean")
    assert "Short." not in clean["text"].to_list()
    assert clean["music_term_score"].null_count() == 0 and clean["q_words"].null_count() == 0
    rej = rejects(tmp_path / "store")
    assert set(zip(rej["step"], rej["reason"], strict=True)) == {("paras", "not_text"), ("clean", "too_few_words")}


def test_classifier_trains_and_filters(tmp_path: Path) -> None:
    data = tmp_path / "train.jsonl"
    eval_rows = [json.loads(x) for x in (Path("curate/data/music_text_eval.jsonl")).read_text().splitlines()]
    data.write_text("".join(json.dumps({"text": r["text"], "label": r["label"]}) + "\n" for r in eval_rows[:300]))
    out = tmp_path / "music.joblib"
    result = CliRunner().invoke(train_command, [str(data), "--out", str(out), "--label-field", "label"])
    assert result.exit_code == 0, result.output
    card = json.loads((tmp_path / "music.joblib.json").read_text())
    assert card["sha256"] in result.output and card["rows"] == 300
    step = {"name": "cls", "stage": "text_classifier", "input": "docs",
            "config": {"model": "music.joblib", "model_sha256": card["sha256"], "threshold": 0.5}}  # fmt: skip
    path = write_pipeline(
        tmp_path,
        {"texts": {"path": str(FIXTURES / "texts")}},
        [{"name": "docs", "stage": "read_text", "input": "texts"}, step],
    )
    run(path, tmp_path / "store")
    scored = table(tmp_path / "store", "cls")
    assert (scored["classifier_score"] >= 0.5).all()
    assert (scored["classifier_sha256"] == card["sha256"]).all()
    bad = write_pipeline(
        tmp_path,
        {"texts": {"path": str(FIXTURES / "texts")}},
        [{"name": "docs", "stage": "read_text", "input": "texts"},
         {**step, "config": {**step["config"], "model_sha256": "0" * 64}}],
    )  # fmt: skip
    with pytest.raises(CurateError, match="sha256"):
        run(bad, tmp_path / "store2")


def test_lexicon_labels_need_no_hand_work(tmp_path: Path) -> None:
    data = tmp_path / "train.jsonl"
    rows = [json.loads(x) for x in Path("curate/data/music_text_eval.jsonl").read_text().splitlines()][:200]
    data.write_text("".join(json.dumps({"body": r["text"]}) + "\n" for r in rows))
    result = CliRunner().invoke(
        train_command, [str(data), "--out", str(tmp_path / "m.joblib"), "--text-field", "body", "--label-by-lexicon"]
    )
    assert result.exit_code == 0, result.output
    assert "labels from lexicon(" in result.output


def test_lexicon_or_classifier_recipe_keeps_either(tmp_path: Path) -> None:
    """The documented recall recipe: annotate with both scorers, then one filter over the two columns."""
    eval_rows = [json.loads(x) for x in Path("curate/data/music_text_eval.jsonl").read_text().splitlines()]
    dev = [r for r in eval_rows if r["split"] == "dev"]
    data = tmp_path / "dev.jsonl"
    data.write_text("".join(json.dumps({"text": r["text"], "label": r["label"]}) + "\n" for r in dev))
    args = [str(data), "--out", str(tmp_path / "m.joblib"), "--label-field", "label"]
    trained = CliRunner().invoke(train_command, args)
    sha = json.loads((tmp_path / "m.joblib.json").read_text())["sha256"]
    assert trained.exit_code == 0, trained.output
    test = [r for r in eval_rows if r["split"] == "test"]
    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps({"id": r["id"], "text": r["text"]}) + "\n" for r in test))
    path = write_pipeline(
        tmp_path,
        {"docs": {"path": str(docs)}},
        [{"name": "read", "stage": "read", "input": "docs", "config": {"format": "jsonl", "id_field": "id"}},
         {"name": "terms", "stage": "music_terms", "input": "read", "config": {"reject": False}},
         {"name": "scored", "stage": "text_classifier", "input": "terms",
          "config": {"model": "m.joblib", "model_sha256": sha, "reject": False}},
         {"name": "music_text", "stage": "filter", "input": "scored",
          "config": {"expr": "music_term_score >= 0.75 OR classifier_score >= 0.54", "reason": "not_music"}}],
    )  # fmt: skip
    run(path, tmp_path / "store")
    scored, kept = table(tmp_path / "store", "scored"), table(tmp_path / "store", "music_text")
    assert scored.height == len(test) and scored["music_term_score"].null_count() == 0  # columns carried through
    either = scored.filter((pl.col("music_term_score") >= 0.75) | (pl.col("classifier_score") >= 0.54))
    assert sorted(kept["id"]) == sorted(either["id"])
    lexicon_only = scored.filter(pl.col("music_term_score") >= 0.75).height
    assert lexicon_only < kept.height < scored.height  # the classifier adds rows, the filter still drops some
    labels = {r["id"]: r["label"] for r in test}
    ids = [i.removeprefix("row:") for i in kept["id"]]  # the read stage prefixes the input id
    assert set(ids) <= set(labels)
    assert sum(labels[i] == "music" for i in ids) / len(ids) >= 0.8
