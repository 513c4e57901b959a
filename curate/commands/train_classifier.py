"""`curate train-classifier`: fit the music-text classifier on labelled rows (JSONL or Parquet)."""

from __future__ import annotations

from pathlib import Path

import click

from curate.cli import friendly
from curate.errors import CurateError
from curate.text.classifier import read_labelled, train
from curate.text.lexicon import load_lexicon
from curate.text.matcher import TermMatcher


@click.command("train-classifier")
@click.argument("data", type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="Model file to write (.joblib).")
@click.option("--text-field", default="text", show_default=True)
@click.option("--label-field", default=None, help="Column with music/other (or true/false, 1/0) labels.")
@click.option(
    "--label-by-lexicon", is_flag=True, help="Label rows with the lexicon rule instead (weak labels, no hand work)."
)
@click.option("--min-score", type=float, default=1.5, show_default=True, help="Lexicon rule: minimum term score.")
@click.option("--min-density", type=float, default=2.0, show_default=True, help="Lexicon rule: terms per 1,000 words.")
@click.option("--seed", type=int, default=0, show_default=True)
@friendly
def command(
    data: Path,
    out: Path,
    text_field: str,
    label_field: str | None,
    label_by_lexicon: bool,
    min_score: float,
    min_density: float,
    seed: int,
) -> None:
    """Train a small text classifier and print the `text_classifier` config that uses it."""
    if bool(label_field) == label_by_lexicon:
        raise CurateError("give exactly one of --label-field or --label-by-lexicon")
    texts, labels = read_labelled(data, text_field, label_field)
    if label_by_lexicon:
        matcher = TermMatcher(load_lexicon(["en"]))
        found = [matcher.match(t) for t in texts]
        labels = [m.score >= min_score and m.density >= min_density for m in found]
        source = f"lexicon(min_score={min_score}, min_density={min_density}, hash={matcher.lexicon.hash})"
    else:
        source = f"column:{label_field}"
    report = train(texts, [bool(x) for x in labels], out, source, seed)
    click.echo(f"trained on {report.rows} rows ({report.positives} music), labels from {source}")
    click.echo(f"wrote {out} and {out.name}.json")
    click.echo("config for a text_classifier step:")
    click.echo(f"  {{model: {out.as_posix()}, model_sha256: {report.sha256}, threshold: 0.5}}")
