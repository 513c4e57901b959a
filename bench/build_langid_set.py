"""Build `bench/langid_real.jsonl`: real translated text in 77 languages, labelled by its catalog (see langid_real.md).

Source: the gettext message catalogs (`.po`) that ship inside two PyPI wheels, Django and Sphinx (both
BSD licensed; translations by their translator communities, see `bench/langid_real.md`). The label is
the catalog's locale, folded to ISO 639-1 (zh_Hans/zh_Hant -> zh, pt_BR -> pt, sr_Latn -> sr, nb/nn -> no,
...); English samples are the catalogs' source strings (msgid). Nothing is generated or translated here.

Catalog strings are short (menu items, error messages), so consecutive translated strings of one catalog
are joined with newlines until a sample holds at least `MIN_CHARS` characters (like a description with a
few lines). Kept as they are: words in Latin letters inside other scripts (URL, JSON, PostgreSQL, Python),
which are what makes real text hard. Removed: printf/format placeholders (`%(name)s`, `{0}`) and HTML tags,
which are markup, not words; fuzzy and untranslated entries (msgstr empty or equal to msgid).

Each language gets at most `PER_LANG` samples (the longer-lined half of the candidates first, then by a hash of
the sample, so deterministic), half `dev`
(tune on it) and half `test` (report on it). Languages without an ISO 639-1 code (kab, ckb, hsb, ast...)
and those with too little translated text are left out; the run prints what was kept and dropped.

Run: `python bench/build_langid_set.py` (downloads the two pinned wheels with `pip download`), or pass
`--wheels DIR` holding them.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from curate.hashing import digest  # noqa: E402

OUT = Path(__file__).resolve().parent / "langid_real.jsonl"
WHEELS = {"django": "5.2.19", "sphinx": "9.0.4"}
MIN_CHARS, MAX_CHARS = 120, 280
PER_LANG, MIN_PER_LANG = 26, 12

# locale -> ISO 639-1 where the base code is not already one (or must be folded)
FOLD = {"nb": "no", "nn": "no", "yue": "zh"}
# base codes that are ISO 639-1; anything else (kab, ckb, hsb, dsb, ast, udm, cak...) is left out, and so are
# Ido (io) and Ossetian (os), which neither cld2 nor py3langid can name
_ISO1_CODES = (
    "af ar az be bg bn br bs ca cs cy da de el en eo es et eu fa fi fr fy ga gd gl he hi hr hu hy ia id ig is "
    "it ja ka kk km kn ko ky lb lt lv mk ml mn mr ms my ne nl no pa pl pt ro ru si sk sl sq sr sv sw ta te tg th "
    "tk tr tt ug uk ur uz vi zh"
)
ISO1 = frozenset(_ISO1_CODES.split())
PLACEHOLDER = re.compile(r"%\([^)]*\)[-+ #0-9.]*[a-zA-Z]|%[-+ #0-9.]*[sdifrxXeEgGc%]|\{[^{}\s]*\}|<[^<>]+>|&\w+;")
EMPTY_QUOTES = re.compile(r"[“”\"'«»„‘’「『]\s*[“”\"'«»“‘’」』]")  # what a removed placeholder leaves
SPACES = re.compile(r"[ \t]+")


def language_of(locale: str) -> str | None:
    base = re.split(r"[_@.-]", locale)[0].lower()
    base = FOLD.get(base, base)
    return base if base in ISO1 else None


def _unquote(s: str) -> str:
    body = s.strip()[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def po_entries(text: str) -> Iterator[tuple[str, str]]:
    """(msgid, msgstr) of each translated, non-fuzzy entry, in file order; msgstr[0] for plurals."""
    for block in re.split(r"\n\s*\n", text):
        fuzzy, fields, current = False, defaultdict(str), ""
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            elif line.startswith("#") or not line:
                continue
            elif line.startswith('"'):
                fields[current] += _unquote(line)
            else:
                key, _, rest = line.partition(" ")
                current = key
                fields[current] += _unquote(rest)
        msgid, msgstr = fields.get("msgid", ""), fields.get("msgstr", "") or fields.get("msgstr[0]", "")
        if msgid and msgstr and not fuzzy:
            yield msgid, msgstr


def clean(s: str) -> str:
    s = EMPTY_QUOTES.sub(" ", PLACEHOLDER.sub(" ", s))
    return "\n".join(SPACES.sub(" ", line).strip() for line in s.splitlines() if line.strip())


def letters(s: str) -> int:
    return sum(ch.isalpha() for ch in s)


def samples(catalog: str, strings: list[str]) -> Iterator[tuple[str, str]]:
    """(sample, where) joining consecutive strings of one catalog into samples of MIN_CHARS..MAX_CHARS."""
    parts: list[str] = []
    start = 0
    for i, s in enumerate(strings):
        if letters(s) < 3:
            continue
        if not parts:
            start = i
        parts.append(s if len(s) <= MAX_CHARS else s[:MAX_CHARS].rsplit(None, 1)[0])
        text = "\n".join(parts)
        if len(text) >= MIN_CHARS:
            yield text[:MAX_CHARS] if len(text) > MAX_CHARS else text, f"{catalog}#{start}-{i}"
            parts = []


def catalogs(wheel: Path) -> Iterator[tuple[str, str, str]]:
    """(locale, path in the wheel, text) of each .po file."""
    with zipfile.ZipFile(wheel) as zf:
        for name in sorted(zf.namelist()):
            m = re.search(r"/locale/([^/]+)/LC_MESSAGES/[^/]+\.po$", name)
            if m:
                yield m.group(1), name, zf.read(name).decode("utf-8")


def build(wheel_dir: Path) -> list[dict[str, str]]:
    pool: dict[str, list[tuple[str, str]]] = defaultdict(list)
    english_done: set[str] = set()
    for package, version in WHEELS.items():
        wheel = next(wheel_dir.glob(f"{package}-{version}-*.whl"))
        for locale, path, text in catalogs(wheel):
            where = f"{package}-{version}:{path}"
            entries = list(po_entries(text))
            lang = language_of(locale)
            if lang is not None and lang != "en":
                translated = [clean(msgstr) for msgid, msgstr in entries if msgstr.strip() != msgid.strip()]
                pool[lang] += list(samples(where, translated))
            # English: the source strings, once per catalog kind (every locale repeats them)
            kind = re.sub(r"/locale/[^/]+/", "/locale/*/", path)
            if kind not in english_done and entries:
                english_done.add(kind)
                pool["en"] += list(samples(f"{package}-{version}:{kind} (msgid)", [clean(i) for i, _ in entries]))
    rows: list[dict[str, str]] = []
    for lang in sorted(pool):
        unique = {text: where for text, where in pool[lang]}
        if len(unique) < MIN_PER_LANG:
            print(f"dropped {lang}: {len(unique)} samples", file=sys.stderr)
            continue
        # prefer samples of longer strings (sentences over menu items), then pick by hash among those
        longest = sorted(unique, key=lambda t: (-len(t) / (t.count("\n") + 1), t))[: 2 * PER_LANG]
        picked = sorted(longest, key=lambda t: digest(lang, t))[:PER_LANG]
        for i, text in enumerate(picked):
            rows.append({"lang": lang, "split": "dev" if i % 2 == 0 else "test", "text": text, "source": unique[text]})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--wheels", type=Path, help="folder holding the pinned wheels (default: pip download)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheel_dir = args.wheels or Path(tmp)
        if args.wheels is None:
            pins = [f"{p}=={v}" for p, v in WHEELS.items()]
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, *pins], check=True)
        rows = build(wheel_dir)
    with OUT.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    langs = sorted({r["lang"] for r in rows})
    print(f"{len(rows)} samples in {len(langs)} languages -> {OUT.name}: {' '.join(langs)}")


if __name__ == "__main__":
    main()
