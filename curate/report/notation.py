"""Staff notation for ABC tunes: ABC -> MusicXML with abc2xml (the reader the scores stage verifies with)
-> SVG with verovio, offline. Verovio's own ABC import reads voices one after another, so it is only
the fallback for a tune abc2xml cannot read (a rejected row's ABC, say)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from converter21.abc import abc2xml

from curate.hashing import digest

_MEASURE = re.compile(r'class="measure"')
_OPTIONS = {
    "adjustPageHeight": True,
    "header": "none",
    "footer": "none",
    "pageWidth": 2100,
    "pageHeight": 2970,  # one A4-like page at most: a sample, not the whole piece
    "scale": 35,
    "breaks": "auto",
}


@dataclass
class Rendered:
    svg: str | None  # None when no reader could draw it
    pages: int = 0  # pages the whole tune would take; only the first is drawn
    reader: str = ""  # "abc2xml+verovio" or "verovio-abc"
    warnings: list[str] = field(default_factory=list)


def _toolkit(seed: int, fmt: str):  # noqa: ANN202 - verovio has no type stubs
    import verovio

    verovio.enableLog(verovio.LOG_OFF)  # warnings are read per tune with getLog() instead
    toolkit = verovio.toolkit()
    # a fixed id seed per tune: the same bytes on every run, and ids unique between SVGs on one page
    toolkit.setOptions({**_OPTIONS, "inputFrom": fmt, "xmlIdSeed": seed})
    return toolkit


def _musicxml(abc: str) -> str | None:
    try:
        docs = abc2xml.getXmlDocs(abc)
    except (ValueError, KeyError, IndexError, AttributeError, TypeError):  # its parser's failure modes
        return None  # verovio's own ABC import gets a try
    finally:
        abc2xml.getInfo()  # clears abc2xml's message list, which otherwise grows with every tune
    return abc2xml.fixDoctype(docs[0]) if docs else None


def render_abc(abc: str, differing: list[int] | None = None) -> Rendered:
    """The first page of `abc` as SVG; measures numbered in `differing` (1-based) are drawn in red."""
    seed = int(digest(abc)[:7], 16)
    attempts = [("musicxml", _musicxml(abc), "abc2xml+verovio"), ("abc", abc, "verovio-abc")]
    warnings: list[str] = []
    for fmt, data, reader in attempts:
        if data is None:
            continue
        toolkit = _toolkit(seed, fmt)
        if not toolkit.loadData(data) or toolkit.getPageCount() == 0:
            warnings.append(f"{reader} could not read the tune")
            continue
        svg = toolkit.renderToSVG(1)
        warnings += [line for line in toolkit.getLog().splitlines() if line.strip()]
        return Rendered(_mark(svg, differing or []), toolkit.getPageCount(), reader, warnings[:20])
    return Rendered(None, warnings=warnings)


def _mark(svg: str, measures: list[int]) -> str:
    """Add class `differs` to the given measures (1-based, in drawing order) so CSS can colour them."""
    if not measures:
        return svg
    wanted, count = set(measures), 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        return 'class="measure differs"' if count in wanted else match.group(0)

    return _MEASURE.sub(replace, svg)


_MEASURES_IN_DETAIL = re.compile(r"measures?[^:0-9]*:?\s*((?:\d+\s*(?:,|and|-)?\s*)+)", re.IGNORECASE)


def differing_measures(detail: str | None) -> list[int]:
    """Measure numbers named in a reject's detail ("...; measures differ: 3, 7"), in order, at most 20."""
    if not detail:
        return []
    out: list[int] = []
    for match in _MEASURES_IN_DETAIL.finditer(detail):
        for part in re.findall(r"\d+(?:\s*-\s*\d+)?", match.group(1)):
            lo, _, hi = part.partition("-")
            out += range(int(lo), int(hi or lo) + 1)
    return list(dict.fromkeys(n for n in out if n > 0))[:20]
