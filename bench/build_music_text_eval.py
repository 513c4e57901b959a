"""Build `curate/data/music_text_eval.jsonl`: real paragraphs labelled music / other, offline.

Labels come from the source, never from the lexicon (that would make precision/recall circular):
- music: prose of music21's docstrings (music-theory and notation modules only), the docstrings of
  the `mingus` theory package (its sdist, read as text, not imported), and Debian's abcmidi manuals
  (`abcguide.txt`, man pages of abc2midi, abc2abc, midi2abc, abcm2ps, yaps, abcmatch);
- other: Python's standard library docstrings and those of other installed packages (numpy,
  pyarrow, click, pydantic, yaml, sklearn), audio/sound modules left out;
- hard: non-music paragraphs from those same sources that use music-ambiguous words (key, scale,
  band, bass, pitch, note, bar, rest, score, measure, track, record...), labelled other by source,
  plus `hard_cases.jsonl` beside this script: short texts written and labelled by hand.

Label review (docs/music_text.md, "Label policy"): a music-labelled paragraph of library docs or
manuals that is about software only (API mechanics, parsing, files, versions, licences) with no
musical content is relabelled `other`, first by `LABEL_RULES` (hand-written patterns of software
housekeeping, never the lexicon), then by `music_text_hand_labels.jsonl` beside this script
(decisions by id after reading every such paragraph; they override the rules both ways).
`label_by` says which: source, rule:<name> or hand.

Run: `python bench/build_music_text_eval.py [--mingus mingus-x.tar.gz]` (needs `apt-get install
abcmidi abcm2ps` for the Debian manuals; a missing source is reported and skipped). Deterministic:
paragraphs are picked by a hash of their text. The `split` column (dev/test, by hash) lets
thresholds be tuned on dev and reported on test.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import importlib.util
import json
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from curate.hashing import digest  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "curate" / "data" / "music_text_eval.jsonl"
HARD = Path(__file__).resolve().parent / "hard_cases.jsonl"
HAND_LABELS = Path(__file__).resolve().parent / "music_text_hand_labels.jsonl"
MUSIC21_MODULES = (
    "analysis", "articulations", "bar", "beam", "chord", "clef", "dynamics", "expressions", "figuredBass",
    "harmony", "instrument", "interval", "key", "meter", "note", "pitch", "repeat", "roman", "romanText",
    "scale", "spanner", "tempo", "tie", "voiceLeading", "abcFormat", "humdrum", "tinyNotation", "duration",
    "chordTables", "counterpoint", "alpha",
)  # fmt: skip
OTHER_PACKAGES = ("numpy", "pyarrow", "click", "pydantic", "yaml", "sklearn", "email", "http", "json", "sqlite3")
NOT_MUSIC_STDLIB = {"wave", "audioop", "sunau", "aifc", "chunk", "sndhdr", "ossaudiodev", "winsound", "test", "idlelib"}
AMBIGUOUS = re.compile(
    r"\b(key|keys|scale|scales|band|bands|bass|pitch|note|notes|bar|bars|rest|score|scores|measure|measures|"
    r"track|tracks|record|records|chord|harmony|tempo|staff|beat|beats|compose|composition|tone|octave|mode)\b",
    re.IGNORECASE,
)
PER_ORIGIN = {"music21": 230, "debian-abcmidi": 90, "mingus": 70, "python-stdlib": 230, "python-packages": 60}
HARD_FROM_DOCS = 80
REVIEWED_ORIGINS = ("music21", "mingus", "debian-abcmidi")  # music by source, but software documentation
# Software housekeeping: a paragraph matching one of these talks about the code, not the music.
LABEL_RULES = {
    "licence": re.compile(r"GNU General Public License|without any warranty", re.IGNORECASE),
    "bug_report": re.compile(r"report any bugs|used for debugging", re.IGNORECASE),
    "api_housekeeping": re.compile(
        r"\b(immutable|deprecation|backwards?[- ]compatib\w*|alias for|refactoring|weakrefs?)\b", re.IGNORECASE
    ),
    "parser_internals": re.compile(r"\b(HumdrumLine|HumdrumSpine|ProtoSpines?|EventCollections?|eventList)\b"),
    "package_layout": re.compile(r"\b(this directory|files in this package|module/directory)\b", re.IGNORECASE),
    "print_output": re.compile(r"\b(PostScript|bounding box|SVG images?)\b"),
}


def paragraphs(text: str) -> Iterator[str]:
    """Prose paragraphs: blank-line blocks without doctest/code lines, 25-300 words, mostly letters."""
    for block in re.split(r"\n\s*\n", text):
        lines = [ln.strip() for ln in block.splitlines()]
        if any(ln.startswith((">>>", "...", "$ ", "%", "X:", "K:", "|", "def ", "class ", "import ")) for ln in lines):
            continue
        para = " ".join(ln for ln in lines if ln)
        words = para.split()
        if not 25 <= len(words) <= 300:
            continue
        letters = sum(c.isalpha() or c.isspace() for c in para)
        if letters < 0.85 * len(para) or para.count("=") > 2 or para.count("(") > 6:
            continue
        yield para


def docstrings(source: str) -> Iterator[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node)
            if doc:
                yield doc


def package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.origin:
        return None
    return Path(spec.origin).parent


def from_python_files(files: list[Path], root: Path, origin: str, label: str) -> Iterator[dict[str, str]]:
    for path in sorted(files):
        for doc in docstrings(path.read_text(encoding="utf-8", errors="replace")):
            for para in paragraphs(doc):
                yield {"text": para, "label": label, "origin": origin, "source": path.relative_to(root).as_posix()}


def music21_rows() -> Iterator[dict[str, str]]:
    root = package_dir("music21")
    if root is None:
        return
    files = [p for m in MUSIC21_MODULES for p in [root / f"{m}.py", *sorted((root / m).glob("*.py"))] if p.is_file()]
    files = [p for p in files if "test" not in p.name.lower()]
    yield from from_python_files(files, root.parent, "music21", "music")


def mingus_rows(archive: Path | None) -> Iterator[dict[str, str]]:
    if archive is None or not archive.is_file():
        print(f"skip mingus: no sdist given ({archive})", file=sys.stderr)
        return
    with tarfile.open(archive) as tar:
        for member in sorted(tar.getmembers(), key=lambda m: m.name):
            if member.name.endswith(".py") and ("/mingus/core/" in member.name or "/mingus/containers/" in member.name):
                data = tar.extractfile(member)
                if data is None or not member.name.endswith(".py"):
                    continue
                for doc in docstrings(data.read().decode("utf-8", errors="replace")):
                    for para in paragraphs(doc):
                        source = member.name.split("/", 1)[1]
                        yield {"text": para, "label": "music", "origin": "mingus", "source": source}


def debian_rows() -> Iterator[dict[str, str]]:
    doc = Path("/usr/share/doc/abcmidi")
    texts: list[tuple[str, str]] = []
    for name in ("abcguide.txt.gz", "readme.txt.gz", "abcmatch.txt.gz", "yapshelp.txt.gz"):
        if (doc / name).is_file():
            with gzip.open(doc / name, "rt", errors="replace") as f:
                texts.append((f"abcmidi/{name}", f.read()))
    env = {**os.environ, "MANWIDTH": "2000"}
    for page in ("abc2midi", "abc2abc", "midi2abc", "abcm2ps", "yaps", "abcmatch", "midicopy"):
        found = subprocess.run(["man", "-P", "cat", page], capture_output=True, text=True, env=env, check=False)
        if found.returncode == 0:
            texts.append((f"man:{page}", found.stdout))
    if not texts:
        print("skip Debian manuals: apt-get install abcmidi abcm2ps", file=sys.stderr)
    for source, text in texts:
        for para in paragraphs(text):
            yield {"text": para, "label": "music", "origin": "debian-abcmidi", "source": source}


def stdlib_rows() -> Iterator[dict[str, str]]:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = [
        p for p in root.rglob("*.py")
        if "site-packages" not in p.parts and p.relative_to(root).parts[0].removesuffix(".py") not in NOT_MUSIC_STDLIB
    ]  # fmt: skip
    yield from from_python_files(files, root, "python-stdlib", "other")


def package_rows() -> Iterator[dict[str, str]]:
    for name in OTHER_PACKAGES:
        root = package_dir(name)
        if root is None or "site-packages" not in root.parts:
            continue
        files = [p for p in root.rglob("*.py") if "tests" not in p.parts]
        yield from from_python_files(files, root.parent, "python-packages", "other")


def review_label(row: dict[str, str], hand: dict[str, dict[str, str]]) -> tuple[str, str]:
    """(label, label_by) after the label policy: hand decision > rule > source."""
    decided = hand.get(row["id"])
    if decided is not None:
        return decided["label"], "hand-review"
    if row["label"] == "music" and row["origin"] in REVIEWED_ORIGINS:
        for name, pattern in LABEL_RULES.items():
            if pattern.search(row["text"]):
                return "other", f"rule:{name}"
    return row["label"], row["label_by"]


def pick(rows: list[dict[str, str]], n: int) -> list[dict[str, str]]:
    unique = {r["text"]: r for r in rows}
    return sorted(unique.values(), key=lambda r: digest(r["text"]))[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mingus", type=Path, default=None, help="mingus sdist (pip download mingus)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    pools = {
        "music21": list(music21_rows()),
        "debian-abcmidi": list(debian_rows()),
        "mingus": list(mingus_rows(args.mingus)),
        "python-stdlib": list(stdlib_rows()),
        "python-packages": list(package_rows()),
    }
    chosen: list[dict[str, str]] = []
    for origin, n in PER_ORIGIN.items():
        chosen += pick(pools[origin], n)
    taken = {r["text"] for r in chosen}
    hard_pool = [r for o in ("python-stdlib", "python-packages") for r in pools[o] if r["text"] not in taken]
    hard_pool = [r for r in hard_pool if len(set(m.lower() for m in AMBIGUOUS.findall(r["text"]))) >= 2]
    hard = [{**r, "hard": True} for r in pick(hard_pool, HARD_FROM_DOCS)]
    by_hand = [json.loads(line) for line in HARD.read_text().splitlines() if line.strip()]
    rows = []
    for r in chosen + hard + by_hand:
        rows.append({
            "id": f"eval:{digest(r['text'])[:16]}",
            "text": r["text"],
            "label": r["label"],
            "origin": r["origin"],
            "source": r.get("source", "hand"),
            "label_by": r.get("label_by", "source"),
            "hard": bool(r.get("hard", False)),
            "split": "dev" if int(digest("split", r["text"])[:8], 16) % 2 else "test",
        })  # fmt: skip
    hand = {d["id"]: d for d in (json.loads(ln) for ln in HAND_LABELS.read_text().splitlines() if ln.strip())}
    for row in rows:
        row["label"], row["label_by"] = review_label(row, hand)
    rows.sort(key=lambda r: r["id"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    counts = {f"{o}/{lab}": sum(r["origin"] == o and r["label"] == lab for r in rows) for o, lab in
              sorted({(r["origin"], r["label"]) for r in rows})}  # fmt: skip
    relabelled = {by: sum(r["label_by"] == by for r in rows) for by in sorted({r["label_by"] for r in rows})}
    sizes = {k: len(v) for k, v in pools.items()}
    print(json.dumps({"rows": len(rows), "label_by": relabelled, "pools": sizes, **counts}))


if __name__ == "__main__":
    main()
