"""Per format on music21's corpus: rows kept, rejects by reason, the share of kept rows the independent
reader finds note-exact, files (tunes) per second; and the plain converter path in the same run.

curate: the isolated child: source -> xml2abc (L:1/8, nbr) -> normalize -> abc2xml round trip and the
  independent reader (abc2midi for ABC and MIDI output, verovio for MusicXML/kern) on both sides.
plain (NotaGen's flags `-d 8 -c 6 -x`, no normalization, in-process): xml2abc -> abc2xml, notes compared
  per measure with the converter's own reading of the source (what "exact" meant before).
After timing, every row that claims exactness (curate: fidelity 1.0; plain: per-measure exact) is read
again by the independent reader on the whole timeline: `claims_wrong` counts the claims it denies.
MIDI: music21's corpus holds none; MIDI files are written with music21 from corpus ABC tunes (quantized).
Usage: python bench/scores.py [sources per format, default 300] [formats, default all] [--jobs=N: formats
run in N processes at once, one core each]. Last line: one JSON object: per format `kept`,
`independent_exact`, `claims_wrong`, `per_s` (curate's path), `n`, `rejected` (by reason) and `plain`.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import music21
from converter21.abc import xml2abc

from curate.abc import notes, verified_tunes
from curate.abc.independent_reader import ReaderFailed
from curate.abc.isolate import Isolated
from curate.abc.musicxml import NotMusicXml, to_bytes
from curate.abc.normalize import NormalizeOptions
from curate.abc.split import decode_abc, split_tunes
from curate.abc.timeline import agree
from curate.stage import RejectRow

CORPUS = Path(music21.__file__).parent / "corpus"
FORMATS = {"musicxml": (".xml", ".mxl"), "kern": (".krn",), "abc": (".abc",), "midi": (".abc",)}


def _abc_tunes(n: int) -> list[str]:
    paths = sorted(p for p in CORPUS.rglob("*.abc"))
    step = max(1, len(paths) // n)
    tunes = [t for p in paths[::step] for t in split_tunes(decode_abc(p.read_bytes()))[:2]]
    return tunes[:: max(1, len(tunes) // n)][:n]


def _midi_files(n: int, folder: Path) -> list[str]:
    """Quantized MIDI written by music21 from corpus ABC tunes (other tunes than the ABC sample)."""
    out: list[str] = []
    for i, tune in enumerate(_abc_tunes(2 * n)[1::2]):
        path = folder / f"tune{i:04d}.mid"
        with contextlib.suppress(Exception):  # music21's ABC reader fails on some tunes: skip them
            music21.converter.parse("%abc-2.1\n" + tune, format="abc").write("midi", fp=str(path))
            out.append(str(path))
        if len(out) == n:
            break
    return out


def _sources(fmt: str, n: int, folder: Path) -> list[str]:
    if fmt == "abc":
        return _abc_tunes(n)
    if fmt == "midi":
        return _midi_files(n, folder)
    paths = sorted(p for p in CORPUS.rglob("*") if p.suffix in FORMATS[fmt])
    return [str(p) for p in paths[:: max(1, len(paths) // n)][:n]]


def _independent_exact(fmt: str, payload: str, abc: str) -> bool:
    """The independent reader, on the source and on `abc`, agrees on the whole timeline."""
    try:
        source = verified_tunes.reference_notes(fmt, payload)
        played = verified_tunes.read_output(fmt, abc)
    except (ReaderFailed, RejectRow, NotMusicXml):
        return False
    return agree(source, played, "bench").exact


def _plain(fmt: str, payload: str) -> tuple[bool, str]:
    root = verified_tunes.load_source(fmt, payload).root
    abc, _ = xml2abc.vertaal(to_bytes(root), d=8, c=6, x=1)
    return notes.compare(notes.measures(root), notes.measures(verified_tunes._abc_to_root(abc))).exact, abc


def _curate_path(fmt: str, sources: list[str], runner: Isolated) -> dict:
    options = NormalizeOptions(min_bars=1, check_alignment=False)
    start = time.perf_counter()
    results = [runner.call(verified_tunes.run_safe, fmt, p, options) for p in sources]
    seconds = time.perf_counter() - start
    reasons: Counter[str] = Counter()
    kept = []
    for payload, res in zip(sources, results, strict=True):
        first = res.value[0] if res.ok else None
        if first is None or first.reject is not None:
            reasons[first.reject[0] if first is not None and first.reject else res.error] += 1
        else:
            kept.append((payload, first))
    exact = [_independent_exact(fmt, p, out.abc) for p, out in kept]
    claims_wrong = sum(out.fidelity == 1.0 and not ok for (_, out), ok in zip(kept, exact, strict=True))
    return {"n": len(sources), "kept": len(kept), "independent_exact": round(sum(exact) / max(len(kept), 1), 4),
            "claims_wrong": claims_wrong, "per_s": round(len(sources) / seconds, 2),
            "rejected": dict(reasons.most_common())}  # fmt: skip


def _plain_path(fmt: str, sources: list[str]) -> dict:
    start, outputs = time.perf_counter(), []
    for payload in sources:
        with contextlib.suppress(Exception):  # the plain path has no isolation: a raise keeps nothing
            outputs.append((payload, *_plain(fmt, payload)))
    seconds = time.perf_counter() - start
    claimed = [(p, abc) for p, exact, abc in outputs if exact]
    wrong = sum(not _independent_exact(fmt, p, abc) for p, abc in claimed)
    return {"kept": len(outputs), "claims_exact": len(claimed), "claims_wrong": wrong,
            "per_s": round(len(sources) / seconds, 2)}  # fmt: skip


def _measure(n: int, formats: list[str]) -> dict[str, dict]:
    runner = Isolated(timeout_s=60)
    summary: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="curate-bench-midi-") as folder:
        for fmt in formats:
            sources = _sources(fmt, n, Path(folder))
            summary[fmt] = {**_curate_path(fmt, sources, runner), "plain": _plain_path(fmt, sources)}
            print(fmt, json.dumps(summary[fmt]), file=sys.stderr, flush=True)
    runner.close()
    return summary


def _in_processes(n: int, formats: list[str], jobs: int) -> dict[str, dict]:
    """One process per format, `jobs` at a time: each format still runs on one core."""
    with ThreadPoolExecutor(jobs) as pool:
        done = pool.map(lambda fmt: subprocess.run([sys.executable, __file__, str(n), fmt], check=True,
                                                   stdout=subprocess.PIPE, text=True).stdout, formats)  # fmt: skip
        return {fmt: json.loads(out.strip().splitlines()[-1])[fmt] for fmt, out in zip(formats, done, strict=True)}


def main(n: int, formats: list[str], jobs: int) -> None:
    summary = _measure(n, formats) if jobs == 1 or len(formats) == 1 else _in_processes(n, formats, jobs)
    head = f"{'format':9}{'n':>5}{'kept':>6}{'indep. exact':>14}{'claims wrong':>14}{'per s':>8}"
    print(head + f"{'plain kept':>12}{'plain exact':>13}{'plain wrong':>13}{'plain/s':>9}")
    for fmt, s in summary.items():
        p = s["plain"]
        print(f"{fmt:9}{s['n']:>5}{s['kept']:>6}{s['independent_exact']:>14.4f}{s['claims_wrong']:>14}{s['per_s']:>8.2f}"
              f"{p['kept']:>12}{p['claims_exact']:>13}{p['claims_wrong']:>13}{p['per_s']:>9.2f}")  # fmt: skip
    for fmt, s in summary.items():
        print(f"{fmt} rejected: {s['rejected']}")
    print(json.dumps(summary))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--jobs=")]
    jobs = int(next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--jobs=")), "1"))
    main(int(args[0]) if args else 300, args[1:] or list(FORMATS), jobs)
