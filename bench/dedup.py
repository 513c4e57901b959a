"""Benchmark: curate's MinHash dedup against datasketch on prose + ABC with planted near-duplicates.

    python bench/dedup.py                  # 20,000+ documents, side by side with datasketch
    python bench/dedup.py --scale 1000000  # peak memory of curate alone on 1M synthetic documents

Ground truth: exact Jaccard of shingle sets over every pair that a high-recall banding (25 bands x
5 rows, another seed; misses a 0.8 pair with probability ~5e-5) or the planting proposes.
Each side runs in its own process so peak RSS is its own. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute

from curate.dedup import normalize
from curate.dedup.clusters import components
from curate.dedup.minhash import band_hashes
from curate.dedup.near import MinHashParams, compute, find_pairs, signature_shard
from curate.dedup.shingles import python_shingles

THRESHOLD = 0.8


def abc_tunes(limit: int) -> list[str]:
    import music21

    tunes: list[str] = []
    for path in sorted(music21.corpus.getPaths(fileExtensions=["abc"])):
        raw = Path(path).read_bytes()
        text = raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode("utf-8", "replace")
        tunes += ["X:" + t for t in text.split("\nX:")[1:] if t.strip()]
        if len(tunes) >= limit:
            break
    return tunes[:limit]


def prose(rng: random.Random, vocab: list[str]) -> str:
    return " ".join(rng.choice(vocab) for _ in range(rng.randrange(40, 120)))


def mutate_words(rng: random.Random, text: str) -> str:
    tokens = text.split()
    for i in rng.sample(range(len(tokens)), rng.choice([1, 1, 2, 3, 6])):
        tokens[i] = f"x{rng.randrange(10**6)}"
    return " ".join(tokens)


def mutate_abc(rng: random.Random, tune: str) -> str:
    head, _, body = tune.partition("K:")
    chars = list(body)
    for _ in range(rng.choice([1, 2, 3, 8])):
        i = rng.randrange(len(chars))
        chars[i] = rng.choice("abcdefgABCDEFG")
    return "X:99\nT:copy\n" + "K:" + "".join(chars)


def corpus(n_half: int, seed: int = 0) -> dict[str, list[str]]:
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(20_000)]
    planted = n_half // 10
    text = [prose(rng, vocab) for _ in range(n_half - planted)]
    text += [mutate_words(rng, text[rng.randrange(len(text))]) for _ in range(planted)]
    tunes = abc_tunes(n_half - planted)
    tunes += [mutate_abc(rng, tunes[rng.randrange(len(tunes))]) for _ in range(planted)]
    return {"text": text, "abc": tunes}


def params(kind: str, **kw: object) -> MinHashParams:
    return MinHashParams(kind=kind, ngram=5 if kind == "text" else 7, **kw)  # type: ignore[arg-type]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_curate(docs: dict[str, list[str]], workdir: str, anchors: int = 2) -> dict:
    found: dict[str, np.ndarray] = {}
    sig_s = lsh_s = 0.0
    per_kind: dict[str, float] = {}
    for kind, texts in docs.items():
        p, arr = params(kind, anchors=anchors), pa.array(texts)
        compute(p, arr.slice(0, 10))  # compile outside the clock (numba caches to disk anyway)
        started = time.perf_counter()
        dirs = [
            signature_shard(p, Path(workdir) / f"{kind}{lo}", arr.slice(lo, 10_000), np.arange(lo, lo + 10_000))
            for lo in range(0, len(texts), 10_000)
        ]
        took = time.perf_counter() - started
        sig_s += took
        per_kind[kind] = len(texts) / took
        started = time.perf_counter()
        pairs, _ = find_pairs(p, dirs, len(texts))
        components(len(texts), pairs, np.arange(len(texts)))
        lsh_s += time.perf_counter() - started
        found[kind] = pairs
    n = sum(len(t) for t in docs.values())
    return {"sig_dps": n / sig_s, "lsh_dps": n / lsh_s, "pairs": found, "rss": rss_mb(), "per_kind": per_kind}


def run_datasketch(docs: dict[str, list[str]]) -> dict:
    from datasketch import MinHash, MinHashLSH

    found: dict[str, np.ndarray] = {}
    sig_s = lsh_s = 0.0
    for kind, texts in docs.items():
        p = params(kind)
        started = time.perf_counter()
        norm = normalize.apply(texts, kind)  # type: ignore[arg-type]
        sigs = MinHash.bulk([python_shingles(t, p.kind, p.ngram) for t in norm], num_perm=128)
        sig_s += time.perf_counter() - started
        started = time.perf_counter()
        index = MinHashLSH(threshold=THRESHOLD, num_perm=128)
        for i, m in enumerate(sigs):
            index.insert(i, m)
        pairs = {(min(i, j), max(i, j)) for i, m in enumerate(sigs) for j in index.query(m) if j != i}
        lsh_s += time.perf_counter() - started
        found[kind] = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    n = sum(len(t) for t in docs.values())
    return {"sig_dps": n / sig_s, "lsh_dps": n / lsh_s, "pairs": found, "rss": rss_mb()}


def bucket_pairs(keys: np.ndarray) -> np.ndarray:
    """Every pair of documents sharing a key (all pairs of each bucket, not a star)."""
    order = np.argsort(keys, kind="stable")
    cuts = np.flatnonzero(np.diff(keys[order])) + 1
    pairs = [
        (group[i], group[j])
        for group in np.split(order, cuts)
        if len(group) > 1
        for i in range(len(group))
        for j in range(i + 1, len(group))
    ]
    return np.sort(np.array(pairs, dtype=np.int64).reshape(-1, 2), axis=1)


class Sets:
    """Exact Jaccard from plain Python sets of shingles: the reference the tools are judged by."""

    def __init__(self, texts: list[str], kind: str) -> None:
        n = 5 if kind == "text" else 7
        self.sets = [set(python_shingles(t, kind, n)) for t in normalize.apply(texts, kind)]  # type: ignore[arg-type]

    def jaccard(self, i: int, j: int) -> float:
        a, b = self.sets[i], self.sets[j]
        return len(a & b) / len(a | b) if a or b else 1.0


def truth(texts: list[str], kind: str, sets: Sets, extra: list[np.ndarray]) -> set[tuple[int, int]]:
    """Pairs with exact Jaccard >= THRESHOLD among those a 25x5 banding (another seed) or either tool proposes."""
    p = params(kind, seed=12345, bands=25, rows=5)
    hashes, starts, sigs = compute(p, pa.array(texts))
    nonempty = np.flatnonzero(np.diff(starts) > 0)
    keys = band_hashes(sigs[nonempty], p.bands, p.rows)
    proposed = [nonempty[bucket_pairs(keys[b])] for b in range(p.bands)]
    candidates = np.unique(np.concatenate([*proposed, *extra]), axis=0)
    return {(i, j) for i, j in candidates.tolist() if sets.jaccard(i, j) >= THRESHOLD}


def clusters(n: int, pairs: np.ndarray) -> list[np.ndarray]:
    root = components(n, pairs, np.arange(n))
    order = np.argsort(root, kind="stable")
    groups = np.split(order, np.flatnonzero(np.diff(root[order])) + 1)
    return [g for g in groups if len(g) > 1]


def scores(found: dict[str, np.ndarray], gt: dict[str, set], sets: dict[str, Sets], sizes: dict[str, int]) -> dict:
    """Edge precision (reported pairs that are true), and per cluster: recall (true pairs that end in one
    cluster, so one of them is dropped) and precision (pairs put in one cluster that are true pairs)."""
    edges_true = edges = true_joined = joined = joined_true = 0
    for kind, truth_pairs in gt.items():
        edges += len(found[kind])
        edges_true += sum(sets[kind].jaccard(i, j) >= THRESHOLD for i, j in found[kind].tolist())
        member = np.full(sizes[kind], -1)
        for c, group in enumerate(clusters(sizes[kind], found[kind])):
            member[group] = c
            g = sorted(group.tolist())
            pairs = [(a, b) for x, a in enumerate(g) for b in g[x + 1 :]]
            joined += len(pairs)
            joined_true += sum((a, b) in truth_pairs or sets[kind].jaccard(a, b) >= THRESHOLD for a, b in pairs)
        true_joined += sum(member[i] >= 0 and member[i] == member[j] for i, j in truth_pairs)
    actual = sum(len(v) for v in gt.values())
    return {
        "edge_precision": edges_true / max(edges, 1),
        "precision": joined_true / max(joined, 1),
        "recall": true_joined / max(actual, 1),
    }


def synthetic_batch(rng: np.random.Generator, n: int, vocab: pa.Array, planted: float = 0.05) -> pa.Array:
    """n prose documents of 40-120 words (numpy + Arrow, so generating is not what is timed); a `planted`
    share are copies of earlier documents of the batch with 1 to 6 words replaced."""
    copies = int(n * planted)
    lengths = rng.integers(40, 121, n - copies)
    words = rng.integers(0, len(vocab) - 1000, int(lengths.sum()))
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    sources = rng.integers(0, n - copies, copies)
    copy_lengths = lengths[sources]
    copy_offsets = np.concatenate([[0], np.cumsum(copy_lengths)])
    gather = np.repeat(offsets[sources] - copy_offsets[:-1], copy_lengths) + np.arange(copy_offsets[-1])
    copied = words[gather]
    changes = rng.choice([1, 1, 2, 3, 6], copies)
    doc = np.repeat(np.arange(copies), changes)
    at = copy_offsets[doc] + (rng.random(len(doc)) * copy_lengths[doc]).astype(np.int64)
    copied[at] = len(vocab) - 1000 + rng.integers(0, 1000, len(doc))
    words = np.concatenate([words, copied])
    offsets = np.concatenate([offsets, offsets[-1] + copy_offsets[1:]])
    tokens = pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), vocab.take(pa.array(words)))
    return pa.compute.binary_join(tokens, " ")


def scale(n: int, workdir: Path) -> dict:
    """n synthetic prose documents, 100k per signature shard, band by band: rates and peak RSS of curate alone."""
    rng = np.random.default_rng(1)
    vocab = pa.array([f"w{i}" for i in range(50_000)])
    p, dirs, batch = params("text"), [], 100_000
    compute(p, pa.array(["warm up the compiled functions"]))
    sig_s = 0.0
    for lo in range(0, n, batch):
        texts = synthetic_batch(rng, min(batch, n - lo), vocab)
        started = time.perf_counter()
        dirs.append(signature_shard(p, workdir / f"s{lo}", texts, np.arange(lo, lo + len(texts))))
        sig_s += time.perf_counter() - started
    started = time.perf_counter()
    pairs, _ = find_pairs(p, dirs, n)
    keeper = components(n, pairs, np.arange(n))
    lsh_s = time.perf_counter() - started
    return {
        "docs": n,
        "sig_s": sig_s,
        "lsh_s": lsh_s,
        "pairs": len(pairs),
        "dropped": int((keeper != np.arange(n)).sum()),
        "peak_rss_mb": rss_mb(),
    }


def stage_run(n: int, workdir: Path, workers: int) -> dict:
    """n synthetic rows through the real `dedup_minhash` stage (read -> dedup, local executor): the peak RSS
    includes what the framework holds (the input scan, the kept rows as one table, shard writing)."""
    import pyarrow.parquet as pq
    import yaml

    from curate.executors import LocalExecutor
    from curate.pipeline import load_pipeline
    from curate.runner import run_pipeline

    rng, vocab = np.random.default_rng(2), pa.array([f"w{i}" for i in range(50_000)])
    (workdir / "in").mkdir()
    for lo in range(0, n, 100_000):
        texts = synthetic_batch(rng, min(100_000, n - lo), vocab)
        ids = pa.array([f"doc-{i:08d}" for i in range(lo, lo + len(texts))])
        pq.write_table(pa.table({"id": ids, "text": texts}), workdir / "in" / f"part-{lo:09d}.parquet")
    doc = {
        "dataset": "bench",
        "version": "1",
        "inputs": {"rows": {"path": "in"}},
        "steps": [
            {"name": "raw", "stage": "read", "input": "rows", "config": {"format": "parquet"}},
            {"name": "dedup", "stage": "dedup_minhash", "input": "raw", "config": {"columns": ["text"]}},
        ],
    }
    (workdir / "p.yaml").write_text(yaml.safe_dump(doc))
    started = time.perf_counter()
    result = run_pipeline(load_pipeline(workdir / "p.yaml"), workdir / "store", LocalExecutor(workers))
    step = next(s for s in result.manifest["steps"] if s["name"] == "dedup")
    return {"docs": n, "wall_s": time.perf_counter() - started, "rows_out": step["rows_out"], "peak_rss_mb": rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--scale", type=int, default=0)
    parser.add_argument("--stage", action="store_true", help="with --scale: through the real stage and runner")
    parser.add_argument("--workers", type=int, default=1, help="with --stage: the executor's workers")
    parser.add_argument("--anchors", type=int, default=2, help="bucket members each document is verified against")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.scale and args.stage:
            out = stage_run(args.scale, Path(tmp), args.workers)
            print(f"{out['docs']:,} rows read + dedup_minhash in {out['wall_s']:.1f} s, {out['rows_out']:,} kept")
            print(f"peak RSS {out['peak_rss_mb']:,.0f} MB (this process; the global step runs in it)")
            print(json.dumps(out))
            return
        if args.scale:
            out = scale(args.scale, Path(tmp))
            print(f"{out['docs']:,} docs: signatures {out['docs'] / out['sig_s']:,.0f} docs/s")
            print(f"LSH+clusters {out['docs'] / out['lsh_s']:,.0f} docs/s, {out['pairs']:,} pairs")
            print(f"peak RSS {out['peak_rss_mb']:,.0f} MB")
            print(
                json.dumps(
                    {
                        **out,
                        "signature_docs_per_s": out["docs"] / out["sig_s"],
                        "lsh_docs_per_s": out["docs"] / out["lsh_s"],
                    }
                )
            )
            return
        docs = corpus(args.docs // 2)
        ctx = get_context("spawn")
        with ProcessPoolExecutor(1, mp_context=ctx) as pool:
            ours = pool.submit(run_curate, docs, tmp, args.anchors).result()
        with ProcessPoolExecutor(1, mp_context=ctx) as pool:
            theirs = pool.submit(run_datasketch, docs).result()
        sets = {k: Sets(docs[k], k) for k in docs}
        gt = {k: truth(docs[k], k, sets[k], [ours["pairs"][k], theirs["pairs"][k]]) for k in docs}
        sizes = {k: len(v) for k, v in docs.items()}
        mine, ref = scores(ours["pairs"], gt, sets, sizes), scores(theirs["pairs"], gt, sets, sizes)
        p1, r1, p2, r2 = mine["precision"], mine["recall"], ref["precision"], ref["recall"]
        n = sum(len(v) for v in docs.values())
        print(f"{n:,} documents ({len(docs['text']):,} prose, {len(docs['abc']):,} ABC), one process each")
        print(f"{sum(map(len, gt.values())):,} true pairs with exact Jaccard >= {THRESHOLD}")
        print(f"{'':28}{'curate':>14}{'datasketch':>14}")
        for label, a, b in [
            ("signature docs/s", ours["sig_dps"], theirs["sig_dps"]),
            ("  prose only", ours["per_kind"]["text"], float("nan")),
            ("  ABC only", ours["per_kind"]["abc"], float("nan")),
            ("LSH + clustering docs/s", ours["lsh_dps"], theirs["lsh_dps"]),
            ("precision (cluster pairs)", p1, p2),
            ("recall (cluster pairs)", r1, r2),
            ("precision (reported pairs)", mine["edge_precision"], ref["edge_precision"]),
            ("peak RSS MB", ours["rss"], theirs["rss"]),
        ]:
            print(f"{label:28}{a:>14,.3f}{b:>14,.3f}" if a < 10 else f"{label:28}{a:>14,.0f}{b:>14,.0f}")
        summary = {"docs": n, "precision": round(p1, 4), "recall": round(r1, 4)}
        summary |= {"signature_docs_per_s": round(ours["sig_dps"]), "lsh_docs_per_s": round(ours["lsh_dps"])}
        summary |= {"peak_rss_mb": round(ours["rss"]), "datasketch_peak_rss_mb": round(theirs["rss"])}
        summary |= {"datasketch_signature_docs_per_s": round(theirs["sig_dps"])}
        summary |= {"datasketch_lsh_docs_per_s": round(theirs["lsh_dps"])}
        summary |= {"datasketch_precision": round(p2, 4), "datasketch_recall": round(r2, 4)}
        summary |= {"edge_precision": round(mine["edge_precision"], 4), "anchors": args.anchors}
        summary |= {"prose_signature_docs_per_s": round(ours["per_kind"]["text"])}
        summary |= {"abc_signature_docs_per_s": round(ours["per_kind"]["abc"])}
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
