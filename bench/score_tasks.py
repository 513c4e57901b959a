"""Score tasks made per kind, skipped per kind and why, the chord fit of chord-bearing tunes, examples/s;
and score_chat's template backend with its checks, on real tunes of music21's ABC corpus.

Run: python bench/score_tasks.py [tunes]   (default 400: every corpus tune with chord symbols, then others at
an even stride through the corpus files; raw corpus tunes, not normalized by the `scores` stage).
Reference in the same run: the seven text-only tasks (ChatMusician's first set, no parse) and one abc2xml
read of each tune, the floor of any task that needs the melody. Last line: one JSON object.
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import music21
import pyarrow as pa

from curate.abc.split import decode_abc, split_tunes
from curate.release.mixture import MIN_CHORD_FIT
from curate.release.score_tasks import ALL_TASKS, TaskExample, try_tasks
from curate.stage import StageContext
from curate.stages.score_chat import ScoreChat, ScoreChatConfig
from curate.tune import Unusable
from curate.tune.abctext import split_header
from curate.tune.facts import TuneFacts
from curate.tune.harmony import written_chords
from curate.tune.melody import musicxml

TEXT_ONLY = ("compose_key_meter", "compose_title", "compose_form", "name_key", "name_meter", "name_form", "continue")


def sample(n: int) -> list[str]:
    """Every corpus tune with chord symbols (music21's corpus has few), then others at an even stride up to n."""
    with_chords, without = [], []
    for path in sorted(music21.corpus.getPaths(fileExtensions=("abc",))):
        for tune in split_tunes(decode_abc(path.read_bytes())):
            (with_chords if written_chords(split_header(tune)[1]) else without).append(tune)
    rest = max(0, n - len(with_chords))
    return with_chords[:n] + without[:: max(1, len(without) // max(1, rest))][:rest]


def main() -> None:
    tunes = sample(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
    rows = [{"id": f"score:{i}", "abc": abc} for i, abc in enumerate(tunes)]
    start = time.perf_counter()
    for abc in tunes:
        with contextlib.suppress(Unusable):  # unreadable tunes are counted by the tasks below
            musicxml(abc)
    parse_s = time.perf_counter() - start
    start = time.perf_counter()
    text_made = sum(1 for r in rows for _, e in try_tasks(r, TEXT_ONLY) if isinstance(e, TaskExample))
    text_s = time.perf_counter() - start
    made: Counter[str] = Counter()
    skipped: dict[str, Counter[str]] = defaultdict(Counter)
    start = time.perf_counter()
    for row in rows:
        for name, example in try_tasks(row, ALL_TASKS):
            if isinstance(example, TaskExample):
                made[name] += 1
            else:
                skipped[name][example.reason] += 1
    all_s = time.perf_counter() - start
    # chord fit of chord-bearing tunes (written chord symbols)
    fit_reasons: Counter[str] = Counter()
    shares: list[float] = []
    for row in rows:
        tune = TuneFacts(row)
        if not written_chords(tune.body):
            continue
        try:
            fit = tune.chords()
            shares.append(fit.share)
            fit_reasons["passes" if fit.share >= MIN_CHORD_FIT else "chords_do_not_fit"] += 1
        except Unusable as err:
            fit_reasons[err.reason] += 1
    bearing = sum(fit_reasons.values())
    # score_chat, template backend, checks included
    with tempfile.TemporaryDirectory() as tmp:
        context = StageContext("score_chats", Path(tmp), Path(tmp) / "_cache", Path(tmp))
        stage = ScoreChat(ScoreChatConfig(), context)
        stage.setup()
        start = time.perf_counter()
        result = stage.process(pa.Table.from_pylist(rows))
        chat_s = time.perf_counter() - start
        stage.teardown()
    chat_rejects = Counter(r.reason for r in result.rejects)
    kept = len(result.rows)

    print(
        f"{len(tunes)} music21 corpus tunes ({bearing} with chord symbols); shared 2-core machine, other jobs running"
    )
    print(
        f"reference: abc2xml read alone {len(tunes) / parse_s:.1f} tunes/s; text-only tasks {text_made / text_s:.0f} "
        f"examples/s ({text_made} examples)"
    )
    print(f"{'task':<18} {'made':>5}  skipped (reason: tunes)")
    for name in ALL_TASKS:
        why = ", ".join(f"{k}: {v}" for k, v in skipped[name].most_common())
        print(f"{name:<18} {made[name]:>5}  {why}")
    total = sum(made.values())
    print(f"all 11 tasks: {total} examples, {total / all_s:.1f} examples/s, {len(rows) / all_s:.1f} tunes/s")
    passing = fit_reasons["passes"]
    print(
        f"chord-bearing tunes: {bearing}; fit check (>= {MIN_CHORD_FIT} of strong beats on chord tones) passed by "
        f"{passing} ({passing / max(1, bearing):.1%}); {dict(fit_reasons)}"
    )
    if shares:
        ordered = sorted(shares)
        print(
            f"chord fit share: median {ordered[len(ordered) // 2]:.2f}, "
            f"quartiles {ordered[len(ordered) // 4]:.2f}-{ordered[3 * len(ordered) // 4]:.2f}"
        )
    print(f"score_chat (template): {kept} kept, rejects {dict(chat_rejects)}, {len(rows) / chat_s:.1f} tunes/s")
    print(json.dumps({
        "tunes": len(tunes), "examples": total, "examples_per_s": total / all_s, "tunes_per_s": len(rows) / all_s,
        "made": dict(made), "skipped": {k: dict(v) for k, v in skipped.items()},
        "chord_bearing": bearing, "chord_fit_pass": passing, "chord_fit_pass_share": passing / max(1, bearing),
        "chord_fit_outcomes": dict(fit_reasons), "reference_abc2xml_tunes_per_s": len(tunes) / parse_s,
        "reference_text_tasks_examples_per_s": text_made / text_s, "score_chat_kept": kept,
        "score_chat_rejects": dict(chat_rejects), "score_chat_tunes_per_s": len(rows) / chat_s,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
