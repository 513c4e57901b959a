"""ABC written inside a chat turn: found, read by two independent readers, and taken out of the prose.

ABC is what a fenced block (```abc ... ```, or any fence holding a `K:` line) or an unfenced block from an
`X:` line to the next blank line holds. A block must read with abc2xml (W. Vree's converter) and with
abc2midi (abcmidi, a separate C implementation): one reader alone only proves itself.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from curate.errors import CurateError
from curate.tune import Unusable
from curate.tune.melody import musicxml

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_-]*)[ \t]*\n(.*?)```", re.S)
_BARE = re.compile(r"(?:^|\n)(X:[^\n]*\n(?:[^\n]+\n?)*)", re.S)
_KEY_LINE = re.compile(r"^\s*K:", re.M)
ABC2MIDI_TIMEOUT_S = 20


def split_abc(text: str) -> tuple[list[str], str]:
    """(ABC blocks, the text without them)."""
    blocks: list[str] = []

    def take(match: re.Match[str]) -> str:
        body = match.group(2)
        if match.group(1).lower() == "abc" or _KEY_LINE.search(body):
            blocks.append(body.strip("\n"))
            return "\n"
        return match.group(0)

    prose = _FENCE.sub(take, text)

    def take_bare(match: re.Match[str]) -> str:
        blocks.append(match.group(1).strip("\n"))
        return "\n"

    return blocks, _BARE.sub(take_bare, prose)


def require_abc2midi() -> str:
    path = shutil.which("abc2midi")
    if path is None:
        raise CurateError("score_chat checks ABC with abc2midi: install the Debian package `abcmidi`")
    return path


def abc2midi_problem(abc: str) -> str | None:
    """What abc2midi reports as an error (its `Error ...` lines), or no MIDI notes written; None when it reads."""
    with tempfile.TemporaryDirectory(prefix="curate-abc2midi-") as tmp:
        source, target = Path(tmp) / "tune.abc", Path(tmp) / "tune.mid"
        text = abc if re.match(r"\s*X:", abc) else "X:1\n" + abc
        source.write_text(text + "\n", encoding="utf-8")
        done = subprocess.run(
            [require_abc2midi(), str(source), "-o", str(target)],
            capture_output=True,
            text=True,
            timeout=ABC2MIDI_TIMEOUT_S,
            check=False,
        )
        # abc2midi exits 0 even on errors; its interface for them is the `Error` line prefix
        errors = [line for line in (done.stdout + done.stderr).splitlines() if line.startswith("Error")]
        if errors:
            return "abc2midi: " + errors[0]
        if done.returncode != 0 or not target.is_file() or target.stat().st_size < 30:
            return f"abc2midi wrote no MIDI (exit {done.returncode})"
    return None


def read_problem(abc: str) -> str | None:
    """Why `abc` does not read with both readers, or None. The one place to swap in a shared reader."""
    try:
        root = musicxml(abc)
    except Unusable as err:
        return err.detail or err.reason
    if root.find(".//note/pitch") is None:
        return "abc2xml read no notes"
    return abc2midi_problem(abc)
