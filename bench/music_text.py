"""Benchmark: the lexicon rule and the classifier on the labelled eval set, and lexicon speed.

Precision/recall on the `test` split of `curate/data/music_text_eval.jsonl`. Everything tuned is
tuned on the `dev` split only: the lexicon's defaults (chosen there by hand, docs/music_text.md);
the classifier is trained on dev and its thresholds (alone, and in "lexicon score OR classifier
score") are picked from 5-fold cross-validated dev scores: the best dev F1 with dev precision >= 0.9. Speed on the
eval set and on a larger synthetic corpus (eval paragraphs shuffled into 2-20 KB documents), one
core. Reference in the same run: a naive loop of one compiled regex per term (what the automaton
replaces), and the quality heuristics. Last line: one JSON object.
"""

from __future__ import annotations

import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from curate.stages.music_terms import MusicTermsConfig  # noqa: E402
from curate.text.classifier import load_model, score, train  # noqa: E402
from curate.text.lexicon import load_lexicon  # noqa: E402
from curate.text.matcher import TermMatcher  # noqa: E402
from curate.text.quality import quality_stats  # noqa: E402

EVAL = Path(__file__).resolve().parents[1] / "curate" / "data" / "music_text_eval.jsonl"


def prf(pred: list[bool], gold: list[bool]) -> tuple[float, float]:
    tp = sum(p and g for p, g in zip(pred, gold, strict=True))
    return tp / (sum(pred) or 1), tp / (sum(gold) or 1)


def timed(fn, docs: list[str]) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    for d in docs:
        fn(d)
    wall = time.perf_counter() - start
    return len(docs) / wall, sum(len(d.encode()) for d in docs) / wall / 1e6


def pick_thresholds(dev: list[dict], matcher: TermMatcher) -> tuple[float, float]:
    """(classifier threshold alone, classifier threshold OR'ed with the lexicon rule) from CV scores on dev."""
    import numpy as np
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from curate.text.classifier import build_model

    gold = np.array([r["label"] == "music" for r in dev])
    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    cv = cross_val_predict(build_model(), [r["text"] for r in dev], gold, cv=folds, method="predict_proba")[:, 1]
    lexicon = np.array([lexicon_rule(matcher, r["text"]) for r in dev])
    grid = [t / 100 for t in range(30, 91)]

    def best(extra: np.ndarray) -> float:
        scored = []
        for t in grid:
            p, r = prf(list((cv >= t) | extra), list(gold))
            scored.append((p >= 0.9, 2 * p * r / ((p + r) or 1), -t))
        return -max(scored)[2]

    return best(np.zeros(len(dev), bool)), best(lexicon)


def lexicon_rule(matcher: TermMatcher, text: str) -> bool:
    cfg = MusicTermsConfig()
    m = matcher.match(text)
    return m.score >= cfg.min_score and m.strong >= cfg.min_strong and m.density >= cfg.min_density


def synthetic(texts: list[str], megabytes: float, seed: int = 0) -> list[str]:
    rng, docs, size = random.Random(seed), [], 0
    while size < megabytes * 1e6:
        doc = "\n\n".join(rng.choice(texts) for _ in range(rng.randint(10, 80)))
        docs.append(doc)
        size += len(doc.encode())
    return docs


def main() -> None:
    rows = [json.loads(line) for line in EVAL.read_text().splitlines()]
    test = [r for r in rows if r["split"] == "test"]
    dev = [r for r in rows if r["split"] == "dev"]
    gold = [r["label"] == "music" for r in test]
    cfg = MusicTermsConfig()
    matcher = TermMatcher(load_lexicon(cfg.languages), cfg.ambiguous_weight, cfg.very_ambiguous_weight)

    def rule(text: str) -> bool:
        return lexicon_rule(matcher, text)

    with tempfile.TemporaryDirectory() as tmp:
        report = train([r["text"] for r in dev], [r["label"] == "music" for r in dev], Path(tmp) / "m.joblib", "dev")
        model = load_model(report.model_path, report.sha256)
    texts = [r["text"] for r in test]
    big = synthetic([r["text"] for r in rows], 20.0)
    patterns = [re.compile(rf"\b{re.escape(t.canonical)}s?\b", re.IGNORECASE) for t in matcher.lexicon.terms]

    def naive(text: str) -> int:
        return sum(1 for p in patterns if p.search(text))

    results = []
    p, r = prf([rule(t) for t in texts], gold)
    results.append(("lexicon rule (automaton)", p, r, *timed(matcher.match, texts), *timed(matcher.match, big)))
    alone, combined = pick_thresholds(dev, matcher)
    probs = score(model, texts)
    p, r = prf([s >= alone for s in probs], gold)
    clf = lambda t: score(model, [t])  # noqa: E731
    batch_dps = len(big) / max(1e-9, _wall(lambda: score(model, big)))
    batch_mbs = sum(len(d.encode()) for d in big) / 1e6 / max(1e-9, _wall(lambda: score(model, big)))
    results.append((f"classifier >= {alone:.2f}", p, r, *timed(clf, texts), batch_dps, batch_mbs))
    both = lambda t: rule(t) or score(model, [t])[0] >= combined  # noqa: E731
    p, r = prf([rule(t) or s >= combined for t, s in zip(texts, probs, strict=True)], gold)
    results.append((f"lexicon OR classifier >= {combined:.2f}", p, r, *timed(both, texts), float("nan"), float("nan")))
    small_big = big[: max(1, len(big) // 20)]
    results.append(("reference: regex per term", float("nan"), float("nan"), *timed(naive, texts[:100]),
                    *timed(naive, small_big)))  # fmt: skip
    results.append(("quality heuristics", float("nan"), float("nan"), *timed(quality_stats, texts),
                    *timed(quality_stats, small_big)))  # fmt: skip
    print(f"eval test split: {len(test)} paragraphs ({sum(gold)} music); synthetic: {len(big)} docs, "
          f"{sum(len(d.encode()) for d in big) / 1e6:.1f} MB; one core, machine shared with other work")  # fmt: skip
    head = ("method", "prec", "recall", "eval doc/s", "eval MB/s", "big doc/s", "big MB/s")
    print(f"{head[0]:34} {head[1]:>6} {head[2]:>6} {head[3]:>11} {head[4]:>9} {head[5]:>10} {head[6]:>9}")
    for name, p, r, d1, m1, d2, m2 in results:
        print(f"{name:34} {p:6.3f} {r:6.3f} {d1:11.0f} {m1:9.2f} {d2:10.0f} {m2:9.2f}")
    lex, cls, mix = results[0], results[1], results[2]
    print(json.dumps({
        "precision": round(lex[1], 4), "recall": round(lex[2], 4), "mb_per_s": round(lex[6], 2),
        "docs_per_s": round(lex[5], 1), "classifier_precision": round(cls[1], 4),
        "classifier_recall": round(cls[2], 4), "classifier_mb_per_s": round(cls[6], 2),
        "classifier_threshold": alone, "combined_precision": round(mix[1], 4), "combined_recall": round(mix[2], 4),
        "combined_classifier_threshold": combined,
        "quality_mb_per_s": round(results[4][6], 2), "regex_per_term_mb_per_s": round(results[3][6], 3),
        "test_rows": len(test),
    }))  # fmt: skip


def _wall(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
