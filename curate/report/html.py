"""Writes the report folder: static HTML pages from Jinja templates, one stylesheet, no scripts and
nothing fetched from anywhere, so it opens from disk offline. Long values are folded and cut: a page
stays small whatever the rows hold."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from curate.hashing import digest
from curate.report.gather import Report
from curate.store import atomic_write_bytes

SHORT = 160  # characters shown unfolded
CUT = 3000  # characters kept of any one value


def anchor(value: str) -> str:
    """A safe, stable HTML id for any string (row ids hold colons, reasons may hold anything)."""
    return "a" + digest(value)[:12]


def table_page(name: str) -> str:
    return f"table-{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}.html"


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def fold(value: Any) -> Markup:
    """A value as HTML: short text as it is, long text folded under its first characters and cut."""
    if value is None:
        return Markup('<span class="null">null</span>')
    text = _text(value)
    if len(text) <= SHORT and "\n" not in text:
        return escape(text)
    kept = text[:CUT]
    more = f"\n… {len(text) - CUT:,} more characters" if len(text) > CUT else ""
    head = text[:SHORT].split("\n", 1)[0]
    return Markup("<details><summary>{}…</summary><pre>{}{}</pre></details>").format(head, kept, more)


def row_link(row_id: str | None, lineage: dict[str, Any]) -> Markup:
    if not row_id:
        return Markup("")
    if row_id in lineage:
        return Markup('<a href="lineage.html#{}">{}</a>').format(anchor(row_id), row_id)
    return escape(row_id)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("curate.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(fold=fold, anchor=anchor, table_page=table_page, text=_text)
    env.globals.update(row_link=row_link, pct=lambda part, whole: round(100 * part / whole, 2) if whole else 0)
    return env


def write_report(report: Report, out: Path) -> list[Path]:
    """Write every page under `out`; returns the files written."""
    env = environment()
    manifest = report.manifest
    common = {"m": manifest, "report": report, "title": f"{manifest['dataset']} {manifest['version']}"}
    pages: dict[str, tuple[str, dict[str, Any]]] = {
        "index.html": ("index.html.j2", {}),
        "rejects.html": ("rejects.html.j2", {}),
        "lineage.html": ("lineage.html.j2", {}),
    }
    for table in report.tables:
        pages[table_page(table.name)] = ("table.html.j2", {"table": table})
    written = []
    for name, (template, extra) in pages.items():
        html = env.get_template(template).render(**common, **extra, page=name)
        atomic_write_bytes(out / name, html.encode())
        written.append(out / name)
    style = resources.files("curate.report").joinpath("templates/style.css").read_bytes()
    atomic_write_bytes(out / "style.css", style)
    return [*written, out / "style.css"]
