"""Report benchmark: time and size of `curate report` for a finished version, against reading every
table whole (what a report embedding whole tables would at least cost) in the same run.

    python bench/report.py                                   # the demo (run first if missing)
    python bench/report.py --root bench/out/scale/store-local --release scale/1   # after bench/scale.py
    python bench/report.py --screenshots docs                # also the demo screenshots for docs/
    python bench/report.py --root ... --release scale/1 --replicate 10   # every shard listed 10 times

`--replicate N` reports on a copy of the version whose manifest lists every shard (tables and rejects) N
times (hard links, no extra disk): tables N times as long, with repeated ids. It measures the report at a
size the machine could not build here (e.g. the 1M-song benchmark's from its 100k-song run).

Ends with one JSON line: `release`, `rows`, `report_s` (wall), `report_cpu_s` (the report process's CPU,
less sensitive to other jobs on the machine), `report_mb`, `files`, `read_all_s`, `data_mb`.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from PIL import Image

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out" / "report"
SHOTS = {"report-funnel.png": ("index.html", 1100), "report-scores.png": ("table-scores.html", 900),
         "report-rejects.png": ("rejects.html", 900)}  # fmt: skip


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _demo(root: Path) -> None:
    if (root / "demo" / "0.1.0" / "manifest.json").is_file():
        return
    cmd = [sys.executable, "-m", "curate.cli", "run", str(REPO / "pipelines" / "demo.yaml"), "--root", str(root),
           "--manifests", str(OUT / "manifests"), "--workers", "2"]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)


def _screenshot(page: Path, out: Path, height: int) -> None:
    """A small PNG of the page's top (Chromium's own --screenshot; palette PNG to keep docs light)."""
    with tempfile.TemporaryDirectory() as tmp:
        shot = Path(tmp) / "shot.png"
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--user-data-dir={tmp}/profile", f"--screenshot={shot}", f"--window-size=1280,{height}",
                        page.as_uri()], check=True, capture_output=True, timeout=120)  # fmt: skip
        image = Image.open(io.BytesIO(shot.read_bytes())).convert("RGB").quantize(colors=64)
        image.save(out, optimize=True)


def replicate(root: Path, release: str, times: int) -> str:
    """A version `<version>x<times>` listing every shard of `release` `times` times; returns its name."""
    dataset, version = release.split("/")
    source, name = root / dataset / version, f"{version}x{times}"
    target = root / dataset / name
    shutil.rmtree(target, ignore_errors=True)
    manifest = json.loads((source / "manifest.json").read_text())

    def copies(shards: list[dict]) -> list[dict]:
        out = []
        for shard in shards:
            for k in range(times):
                path = shard["path"].replace(".parquet", f"-r{k}.parquet")
                (target / path).parent.mkdir(parents=True, exist_ok=True)
                (target / path).hardlink_to(source / shard["path"])
                out.append({**shard, "path": path})
        return out

    for table in [*manifest["tables"].values(), manifest["rejects"]]:
        table["shards"] = copies(table["shards"])
        table["rows"] *= times
    for step in manifest["steps"]:
        step["rows_in"], step["rows_out"] = step["rows_in"] * times, step["rows_out"] * times
        step["rejected"] = {r: n * times for r, n in step["rejected"].items()}
    manifest["version"] = name
    (target / "manifest.json").write_text(json.dumps(manifest))
    return f"{dataset}/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=OUT / "store")
    parser.add_argument("--release", default="demo/0.1.0")
    parser.add_argument("--screenshots", type=Path, default=None, help="Write the docs screenshots here.")
    parser.add_argument("--replicate", type=int, default=1, help="List every shard N times (see above).")
    args = parser.parse_args()
    if args.replicate > 1:
        args.release = replicate(args.root, args.release, args.replicate)

    if args.release == "demo/0.1.0":
        _demo(args.root)
    report = OUT / "pages" / args.release.replace("/", "-")
    cmd = [sys.executable, "-m", "curate.cli", "report", args.release, "--root", str(args.root), "--out", str(report)]
    started, before = time.perf_counter(), _children_cpu()
    subprocess.run(cmd, check=True, capture_output=True)
    report_s, report_cpu_s = time.perf_counter() - started, _children_cpu() - before
    files = [p for p in report.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)

    manifest = json.loads((args.root / args.release / "manifest.json").read_text())
    shards = [args.root / args.release / s["path"] for t in manifest["tables"].values() for s in t["shards"]]
    started = time.perf_counter()
    rows = sum(pl.read_parquet(s).height for s in shards)  # one file at a time: bounded memory
    read_all_s = time.perf_counter() - started
    data = sum(s.stat().st_size for s in shards)

    largest = max(files, key=lambda p: p.stat().st_size)
    print(f"{args.release}: {len(manifest['tables'])} tables, {rows:,} rows, {data / 1e6:,.1f} MB of Parquet")
    print(f"{'what':<34}{'wall s':>10}{'CPU s':>10}{'MB':>10}")
    print(f"{'curate report (sampled pages)':<34}{report_s:>10.1f}{report_cpu_s:>10.1f}{size / 1e6:>10.2f}")
    print(f"{'read every table whole (ref.)':<34}{read_all_s:>10.1f}{'':>10}{data / 1e6:>10.1f}")
    print(f"largest page: {largest.name} ({largest.stat().st_size / 1e6:.2f} MB)")
    if args.screenshots:
        for name, (page, height) in SHOTS.items():
            _screenshot(report / page, args.screenshots / name, height)
            print(f"screenshot: {args.screenshots / name}")
    shutil.rmtree(OUT / "manifests", ignore_errors=True)
    print(json.dumps({"release": args.release, "rows": rows, "report_s": round(report_s, 1),
                      "report_cpu_s": round(report_cpu_s, 1),
                      "report_mb": round(size / 1e6, 2), "files": len(files), "read_all_s": round(read_all_s, 1),
                      "data_mb": round(data / 1e6, 1)}))  # fmt: skip


if __name__ == "__main__":
    main()
