"""What the file-reading sources share: their files' encoding, the skipped and empty files they count,
and the rule that one id is one row within a source step."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from curate.io import Encoding, file_encoding
from curate.stage import InputShard, Reject, SourceStage

log = logging.getLogger("curate.inputs")


def shard_encoding(stage: SourceStage, shard: InputShard) -> Encoding:
    """The shard's file encoding: its byte-order mark, else the input's `encoding:`, else UTF-8."""
    return file_encoding(shard.path, stage.context.input_encoding)


def note_skipped(stage: SourceStage, shard: InputShard) -> None:
    """Count (and say) the files of the input's folders this stage does not read (first shard only)."""
    if shard.skipped:
        stage.counters["skipped_files"] += len(shard.skipped)
        shown = ", ".join(shard.skipped[:5]) + (", ..." if len(shard.skipped) > 5 else "")
        log.warning("%s: skipped %d files it does not read: %s", stage.context.step, len(shard.skipped), shown)


def note_empty(stage: SourceStage, shard: InputShard, records: int) -> None:
    """A whole file with no record in it is a warning line and a counter (`empty_files`), not silence."""
    if records == 0 and shard.start == 0 and shard.end is None:
        stage.counters["empty_files"] += 1
        log.warning("%s: %s holds no records (an empty file?)", stage.context.step, shard.path.name)


class FirstCopies:
    """Keeps the first row of each id; later copies become `duplicate_id` rejects naming the first."""

    def __init__(self) -> None:
        self.first: dict[Any, str] = {}  # id -> where the kept row came from

    def check(self, row: dict[str, Any], where: str, shown: dict[str, Any] | None = None) -> Reject | None:
        row_id = row.get("id")
        if row_id is None or isinstance(row_id, dict | list):  # no id, or one that cannot be compared
            return None
        kept = self.first.setdefault(row_id, where)
        if kept == where:
            return None
        detail = f"{where} repeats id {row_id} of {kept}; the first copy is kept"
        return Reject(shown if shown is not None else row, "duplicate_id", detail, related_id=str(row_id))


def counted(records: Iterator[Any], stage: SourceStage, shard: InputShard) -> Iterator[Any]:
    """Pass records through, then note an empty file."""
    n = 0
    for record in records:
        n += 1
        yield record
    note_empty(stage, shard, n)
