"""Release assembly: group splits without leakage, mixture amounts, formats, score tasks, lineage."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from support.release_store import FIXTURES, build_store

from curate.cli import main
from curate.lineage import LineageIndex
from curate.release.formats import chatmusician_text
from curate.release.grouping import Groups, is_eval, link_tables
from curate.release.score_tasks import score_examples
from curate.tune.abctext import bars, form, split_header

FORMATS = ("release_pretrain", "release_sft", "release_chat")
DUPLICATES = {"youtube:vid0001abcd": "youtube:vid0000abcd", "youtube:vid0003abcd": "youtube:vid0002abcd"}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("release-store"))


def _table(base: Path, name: str) -> pl.DataFrame:
    return pl.read_parquet(base / name / "*.parquet")


def _fixture(name: str) -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / f"{name}.jsonl").read_text().splitlines()]


def _song_or_tune(base: Path) -> dict[str, str]:
    """Independent of the stage's code: each source row id -> the song or original tune it belongs to."""
    summaries = {r["id"]: r["parent_id"] for r in _fixture("summaries")}
    owner = dict(summaries)
    owner |= {r["id"]: r["song_id"] for r in _fixture("qa_pairs")}
    owner |= {r["id"]: r.get("parent_id") or r["id"] for r in _fixture("scores")}
    owner |= {r["id"]: r["id"] for r in _fixture("music_text")}
    return {k: DUPLICATES.get(v, v) for k, v in owner.items()}


def test_no_split_leakage_across_songs_tunes_and_duplicate_clusters(store: Path) -> None:
    owner = _song_or_tune(store)
    sides: dict[str, set[str]] = defaultdict(set)
    for name in FORMATS:
        for parent_ids, split in _table(store, name).select("parent_ids", "split").iter_rows():
            sides[owner[parent_ids[0]]].add(split)
    leaking = {group: s for group, s in sides.items() if len(s) > 1}
    assert not leaking
    assert {s for group in sides.values() for s in group} == {"train", "eval"}


def test_duplicate_cluster_is_kept_together_where_it_would_otherwise_split(tmp_path: Path) -> None:
    """Pick a seed where the two duplicate songs, grouped alone, land on different sides."""
    tables = {n: pl.scan_ndjson(FIXTURES / f"{n}.jsonl") for n in ("songs", "summaries", "qa_pairs")}
    alone = Groups()
    link_tables(alone, tables)
    dup, kept = "youtube:vid0001abcd", "youtube:vid0000abcd"
    seed = next(s for s in range(200) if is_eval(alone.find(dup), s, 0.5) != is_eval(alone.find(kept), s, 0.5))
    base = build_store(tmp_path / "root", tmp_path / "work",
                       {"seed: 7": f"seed: {seed}", "eval_fraction: 0.4": "eval_fraction: 0.5"})  # fmt: skip
    owner = _song_or_tune(base)
    qa = _table(base, "release_sft").filter(pl.col("src") == "music_qa")
    songs_of = {r["id"]: r["song_id"] for r in _fixture("qa_pairs")}
    split_by_song = defaultdict(set)
    for parent_ids, split in qa.select("parent_ids", "split").iter_rows():
        split_by_song[songs_of[parent_ids[0]]].add(split)
    assert split_by_song[dup] == split_by_song[kept]
    assert len(split_by_song[dup]) == 1
    assert owner  # the fixture maps every row


def test_transpositions_share_their_original_split(store: Path) -> None:
    scores = {r["id"]: r for r in _fixture("scores")}
    split_of: dict[str, set[str]] = defaultdict(set)
    for parent_ids, split in _table(store, "release_sft").select("parent_ids", "split").iter_rows():
        if parent_ids[0] in scores:
            split_of[scores[parent_ids[0]].get("parent_id") or parent_ids[0]].add(split)
    assert any(r.get("parent_id") for r in scores.values())
    assert all(len(s) == 1 for s in split_of.values())


def test_upsampling_repeats_train_rows_only_and_ids_stay_unique(store: Path) -> None:
    pretrain = _table(store, "release_pretrain")
    assert pretrain["id"].n_unique() == pretrain.height
    bach = pretrain.filter(pl.col("src") == "bach_like").with_columns(parent=pl.col("parent_ids").list.first())
    per_parent = bach.group_by("parent", "split").len()
    assert set(per_parent.filter(pl.col("split") == "train")["len"].to_list()) == {3}
    assert set(per_parent.filter(pl.col("split") == "eval")["len"].to_list()) <= {1}


def test_cap_and_ratio_take_a_seeded_subset(store: Path) -> None:
    qa = _table(store, "release_pretrain").filter(pl.col("src") == "music_qa")
    assert qa.height == 30  # cap: 30 of 36 pairs
    manifest = json.loads((store / "manifest.json").read_text())
    step = next(s for s in manifest["steps"] if s["name"] == "release_pretrain")
    assert step["counters"]["sampled_out_music_qa"] == 6


def test_formats_match_musicpile_and_chatmusician(store: Path) -> None:
    sft = _table(store, "release_sft")
    assert sft.columns[:5] == ["instruction", "input", "output", "src", "id"]
    assert sft.filter((pl.col("instruction") == "") | (pl.col("output") == "")).height == 0
    summary = sft.filter(pl.col("src") == "youtube_summaries").row(0, named=True)
    assert "Artists:" in summary["input"]  # the song's metadata is the input
    chat = _table(store, "release_chat")
    for messages, text in chat.select("messages", "text").iter_rows():
        assert [m["role"] for m in messages] == ["user", "assistant"]
        assert text == chatmusician_text(messages[0]["content"], messages[1]["content"])
    qa_text = _table(store, "release_pretrain").filter(pl.col("src") == "music_qa")["text"][0]
    assert qa_text.startswith("Human: ") and qa_text.endswith(" </s>") and " </s> Assistant: " in qa_text


def test_release_is_deterministic(store: Path, tmp_path: Path) -> None:
    again = build_store(tmp_path)
    for name in FORMATS:
        assert _table(store, name).equals(_table(again, name))


REEL = "X:1\nM:4/4\nL:1/8\nK:D\n|:DFAF GBAG|FAdA BAFA|DFAF GBAG|FDEC D4:|\n|:fdfa gfed|cABc dcBA|fdfa gfed|cAGE D4:|"


def test_score_tasks_on_a_two_part_reel() -> None:
    header, body = split_header(REEL)
    assert header[-1] == "K:D"
    assert len(bars(body)) == 8
    assert form(REEL) == "AABB"
    tasks = dict(score_examples({"abc": REEL, "key": "D", "meter": "4/4", "title": "The Reel"},
                                ["name_key", "continue", "compose_form", "compose_title"]))  # fmt: skip
    assert tasks["name_key"].output == "D" and "K:" not in tasks["name_key"].input
    given, rest = tasks["continue"].input, tasks["continue"].output
    assert given.endswith("|FAdA BAFA|DFAF GBAG|FDEC D4:|") and rest.startswith("|:fdfa")
    assert "AABB" in tasks["compose_form"].instruction
    assert "The Reel" in tasks["compose_title"].instruction


def test_score_tasks_skip_what_a_tune_lacks() -> None:
    short = "X:1\nM:3/4\nK:G\nGAB|c2d|"
    names = [t for t, _ in score_examples({"abc": short}, ["compose_title", "continue", "name_form"])]
    assert names == []


def test_lineage_walks_from_release_row_to_video_and_score_file(store: Path) -> None:
    sft = _table(store, "release_sft")
    summary_row = sft.filter(pl.col("src") == "youtube_summaries")["id"][0]
    nodes = LineageIndex(store.parent.parent).walk(summary_row)
    chain = []
    node = nodes[0]
    while True:
        chain.append(node)
        if not node.parents:
            break
        node = node.parents[0]
    assert [n.table for n in chain] == ["release_sft", "summaries", "songs_all"]
    assert chain[1].row["prompt_hash"] and chain[1].row["model"] == "template-v1"
    assert chain[-1].row["video_id"].startswith("vid")
    scores = {r["id"]: r for r in _fixture("scores")}
    transposed = next(r for r in scores.values() if r.get("parent_id"))
    row = sft.filter(pl.col("parent_ids").list.first() == transposed["id"])["id"][0]
    result = CliRunner().invoke(main, ["lineage", row, "--root", str(store.parent.parent), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    original = doc[0]["parents"][0]["parents"][0]["row"]
    assert original["source_path"] == "oneills1850/0001-0050.abc" and original["parent_id"] is None


def test_config_errors_name_the_problem(tmp_path: Path) -> None:
    from curate.errors import ConfigError
    from curate.pipeline import load_pipeline

    text = (FIXTURES / "pipeline.yaml").read_text()
    bad = text.replace("- {table: qa_pairs, src: music_qa, task: qa, license: generated}",
                       "- {table: music_text, src: plain, task: text}")  # fmt: skip
    assert bad != text
    (tmp_path / "pipeline.yaml").write_text(bad)
    for name in ("songs", "summaries", "qa_pairs", "scores", "music_text"):
        (tmp_path / f"{name}.jsonl").write_text((FIXTURES / f"{name}.jsonl").read_text())
    with pytest.raises(ConfigError, match=r"steps\[7\]\.config.*plain text"):
        load_pipeline(tmp_path / "pipeline.yaml")


def test_a_component_whose_table_is_missing_fails_or_is_skipped_when_allowed(tmp_path: Path) -> None:
    from curate.errors import CurateError

    edits = {"- {table: qa_pairs, src: music_qa, task: qa, cap: 30, license: \"generated\"}":
             "- {table: qa_pairs, src: music_qa, task: qa, cap: 30, license: \"generated\"}\n"
             "        - {table: theory_items, src: theory, task: qa}"}  # fmt: skip
    with pytest.raises(CurateError, match="theory_items"):
        build_store(tmp_path / "a", tmp_path / "wa", edits)
    edits["      eval_fraction: 0.4\n      components:\n        - {table: music_text"] = (
        "      eval_fraction: 0.4\n      skip_missing_tables: true\n      components:\n        - {table: music_text"
    )
    base = build_store(tmp_path / "b", tmp_path / "wb", edits)
    manifest = json.loads((base / "manifest.json").read_text())
    step = next(s for s in manifest["steps"] if s["name"] == "release_pretrain")
    assert step["counters"]["skipped_component_theory"] == 1
    assert _table(base, "release_pretrain").height > 0
