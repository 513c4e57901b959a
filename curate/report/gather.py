"""Everything the report shows, read from a finished version: the manifest (funnel, versions) and
seeded samples of its tables and rejects. Nothing here grows with the tables: samples are a fixed
number of rows, aggregates are counts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from curate.errors import CurateError
from curate.report import facets
from curate.report.lineage import Node, walk
from curate.report.notation import Rendered, differing_measures, render_abc
from curate.report.sampling import sample_by, sample_rows
from curate.schemas import list_schemas, load_schema
from curate.store import Store

SAMPLE_ROWS = 5
REJECT_EXAMPLES = 5
TUNES = 4


@dataclass
class Step:
    name: str
    stage: str
    kind: str
    inputs: list[str]
    rows_in: int
    rows_out: int
    rejected: dict[str, int]
    counters: dict[str, float]
    code_version: str
    wall_s: float
    branch: str  # the source step this chain starts from ("merge" for steps fed by several branches)

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())


@dataclass
class Column:
    name: str
    type: str
    description: str = ""


@dataclass
class Table:
    name: str
    schema: str | None
    rows: int
    bytes: int
    shards: int
    columns: list[Column]
    samples: list[dict[str, Any]]
    tunes: list[facets.Tune] = field(default_factory=list)
    counts: list[facets.Counts] = field(default_factory=list)
    llm: list[dict[str, Any]] = field(default_factory=list)
    llm_counters: dict[str, float] = field(default_factory=dict)


@dataclass
class RejectExample:
    row: dict[str, Any]  # the rejects row; `input` holds its parsed `row` JSON
    input: dict[str, Any] | str
    measures: list[int]
    drawing: Rendered | None


@dataclass
class RejectGroup:
    step: str
    stage: str
    reason: str
    count: int
    examples: list[RejectExample]


@dataclass
class Report:
    manifest: dict[str, Any]
    steps: list[Step]
    tables: list[Table]
    rejects: list[RejectGroup]
    lineage: dict[str, Node]


def _branches(manifest: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for step in manifest["steps"]:
        ups = {out[i] for i in step["input"] if i in out}
        out[step["name"]] = step["name"] if not ups else ups.pop() if len(ups) == 1 else "merge"
    return out


def _steps(manifest: dict[str, Any]) -> list[Step]:
    branch = _branches(manifest)
    return [
        Step(
            s["name"],
            s["stage"],
            s.get("kind", ""),
            list(s["input"]),
            s["rows_in"],
            s["rows_out"],
            dict(s["rejected"]),
            dict(s.get("counters", {})),
            s["code_version"],
            s.get("wall_s", 0.0),
            branch[s["name"]],
        )  # fmt: skip
        for s in manifest["steps"]
    ]


def _columns(store: Store, schema: str | None, paths: list[str]) -> list[Column]:
    if schema in list_schemas():
        return [Column(c["name"], c["type"], c.get("description", "")) for c in load_schema(schema).columns]
    if not paths:
        return []
    return [Column(f.name, str(f.type)) for f in store.parquet_file(paths[0]).schema_arrow]


def _table(store: Store, manifest: dict[str, Any], name: str, seed: int, drawings: dict[str, Rendered]) -> Table:
    info = manifest["tables"][name]
    paths = [store.path(s["path"]) for s in info["shards"]]
    columns = _columns(store, info.get("schema"), paths)
    names = [c.name for c in columns]
    score = set(names) >= facets.SCORE_COLUMNS
    # one seeded read serves the sample rows and the tunes (the first rows of a larger seeded pick)
    sample = sample_rows(store, paths, 4 * TUNES if score else SAMPLE_ROWS, seed) if paths else []
    table = Table(name, info.get("schema"), info["rows"], info["bytes"], len(paths), columns, sample[:SAMPLE_ROWS])
    if not paths:
        return table
    names = store.scan(paths).collect_schema().names()
    if score:
        table.tunes = facets.tunes(store, paths, names, sample, TUNES, seed, drawings)
    if set(names) >= facets.SONG_COLUMNS:
        table.counts = facets.songs(store.scan(paths), names)
    if set(names) >= facets.LLM_COLUMNS:
        table.llm = facets.llm(store.scan(paths), names)
        step = next((s for s in manifest["steps"] if s["name"] == name), {})
        table.llm_counters = facets.llm_counters(step)
    return table


def _input(text: str) -> dict[str, Any] | str:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text  # a raw record that never parsed (a broken dump line): shown as it is
    return value if isinstance(value, dict) else text


def _rejects(store: Store, manifest: dict[str, Any], seed: int, drawings: dict[str, Rendered]) -> list[RejectGroup]:
    by_step: dict[str, list[str]] = {}
    for shard in manifest["rejects"]["shards"]:
        step = shard["path"].rsplit("/", 1)[-1].rsplit("-", 1)[0]
        by_step.setdefault(step, []).append(store.path(shard["path"]))
    out = []
    for step in manifest["steps"]:
        if not step["rejected"]:
            continue
        examples = sample_by(store, by_step.get(step["name"], []), "reason", REJECT_EXAMPLES, seed)
        for reason, count in sorted(step["rejected"].items(), key=lambda r: (-r[1], r[0])):
            shown = []
            for row in examples.get(reason, []):
                parsed = _input(row.get("row") or "")
                measures = differing_measures(row.get("detail"))
                abc = parsed.get("abc") if isinstance(parsed, dict) else None
                drawing = None
                if abc:  # a score reject: draw what was rejected, the differing measures marked
                    key = f"{row['id']}:{measures}"
                    drawing = drawings.setdefault(key, render_abc(abc, measures))
                shown.append(RejectExample(row, parsed, measures, drawing))
            out.append(RejectGroup(step["name"], step["stage"], reason, count, shown))
    return out


def gather(store: Store, seed: int = 0) -> Report:
    if not store.exists(store.manifest_path):
        raise CurateError(f"{store.base} holds no finished version (no manifest.json): run the pipeline first")
    manifest = store.read_json(store.manifest_path)
    drawings: dict[str, Rendered] = {}  # one drawing per tune, however many tables show it
    names = [s["name"] for s in manifest["steps"] if s["name"] in manifest["tables"]]
    names += sorted(set(manifest["tables"]) - set(names))
    tables = [_table(store, manifest, name, seed, drawings) for name in names]
    rejects = _rejects(store, manifest, seed, drawings)
    seeds = {t.name: {r["id"] for r in t.samples if r.get("id")} for t in tables}
    inputs = {s["name"]: [i for i in s["input"] if i in manifest["tables"]] for s in manifest["steps"]}
    for group in rejects:  # a rejected row came from the step's input: its lineage is there
        for table in inputs.get(group.step, []):
            seeds.setdefault(table, set()).update(e.row["row_id"] for e in group.examples if e.row.get("row_id"))
    return Report(manifest, _steps(manifest), tables, rejects, walk(store, manifest, seeds))
