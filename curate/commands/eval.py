"""`curate eval FILE --base-url URL --model NAME`: measure a model on MusicTheoryBench-format items."""

from __future__ import annotations

import os
from pathlib import Path

import click
import pyarrow as pa

from curate.cli import friendly, root_option
from curate.store import atomic_write_parquet, calls_cache_dir


@click.command("eval")
@click.argument("items_file", type=click.Path(path_type=Path))
@click.option("--base-url", required=True, help="OpenAI-compatible server, e.g. http://localhost:8000/v1.")
@click.option("--model", required=True, help="Model name the server knows.")
@click.option(
    "--api-key-env", default=None, help="NAME of the environment variable holding the API key (never logged)."
)
@click.option("--shots", "shots", type=int, multiple=True, default=(0, 3), show_default=True,
              help="Few-shot examples from the dev split; repeat for several settings (0 = zero-shot).")  # fmt: skip
@click.option("--concurrency", type=int, default=8, show_default=True)
@click.option("--max-tokens", type=int, default=256, show_default=True)
@click.option("--timeout", "timeout_s", type=float, default=60.0, show_default=True)
@click.option("--structured-output", type=click.Choice(["json_schema", "json_object", "none"]),
              default="json_schema", show_default=True,
              help="Ask for the letter by schema (an enum), as JSON, or as free text.")  # fmt: skip
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help="Folder for responses.parquet and summary.parquet (default: <root>/_eval/<model>).")  # fmt: skip
@click.option("--cache", "cache_path", type=click.Path(path_type=Path), default=None,
              help="Response cache (default: eval.sqlite in the root's cache folder, $CURATE_CACHE_DIR or "
                   "~/.cache/curate).")  # fmt: skip
@root_option
@friendly
def command(items_file: Path, base_url: str, model: str, api_key_env: str | None, shots: tuple[int, ...],
            concurrency: int, max_tokens: int, timeout_s: float, structured_output: str, out_dir: Path | None,
            cache_path: Path | None, root: Path) -> None:  # fmt: skip
    """Run a model on ITEMS_FILE (MusicTheoryBench format, .jsonl or .parquet) and report accuracy."""
    from curate.errors import CurateError
    from curate.theory.evaluate import EvalSettings, format_table, run_eval, summarize
    from curate.theory.format import read_items

    if api_key_env and not os.environ.get(api_key_env):
        raise CurateError(f"environment variable {api_key_env} (--api-key-env) is not set")
    items = read_items(items_file)
    settings = EvalSettings(model=model, base_url=base_url, api_key_env=api_key_env, shots=sorted(set(shots)),
                            concurrency=concurrency, max_tokens=max_tokens, timeout_s=timeout_s,
                            structured_output=structured_output)  # type: ignore[arg-type]  # fmt: skip
    root = Path(root)
    cache_path = cache_path or calls_cache_dir(root) / "eval.sqlite"
    rows = run_eval(items, settings, cache_path)
    summary = summarize(rows)
    out_dir = out_dir or root / "_eval" / model.replace("/", "_")
    atomic_write_parquet(out_dir / "responses.parquet", pa.Table.from_pylist(rows))
    atomic_write_parquet(out_dir / "summary.parquet", pa.Table.from_pylist(summary))
    click.echo(format_table(summary))
    cached = sum(r["cached"] for r in rows)
    click.echo(f"{len(rows)} answers ({cached} from cache, {cache_path}); results in {out_dir}")
