"""Tokens the way the model sees them: a release config naming a tokenizer (a tiny BPE trained here with
`tokenizers`) gets manifest counters and card tables that equal `len(tokenizer.encode(text))` summed;
mixture caps in tokens hold; a Hub id loads from the local cache offline; without a tokenizer the card
says its counts are regex counts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import huggingface_hub
import polars as pl
import pytest
from click.testing import CliRunner
from support.release_store import FIXTURES, build_store
from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers

from curate.cli import main
from curate.release.tokens import TEXT_COLUMNS, token_counter

FORMATS = ("pretrain", "sft", "chat")


def _train(path: Path, vocab: int) -> Tokenizer:
    texts = [line for f in FIXTURES.glob("*.jsonl") for line in f.read_text().splitlines()]
    tokenizer = Tokenizer(models.BPE(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=["[UNK]", "<s>", "</s>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())  # fmt: skip
    tokenizer.train_from_iterator(texts, trainer)
    # special tokens around every text: counts that a word or regex count would never give
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 1), ("</s>", 2)]
    )
    tokenizer.save(str(path))
    return Tokenizer.from_file(str(path))


def _expected(tokenizer: Tokenizer, frame: pl.DataFrame, fmt: str) -> pl.DataFrame:
    """Tokens per (split, src), counted here row by row with the tokenizer itself."""
    tokens = [sum(len(tokenizer.encode(row[c])) for c in TEXT_COLUMNS[f"release_{fmt}"] if row[c])
              for row in frame.iter_rows(named=True)]  # fmt: skip
    return frame.with_columns(tokens=pl.Series(tokens)).group_by("split", "src").agg(pl.col("tokens").sum())


@pytest.fixture(scope="module")
def tokenized(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Tokenizer, int]:
    tmp = tmp_path_factory.mktemp("tokens")
    tokenizer = _train(tmp / "tiny.json", 400)
    music = [json.loads(line)["text"] for line in (FIXTURES / "music_text.jsonl").read_text().splitlines()]
    cap = sum(len(tokenizer.encode(t)) for t in music) // 2
    edits = {f"format: {fmt}": f"format: {fmt}\n      tokenizer: {tmp / 'tiny.json'}" for fmt in FORMATS}
    edits["{table: music_text, src: music_text, task: text,"] = (
        f"{{table: music_text, src: music_text, task: text, unit: tokens, cap: {cap},"
    )
    base = build_store(tmp / "root", tmp / "work", edits)
    return base, tokenizer, cap


def test_manifest_counts_tokens_with_the_tokenizer(tokenized: tuple[Path, Tokenizer, int]) -> None:
    base, tokenizer, _ = tokenized
    manifest = json.loads((base / "manifest.json").read_text())
    for fmt in FORMATS:
        step = next(s for s in manifest["steps"] if s["name"] == f"release_{fmt}")
        recorded = {k: v for k, v in step["counters"].items() if k.startswith("tokens_")}
        expected = _expected(tokenizer, pl.read_parquet(base / f"release_{fmt}" / "*.parquet"), fmt)
        assert recorded == {f"tokens_{src}_{split}": n for split, src, n in expected.iter_rows()}
        assert recorded and all(v > 0 for v in recorded.values())


def test_a_cap_in_tokens_holds(tokenized: tuple[Path, Tokenizer, int]) -> None:
    base, tokenizer, cap = tokenized
    rows = pl.read_parquet(base / "release_pretrain" / "*.parquet").filter(pl.col("src") == "music_text")
    kept = [len(tokenizer.encode(t)) for t in rows["text"]]
    music = [json.loads(line)["text"] for line in (FIXTURES / "music_text.jsonl").read_text().splitlines()]
    longest = max(len(tokenizer.encode(t)) for t in music)
    assert 0 < len(kept) < len(music)
    # within the cap, and the seeded prefix stopped only because the next row would have passed it
    assert cap - longest < sum(kept) <= cap


def test_card_reports_tokenizer_counts_and_refuses_another_tokenizer(tokenized: tuple[Path, Tokenizer, int],
                                                                      tmp_path: Path) -> None:  # fmt: skip
    base, tokenizer, _ = tokenized
    root = str(base.parent.parent)
    result = CliRunner().invoke(main, ["export", "release_fixture/1", str(tmp_path / "out"), "--root", root,
                                       "--no-report"])  # fmt: skip
    assert result.exit_code == 0, result.output
    card = (tmp_path / "out" / "README.md").read_text()
    assert card.count("tokens of the tokenizer `") == 3 and "regex tokens" not in card
    section = card.split("### Rows and tokens per source")[1].split("###")[0]
    table = {
        (c, sp, src): int(tok)
        for c, sp, src, _, tok in re.findall(r"\| (\w+) \| (\w+) \| (\w+) \| (\d+) \| (\d+) \|", section)
    }  # noqa: E501
    for fmt in FORMATS:
        expected = _expected(tokenizer, pl.read_parquet(base / f"release_{fmt}" / "*.parquet"), fmt)
        assert {k[1:]: v for k, v in table.items() if k[0] == fmt} == {
            (sp, src): n for sp, src, n in expected.iter_rows()
        }
    _train(tmp_path / "other.json", 300)
    result = CliRunner().invoke(main, ["export", "release_fixture/1", str(tmp_path / "out2"), "--root", root,
                                       "--no-report", "--tokenizer", str(tmp_path / "other.json")])  # fmt: skip
    assert result.exit_code == 2 and "differ from those the release step" in result.output


def test_without_a_tokenizer_the_card_says_regex(tmp_path: Path) -> None:
    base = build_store(tmp_path / "root")
    manifest = json.loads((base / "manifest.json").read_text())
    assert any(k.startswith("tokens_") for s in manifest["steps"] if s["stage"] == "release" for k in s["counters"])
    result = CliRunner().invoke(main, ["export", "release_fixture/1", str(tmp_path / "out"), "--root",
                                       str(tmp_path / "root"), "--no-report"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "README.md").read_text().count("regex tokens (") == 3


def test_hub_tokenizer_loads_from_the_cache_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tokenizer = _train(tmp_path / "tiny.json", 300)
    snapshot = tmp_path / "hub" / "models--org--tiny" / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    (snapshot / "tokenizer.json").write_bytes((tmp_path / "tiny.json").read_bytes())
    (tmp_path / "hub" / "models--org--tiny" / "refs").mkdir()
    (tmp_path / "hub" / "models--org--tiny" / "refs" / "main").write_text("0" * 40)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.chdir(tmp_path / "hub")  # no local file named org/tiny
    counter = token_counter("org/tiny")
    texts = pl.Series(["Sonata in C major", "", None, "X:1\nK:G\nGABc|"])
    assert counter.count(texts).to_list() == [len(tokenizer.encode(t)) if t else 0 for t in texts]
