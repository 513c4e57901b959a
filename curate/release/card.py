"""The dataset card (README.md): YAML the Hub and `datasets` read (configs, splits, features), then
statistics, plots, lineage and license notes, all computed from the exported data and its manifest."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import datasets
import polars as pl
import yaml

from curate.release.export import ConfigData
from curate.release.plots import write_plots
from curate.release.stats import ReleaseStats, check_token_counts, compute_stats
from curate.release.tokens import TokenCounter
from curate.release.tunes import TuneImage, write_tunes
from curate.store import atomic_write_bytes


def card_yaml(configs: list[ConfigData], stats: ReleaseStats, out: Path) -> dict[str, Any]:
    languages = stats.attrs.filter((pl.col("attr") == "language") & (pl.col("value") != "und"))["value"]
    info, entries = [], []
    for config in configs:
        files = [{"split": s, "path": f"data/{config.name}/{s}-*.parquet"} for s in config.files]
        entries.append({"config_name": config.name, "default": config is configs[0], "data_files": files})
        features = datasets.Features.from_arrow_schema(config.arrow_schema)
        splits = [
            {"name": s, "num_bytes": config.splits[s].estimated_size(), "num_examples": config.splits[s].height}
            for s in config.files
        ]  # fmt: skip
        download = sum((out / f).stat().st_size for files in config.files.values() for f in files)
        info.append({"config_name": config.name, "features": features._to_yaml_list(), "splits": splits,
                     "download_size": download, "dataset_size": sum(s["num_bytes"] for s in splits)})  # fmt: skip
    header: dict[str, Any] = {"language": sorted(set(languages.to_list()))} if languages.len() else {}
    return {
        **header,
        "task_categories": ["text-generation"],
        "tags": ["music", "abc-notation", "curate"],
        "configs": entries,
        "dataset_info": info,
    }


def _table(frame: pl.DataFrame) -> str:
    if frame.height == 0:
        return "_none_\n"
    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in frame.iter_rows()]
    return "\n".join(lines) + "\n"


def _licenses(manifest: dict[str, Any], stats: ReleaseStats) -> pl.DataFrame:
    notes: dict[str, str] = {}
    for step in manifest["steps"]:
        for component in step["config"].get("components", []) if step["stage"] == "release" else []:
            if component.get("license"):
                notes.setdefault(component["src"], component["license"])
    sources = stats.rows["src"].unique().sort().to_list()
    return pl.DataFrame({"src": sources, "license (mixture config)": [notes.get(s, "not stated") for s in sources]})


def _lineage(manifest: dict[str, Any], stats: ReleaseStats) -> str:
    code = manifest["code"]
    lines = [
        f"- Dataset `{manifest['dataset']}` version `{manifest['version']}`, built {manifest['created_at']} by curate "
        f"{code.get('curate_version')} (commit `{code.get('commit')}`{', dirty tree' if code.get('dirty') else ''}).",
        f"- Pipeline `{manifest['pipeline']['file']}`, config hash `{manifest['pipeline']['config_hash']}`; "
        "the full resolved config is in `manifest.json`.",
        "- Libraries: " + ", ".join(f"{k} {v}" for k, v in sorted(manifest.get("libraries", {}).items())) + ".",
        "",
        "Inputs:",
        "",
        _table(
            pl.DataFrame(
                manifest["inputs"],
                schema={"name": pl.String, "path": pl.String, "sha256": pl.String, "bytes": pl.Int64},
            )
        ),  # fmt: skip
        "Steps:",
        "",
        _table(
            pl.DataFrame(
                [
                    {
                        "step": s["name"],
                        "stage": s["stage"],
                        "code": s["code_version"],
                        "rows in": s["rows_in"],
                        "rows out": s["rows_out"],
                        "rejected": sum(s["rejected"].values()),
                    }
                    for s in manifest["steps"]
                ]
            )
        ),  # fmt: skip
        "Models and prompts that wrote rows (from the rows' provenance columns):",
        "",
        _table(stats.provenance),
    ]
    return "\n".join(lines)


def _tunes(tunes: list[TuneImage]) -> list[str]:
    if not tunes:
        return []
    out = ["### Sample tunes\n", "Tunes the score rows were made from, chosen by seeded hash and drawn from their ABC "
           "(abc2xml, then verovio; first page):\n"]  # fmt: skip
    for (config, src), group in itertools.groupby(tunes, key=lambda t: (t.config, t.src)):
        out.append(f"**{config} / {src}**\n")
        out += [f"![{t.caption}]({t.path})\n\n_{t.caption}_\n" for t in group]
    return out


def render_card(manifest: dict[str, Any], configs: list[ConfigData], stats: ReleaseStats, plots: list[str],
                header: dict[str, Any], repo_id: str | None, tunes: list[TuneImage] | None = None,
                report: bool = False) -> str:  # fmt: skip
    title = repo_id or f"{manifest['dataset']} {manifest['version']}"
    per_split = stats.rows.group_by("config", "split").agg(pl.col("rows").sum(), pl.col("tokens").sum())
    lengths = stats.lengths.group_by("config", "split").agg(
        min=pl.col("tokens").min(), median=pl.col("tokens").median(), p90=pl.col("tokens").quantile(0.9),
        max=pl.col("tokens").max(),
    )  # fmt: skip
    body = [
        f"# {title}\n",
        f"{manifest.get('pipeline', {}).get('config', {}).get('description') or ''}\n",
        "Training data for music language models in the formats ChatMusician's MusicPile published: "
        "`pretrain` rows `{id, text, src}`, `sft` rows `{instruction, input, output, src, id}`, `chat` rows "
        "`messages` plus the rendering `Human: {prompt} </s> Assistant: {answer} </s>` as `text`. Every row "
        "names the rows it was made from in `parent_ids` (`curate lineage <id>` walks back to the video or score).\n",
        "Splits are made by group before upsampling: a song with its summaries and QA pairs, a tune with its "
        "transpositions and a near-duplicate cluster are always on one side.\n",
        "```python\nfrom datasets import load_dataset\n"
        + "\n".join(f'{c.name} = load_dataset("{repo_id or "<this folder>"}", "{c.name}")' for c in configs)
        + "\n```\n",
        "## Statistics (computed from the data)\n",
        *[f"Tokens of `{c.name}`: {(c.counter or TokenCounter('regex')).description}.\n" for c in configs],
        "### Rows and tokens per config and split\n",
        _table(per_split.sort("config", "split")),
        "### Rows and tokens per source\n",
        _table(stats.rows),
        "### Row lengths (tokens)\n",
        _table(lengths.sort("config", "split")),
    ]
    for attr in ("language", "key", "meter"):
        counts = stats.attrs.filter(pl.col("attr") == attr).group_by("config", "value").agg(pl.col("rows").sum())
        counts = counts.sort(["config", "rows", "value"], descending=[False, True, False]).head(40)
        body += [f"### {attr.capitalize()}s of the source rows\n", _table(counts)]
    body += ["### Plots\n", *[f"![{p}]({p})\n" for p in plots]]
    body += _tunes(tunes or [])
    if report:
        body += ["## Report\n", "An HTML report of the whole version (the step funnel with rows in, out and rejected "
                 "by reason, rejected rows by example, sample rows of every table, tunes drawn as notation, lineage "
                 "links) is in [`report/index.html`](report/index.html); download the folder and open it in a "
                 "browser (it needs no network).\n"]  # fmt: skip
    body += ["## Lineage\n", _lineage(manifest, stats), "## Licenses\n",
             "License notes per source, as stated in the mixture config; licenses recorded on source rows:\n",
             _table(_licenses(manifest, stats)),
             _table(stats.attrs.filter(pl.col("attr") == "license").group_by("config", "value")
                    .agg(pl.col("rows").sum()).sort("config", "value"))]  # fmt: skip
    front = yaml.safe_dump(header, sort_keys=False, allow_unicode=True)
    return f"---\n{front}---\n\n" + "\n".join(body)


def write_card(out: Path, base: Path, manifest: dict[str, Any], configs: list[ConfigData], repo_id: str | None) -> None:
    stats = compute_stats(base, manifest, configs)
    check_token_counts(stats, manifest, configs)
    plots = write_plots(out, stats)
    tunes = write_tunes(out, base, manifest, configs)
    header = card_yaml(configs, stats, out)
    report = (out / "report" / "index.html").is_file()
    card = render_card(manifest, configs, stats, plots, header, repo_id, tunes, report)
    atomic_write_bytes(out / "README.md", card.encode())
