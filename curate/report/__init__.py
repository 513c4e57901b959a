"""`curate report`: a static HTML folder showing a finished version: the step funnel, rejected rows by
example, tables with sample rows, tunes drawn as notation, lineage links, and the code that made it."""

from __future__ import annotations

import shutil
from pathlib import Path

from curate.store import Store


def build_report(store: Store, out: Path, seed: int = 0) -> list[Path]:
    """Write the report of the version in `store` to the folder `out` (replaced whole); returns its files."""
    from curate.report.gather import gather
    from curate.report.html import write_report

    report = gather(store, seed)
    staging = out.with_name(f".{out.name}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    files = write_report(report, staging)
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    return [out / f.relative_to(staging) for f in files]
