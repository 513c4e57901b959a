"""One source (file or tune text), converted and verified in the isolated child, as `scores` rows and rejects."""

from __future__ import annotations

import json
import re
from typing import Any

from curate.abc import verified_tunes
from curate.abc.isolate import Isolated
from curate.abc.normalize import NormalizeOptions
from curate.hashing import stable_id
from curate.stage import Reject

_COLUMNS = ("title", "composer", "origin", "lyrics", "rhythm")
_QUOTED = re.compile(r'"([^"]*)"')
# A child failure that is not the tune's own rejection: the converter raised on this input.
_CHILD_ERRORS = {"timeout": "timeout", "crash": "converter_crash"}


def score_rows(
    runner: Isolated, fmt: str, payload: str, base: dict[str, Any], options: NormalizeOptions, tune_id: str
) -> tuple[list[dict[str, Any]], list[Reject]]:
    """Rows (the tune and its transposed copies) and rejects for one source tune.

    `base` holds the provenance columns (source_format, source_path, source_checksum, tune_index...);
    `tune_id` is the row id of the tune itself.
    """
    outcome = runner.call(verified_tunes.run_safe, fmt if fmt != "mxl" else "musicxml", payload, options)
    if not outcome.ok:
        reason = _CHILD_ERRORS.get(outcome.error, "parse_error")
        detail = outcome.detail if outcome.error in _CHILD_ERRORS else f"{outcome.error}: {outcome.detail}"
        return [], [Reject({"id": tune_id, **base}, reason, detail)]
    rows: list[dict[str, Any]] = []
    rejects: list[Reject] = []
    fields: dict[str, str] = {}
    for out in outcome.value:
        if out.transposition is None:
            fields = out.fields
            row_id, parent = tune_id, base.get("parent_id")
        else:
            row_id, parent = stable_id("score", tune_id, "transpose", out.transposition[0]), tune_id
        row = {**base, "id": row_id, "parent_id": parent, "augmented": out.transposition is not None}
        if out.transposition is not None:
            row["transposition"] = out.transposition[1]
        if out.reject is not None:
            rejects.append(Reject({**row, "abc": out.abc or None}, out.reject[0], out.reject[1], related_id=parent))
            continue
        rows.append({**row, **_columns(out, fields)})
    return rows, rejects


def _columns(out: verified_tunes.TuneOut, fields: dict[str, str]) -> dict[str, Any]:
    names = [_QUOTED.search(n).group(1) for n in out.stats.get("voice_names", []) if n.startswith("nm=")]  # type: ignore[union-attr]
    other = {k: v for k, v in fields.items() if k not in _COLUMNS}
    origin = fields.get("origin") or fields.get("area")
    stats = {k: v for k, v in out.stats.items() if k != "voice_names"}
    return {
        "abc": out.abc,
        **{k: fields.get(k) for k in _COLUMNS if k != "origin"},
        "origin": origin,
        **out.header,
        **stats,
        "instruments": names or None,
        "other_fields": json.dumps(other, ensure_ascii=False, sort_keys=True) if other else None,
        "fidelity": out.fidelity,
        "verified_by": list(out.verified_by),
    }
