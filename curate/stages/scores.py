"""Read score files (MusicXML, MXL, kern, MIDI, ABC) into verified, normalized ABC tunes.

Each file (each tune of a multi-tune ABC file) is converted in a child process with a time limit,
normalized, read back with abc2xml and compared note by note with its source. Bad files become
rejects with a reason (parse_error, timeout, no_notes, too_short, misaligned_voices, low_fidelity...).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from curate.abc.isolate import Isolated
from curate.abc.normalize import NormalizeOptions
from curate.abc.score_rows import score_rows
from curate.abc.split import decode_abc, split_tunes
from curate.hashing import stable_id
from curate.stage import InputShard, Record, Reject, SourceStage, StageConfig

Format = Literal["auto", "musicxml", "mxl", "kern", "midi", "abc"]
_BY_SUFFIX = {".xml": "musicxml", ".musicxml": "musicxml", ".mxl": "mxl", ".krn": "kern", ".mid": "midi",
              ".midi": "midi", ".abc": "abc"}  # fmt: skip


class ScoresConfig(StageConfig):
    format: Format = "auto"  # auto: by file suffix
    normalize: NormalizeOptions = NormalizeOptions()
    timeout_s: float = 60.0  # per file, or per tune of an ABC file
    max_file_bytes: int = 20_000_000  # larger score files are rejected (too_large) unread
    max_tune_chars: int = 200_000  # per ABC tune
    collection: str | None = None  # default: the name of the folder holding the file
    license: str | None = None
    batch_rows: int = 500


class Scores(SourceStage):
    name = "scores"
    code_paths = ("curate.abc",)  # its helpers shape the output too
    Config = ScoresConfig
    config: ScoresConfig
    output_schema = "scores"

    def list_shards(self, paths: list[Path]) -> list[InputShard]:
        return [InputShard(path) for path in paths]

    def setup(self) -> None:
        self.runner = Isolated(self.config.timeout_s)

    def teardown(self) -> None:
        self.runner.close()
        self.counters["converter_restarts"] += self.runner.restarts

    def _format(self, path: Path) -> str | None:
        return _BY_SUFFIX.get(path.suffix.lower()) if self.config.format == "auto" else self.config.format

    def _relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.context.pipeline_dir.resolve()).as_posix()
        except ValueError:
            return path.name

    def records(self, shard: InputShard) -> Iterator[Record]:
        path, fmt = shard.path, self._format(shard.path)
        base: dict[str, Any] = {
            "source_format": fmt or path.suffix.lstrip(".").lower() or "unknown",
            "source_path": self._relative(path),
            "source_checksum": shard.checksum,
            "collection": self.config.collection or path.parent.name,
            "license": self.config.license,
        }
        file_id = stable_id("score", shard.checksum, 0)
        size = path.stat().st_size
        if fmt is None:
            yield Reject({"id": file_id, **base}, "unsupported_format", path.suffix)
        elif size > self.config.max_file_bytes:
            yield Reject(
                {"id": file_id, **base}, "too_large", f"{size} bytes > max_file_bytes {self.config.max_file_bytes}"
            )
        elif fmt == "abc":
            yield from self._abc_file(path, base)
        else:
            yield from self._counted(*score_rows(self.runner, fmt, str(path), {**base, "tune_index": 0},
                                              self.config.normalize, file_id))  # fmt: skip

    def _abc_file(self, path: Path, base: dict[str, Any]) -> Iterator[Record]:
        tunes = split_tunes(decode_abc(path.read_bytes()))
        if not tunes:
            yield Reject(
                {"id": stable_id("score", base["source_checksum"], 0), **base}, "no_notes", "the file holds no tune"
            )
        for index, tune in enumerate(tunes):
            tune_base = {**base, "tune_index": index}
            tune_id = stable_id("score", base["source_checksum"], index)
            if len(tune) > self.config.max_tune_chars:
                detail = f"{len(tune)} characters > max_tune_chars {self.config.max_tune_chars}"
                yield Reject({"id": tune_id, **tune_base, "abc": tune[:2000]}, "too_large", detail)
                continue
            rows, bad = score_rows(self.runner, "abc", tune, tune_base, self.config.normalize, tune_id)
            yield from self._counted(rows, [Reject({**r.row, "abc": tune[:2000]}, r.reason, r.detail, r.related_id)
                                            for r in bad])  # fmt: skip

    def _counted(self, rows: list[dict[str, Any]], rejects: list[Reject]) -> Iterator[Record]:
        """The records of one source tune, rows first (as the batches were always built), counted."""
        self.counters["tunes"] += sum(not r["augmented"] for r in rows)
        self.counters["augmented"] += sum(bool(r["augmented"]) for r in rows)
        self.counters["exact"] += sum(r["fidelity"] == 1.0 for r in rows)
        self.counters["unverified_no_reader"] += sum(r["fidelity"] is None for r in rows)
        yield from rows
        yield from rejects
