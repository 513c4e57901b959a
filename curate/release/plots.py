"""PNG plots of a release's main distributions for its dataset card (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: plots are files
import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402

from curate.release.stats import ReleaseStats  # noqa: E402

_TOP = 15


def _bar(path: Path, labels: list[str], values: list[float], title: str, xlabel: str) -> None:
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(labels) + 1.2))
    ax.barh(labels[::-1], values[::-1], color="#4c72b0")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    fig.tight_layout()
    fig.savefig(path, dpi=80, metadata={"Software": None})  # no version stamp: same bytes each run
    plt.close(fig)


def write_plots(out: Path, stats: ReleaseStats) -> list[str]:
    """Write the plots that have data; returns their paths relative to `out`."""
    (out / "plots").mkdir(parents=True, exist_ok=True)
    written = []
    by_src = stats.rows.group_by("config", "src").agg(pl.col("rows").sum()).sort("config", "src")
    if by_src.height:
        labels = [f"{c}/{s}" for c, s in by_src.select("config", "src").iter_rows()]
        _bar(out / "plots/rows_per_source.png", labels, by_src["rows"].to_list(), "Rows per config and source", "rows")
        written.append("plots/rows_per_source.png")
    if stats.lengths.height:
        fig, ax = plt.subplots(figsize=(7, 3.5))
        for config in sorted(stats.lengths["config"].unique().to_list()):
            ax.hist(stats.lengths.filter(pl.col("config") == config)["tokens"].to_list(), bins=30, alpha=0.6,
                    label=config)  # fmt: skip
        ax.set_title("Row length (tokens)")
        ax.set_xlabel("tokens")
        ax.set_ylabel("rows")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / "plots/lengths.png", dpi=80, metadata={"Software": None})
        plt.close(fig)
        written.append("plots/lengths.png")
    for attr in ("language", "key", "meter"):
        counts = (stats.attrs.filter(pl.col("attr") == attr).group_by("value").agg(pl.col("rows").sum())
                  .sort(["rows", "value"], descending=[True, False]).head(_TOP))  # fmt: skip
        if counts.height:
            _bar(out / f"plots/{attr}s.png", counts["value"].to_list(), counts["rows"].to_list(),
                 f"Rows per {attr} (top {_TOP}, all configs)", "rows")  # fmt: skip
            written.append(f"plots/{attr}s.png")
    return written
