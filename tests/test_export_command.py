"""`curate export DATASET/VERSION OUT`: the folder `datasets` loads config by config, with the card's
rendered tunes (SVG staff notation of rows that are in the data) and the HTML report it links to."""

from __future__ import annotations

import re
from pathlib import Path

import datasets
import polars as pl
import pytest
import yaml
from click.testing import CliRunner
from support.release_store import build_store

from curate.cli import main


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("export-command")
    base = build_store(tmp / "root")
    out = tmp / "export"
    result = CliRunner().invoke(main, ["export", "release_fixture/1", str(out), "--root", str(tmp / "root")])
    assert result.exit_code == 0, result.output
    assert f"exported release_fixture/1 to {out}" in result.output
    return base, out


def _card(folder: Path) -> tuple[dict, str]:
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", (folder / "README.md").read_text(), flags=re.S)
    assert match
    return yaml.safe_load(match.group(1)), match.group(2)


def test_export_folder_loads_with_datasets_config_by_config(exported: tuple[Path, Path]) -> None:
    base, out = exported
    header, _ = _card(out)
    names = [c["config_name"] for c in header["configs"]]
    assert names == ["pretrain", "sft", "chat"]
    for name in names:
        loaded = datasets.load_dataset(str(out), name)
        source = pl.read_parquet(base / f"release_{name}" / "*.parquet")
        assert {s: loaded[s].num_rows for s in loaded} == dict(source.group_by("split").len().iter_rows())
    for part in ("croissant.json", "manifest.json", "report/index.html", "report/rejects.html"):
        assert (out / part).is_file(), part


def test_card_shows_rendered_tunes_of_each_score_source(exported: tuple[Path, Path]) -> None:
    base, out = exported
    _, body = _card(out)
    images = re.findall(r"!\[([^\]]*)\]\((tunes/[^)]+\.svg)\)", body)
    sources = {path.split("/")[1].rsplit("-", 1)[0] for _, path in images}
    # every score component of every config: pretrain's two ABC texts, sft's and chat's score tasks
    assert sources == {"pretrain-irishman_like", "pretrain-bach_like", "sft-score_tasks", "chat-score_tasks"}
    scores = pl.read_parquet(base / "scores" / "*.parquet")
    titles = set(scores["title"].drop_nulls())
    for caption, path in images:
        svg = (out / path).read_text()
        assert svg.count('class="staff"') >= 1 and svg.count('class="notehead"') >= 4
        assert caption.split(",")[0] in titles  # a tune that is in the data, named in its caption
    per_source = {s: sum(1 for _, p in images if p.startswith(f"tunes/{s}-")) for s in sources}
    assert all(2 <= n <= 3 for n in per_source.values()), per_source
    assert "[`report/index.html`](report/index.html)" in body


def test_export_without_report_and_missing_version(tmp_path: Path, exported: tuple[Path, Path]) -> None:
    base, _ = exported
    root = str(base.parent.parent)
    result = CliRunner().invoke(main, ["export", "release_fixture/1", str(tmp_path / "x"), "--root", root,
                                       "--no-report"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "x" / "report").exists()
    assert "report/index.html" not in (tmp_path / "x" / "README.md").read_text()
    result = CliRunner().invoke(main, ["export", "release_fixture/9", str(tmp_path / "y"), "--root", root])
    assert result.exit_code == 2 and "no finished version release_fixture/9" in result.output
