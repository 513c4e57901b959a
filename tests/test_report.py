"""`curate report` opened in a real browser (headless Chromium over the DevTools protocol): the demo's
funnel, tunes drawn as notation and rejected rows by example, with no console errors and nothing
fetched from outside the folder; planted score rejects drawn with their differing measures; a version
without rejects and with an empty table; every link resolves; pages stay sampled."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
import yaml
from click.testing import CliRunner
from PIL import Image
from support.browser import CHROMIUM, visit

from curate.cli import main
from curate.report.gather import REJECT_EXAMPLES, SAMPLE_ROWS
from curate.report.notation import differing_measures

REPO = Path(__file__).parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "release"
needs_browser = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")

STAFFS = "document.querySelectorAll('svg g.staff').length"
NOTEHEADS = "document.querySelectorAll('svg g.notehead').length"
# a drawn staff: five horizontal lines (verovio draws each as a path 'M x y L x2 y')
FIVE_LINES = """[...document.querySelectorAll('svg g.staff')].every(s => [...s.children].filter(p =>
  p.tagName === 'path' && /^M\\S+ (\\S+) L\\S+ \\1$/.test(p.getAttribute('d'))).length >= 5)"""


def _report(root: Path, release: str, out: Path) -> Path:
    result = CliRunner().invoke(main, ["report", release, "--root", str(root), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "report:" in result.output
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The demo, run once for this module; returns the store root and its manifest."""
    tmp = tmp_path_factory.mktemp("demo")
    out = subprocess.run(
        [sys.executable, "-m", "curate.cli", "run", str(REPO / "pipelines" / "demo.yaml"), "--root", str(tmp / "store"),
         "--manifests", str(tmp / "manifests"), "--workers", "2"],
        capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return tmp / "store", json.loads((tmp / "store" / "demo" / "0.1.0" / "manifest.json").read_text())


@pytest.fixture(scope="module")
def demo_report(demo: tuple[Path, dict], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _report(demo[0], "demo/0.1.0", tmp_path_factory.mktemp("demo-report") / "report")


def _colour_share(png: bytes, rgb: tuple[int, int, int]) -> float:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(maxcolors=1 << 24) or []
    near = sum(n for n, c in colours if all(abs(a - b) <= 8 for a, b in zip(c, rgb, strict=True)))
    return near / (image.width * image.height)


def _clean(page) -> None:  # noqa: ANN001
    assert page.console == [] and page.errors == []
    assert page.requests and all(u.startswith(("file://", "data:")) for u in page.requests), page.requests


@pytest.mark.slow
@needs_browser
def test_demo_report_in_a_browser_shows_funnel_tunes_and_rejects(demo: tuple[Path, dict], demo_report: Path,
                                                                  tmp_path: Path) -> None:  # fmt: skip
    root, manifest = demo
    steps = manifest["steps"]
    kept = pl.read_parquet(root / "demo" / "0.1.0" / "rejects" / "*.parquet").group_by("step", "reason").len()
    stored = {(r["step"], r["reason"]): r["len"] for r in kept.to_dicts()}  # counted-only drops (limit) keep no rows
    index = visit(demo_report.joinpath("index.html").as_uri(), [
        "document.querySelectorAll('tr.step').length",
        "[...document.querySelectorAll('tr.step td:first-child a')].map(a => a.textContent)",
        "[...document.querySelectorAll('a.chip')].map(a => a.textContent)",
    ])  # fmt: skip
    _clean(index)
    rows, names, chips = index.values.values()
    assert rows == len(steps) and sorted(names) == sorted(s["name"] for s in steps)
    assert sorted(chips) == sorted(f"{r} {n:,}" for s in steps for r, n in s["rejected"].items())
    (tmp_path / "funnel.png").write_bytes(index.screenshot)
    assert _colour_share(index.screenshot, (0x4C, 0x72, 0xB0)) > 0.002  # the kept part of the bars, drawn
    assert _colour_share(index.screenshot, (0xD9, 0x53, 0x4F)) > 0.0005  # the rejected part

    probes = ["document.querySelectorAll('.tune-card').length", "document.querySelectorAll('pre.abc').length"]
    scores = visit(demo_report.joinpath("table-scores.html").as_uri(), [STAFFS, NOTEHEADS, FIVE_LINES, *probes])
    _clean(scores)
    staffs, heads, five, cards, abcs = scores.values.values()
    assert staffs > 0 and heads > 20 and five is True
    assert cards == abcs > 0  # every drawn tune beside its ABC
    assert _colour_share(scores.screenshot, (0, 0, 0)) > 0.005  # black notation ink on the page

    rejects = visit(demo_report.joinpath("rejects.html").as_uri(), [
        "[...document.querySelectorAll('section.reason')].map(s => [s.id, s.querySelectorAll('.example').length])",
        "document.querySelectorAll('.example .detail').length",
    ])  # fmt: skip
    _clean(rejects)
    sections, details = rejects.values.values()
    reasons = [(s["name"], r, n) for s in steps for r, n in s["rejected"].items()]
    assert len(sections) == len(reasons)
    order = [s["name"] for s in steps]
    reasons.sort(key=lambda x: (order.index(x[0]), -x[2], x[1]))  # steps in pipeline order, big reasons first
    assert [n for _, n in sections] == [min(REJECT_EXAMPLES, stored.get((st, r), 0)) for st, r, _ in reasons]
    assert details == sum(n for _, n in sections)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"] or "")
        if values.get("id"):
            self.ids.add(values["id"] or "")


def test_every_link_of_the_report_resolves_and_pages_stay_sampled(demo_report: Path) -> None:
    pages = {}
    for page in demo_report.glob("*.html"):
        parser = _Links()
        parser.feed(page.read_text())
        pages[page.name] = parser
    assert {"index.html", "rejects.html", "lineage.html", "table-scores.html", "table-release_sft.html"} <= set(pages)
    for name, parser in pages.items():
        for href in parser.hrefs:
            assert not href.startswith(("http:", "https:", "//")), f"{name} links outside: {href}"
            target, _, fragment = href.partition("#")
            target = target or name
            assert target in pages, f"{name}: broken link {href}"
            assert not fragment or fragment in pages[target].ids, f"{name}: no anchor for {href}"
    for page in demo_report.glob("table-*.html"):
        assert page.read_text().count('<div class="sample">') <= SAMPLE_ROWS
    # lineage reaches a source: a release row's chain ends at a song's dump line or a score file
    lineage = (demo_report / "lineage.html").read_text()
    assert re.search(r"a source row: songs\.jsonl@\d+", lineage)
    assert re.search(r"a source row: \S+\.(abc|krn|mxl|xml)", lineage)


def _pipeline(tmp: Path, steps: list[dict], extra_inputs: dict | None = None) -> Path:
    spec = {"dataset": "viz", "version": "1", "inputs": {"scores_in": {"path": str(FIXTURES / "scores.jsonl")},
            **(extra_inputs or {})}, "steps": steps}  # fmt: skip
    path = tmp / "pipeline.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    result = CliRunner().invoke(main, ["run", str(path), "--root", str(tmp / "store"), "--manifests",
                                       str(tmp / "manifests"), "--workers", "1"])  # fmt: skip
    assert result.exit_code == 0, result.output
    return tmp / "store"


@needs_browser
def test_score_rejects_are_drawn_with_the_measures_that_differ(tmp_path: Path) -> None:
    tagged = tmp_path / "tagged.jsonl"
    rows = [json.loads(line) for line in (FIXTURES / "scores.jsonl").read_text().splitlines()][:3]
    tagged.write_text("".join(json.dumps({**r, "verified_by": "abc2midi"}) + "\n" for r in rows))
    planted = {
        "score:8e0b04dc226f337094e1": ["low_fidelity", "fidelity 0.5000 < 1.0; measures differ: 2, 3"],
        "score:2ac66f43862e35058581": ["reader_disagreement", "abc2midi disagrees with abc2xml in measures 1-2"],
    }
    root = _pipeline(tmp_path, [
        {"name": "scores", "stage": "read", "input": "scores_in", "config": {"schema_name": "scores"}},
        {"name": "checked", "stage": "support.report_plugins:PlantRejects", "input": "scores",
         "config": {"rejects": planted}},
        {"name": "verified", "stage": "read", "input": "tagged_in"},
    ], {"tagged_in": {"path": str(tagged)}})  # fmt: skip
    report = _report(root, "viz/1", tmp_path / "report")
    page = visit((report / "rejects.html").as_uri(), [
        "[...document.querySelectorAll('section.reason')].map(s => s.querySelector('.reason-name').textContent)",
        "[...document.querySelectorAll('.example')].map(e => e.querySelectorAll('g.measure.differs').length)",
        "getComputedStyle(document.querySelector('g.measure.differs')).fill",
        "[...document.querySelectorAll('.measures')].map(p => p.textContent)",
        STAFFS,
    ])  # fmt: skip
    _clean(page)
    reasons, marked, fill, measures, staffs = page.values.values()
    assert sorted(reasons) == ["low_fidelity", "reader_disagreement"]
    assert sorted(marked) == [2, 2] and staffs >= 2
    assert fill == "rgb(208, 2, 27)"  # the differing measures are drawn red
    assert sorted(measures) == sorted(["measures that differ: 2, 3 (drawn in red)",
                                       "measures that differ: 1, 2 (drawn in red)"])  # fmt: skip
    # transposed copies beside their original; verified_by shown where set, a dash where the column is empty
    per_row = "[...document.querySelectorAll('.tune-row')].map(r => r.querySelectorAll('.tune-card').length)"
    scores = visit((report / "table-scores.html").as_uri(), [per_row, NOTEHEADS])
    _clean(scores)
    assert max(scores.values[per_row]) >= 2 and scores.values[NOTEHEADS] > 0
    assert "<dt>verified_by</dt><dd>—</dd>" in (report / "table-scores.html").read_text()  # the column, unset here
    verified = (report / "table-verified.html").read_text()
    assert "<dt>verified_by</dt><dd>abc2midi</dd>" in verified


@needs_browser
def test_a_version_without_rejects_and_with_an_empty_table(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")  # an empty input: an empty table, and no step rejects anything (limit would count drops)
    root = _pipeline(tmp_path, [
        {"name": "scores", "stage": "read", "input": "scores_in", "config": {"schema_name": "scores"}},
        {"name": "nothing", "stage": "read", "input": "empty_in", "config": {"schema_name": "scores"}},
    ], {"empty_in": {"path": str(empty)}})  # fmt: skip
    manifest = json.loads((root / "viz" / "1" / "manifest.json").read_text())
    assert manifest["rejects"]["rows"] == 0 and manifest["tables"]["nothing"]["rows"] == 0
    report = _report(root, "viz/1", tmp_path / "report")
    for name, probe in [("rejects.html", "document.querySelector('.empty').textContent"),
                        ("table-nothing.html", "document.querySelector('.empty').textContent"),
                        ("index.html", "document.querySelectorAll('a.chip').length")]:  # fmt: skip
        page = visit((report / name).as_uri(), [probe])
        _clean(page)
        value = page.values[probe]
        assert value == 0 if name == "index.html" else value in ("No step of this version rejected a row.",
                                                                  "This table is empty.")  # fmt: skip


def test_report_of_a_missing_version_is_one_sentence(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", "nope/1", "--root", str(tmp_path)])
    assert result.exit_code == 2 and "no finished version nope/1" in result.output


@pytest.mark.parametrize(("detail", "measures"), [
    ("fidelity 0.9000 < 0.99; measures differ: 3, 7", [3, 7]),
    ("readers disagree in measures 1-3 and 9", [1, 2, 3, 9]),
    ("measure 12: pitch 60 vs 61", [12]),
    ("parse error at line 3", []),
    (None, []),
])  # fmt: skip
def test_differing_measures_are_read_from_the_detail(detail: str | None, measures: list[int]) -> None:
    assert differing_measures(detail) == measures
