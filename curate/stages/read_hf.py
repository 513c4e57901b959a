"""Read a Hugging Face dataset with `datasets.load_dataset(..., streaming=True)`: never a full download.

The named input is either a local dataset folder (data files in the Hub layout, e.g.
`data/train-00000-of-00002.parquet`; read offline) or one YAML/JSON descriptor file holding the
`load_dataset` arguments of a Hub dataset (`path`, optional `name`, `revision`, `data_files`): pin
`revision` to a commit so a rerun reads the same rows. Each of the dataset's shards (data files) is
one task; a folder's shard is keyed by its file's checksum, a Hub shard by the descriptor's.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from curate.errors import CurateError
from curate.hashing import canonical_json, stable_id
from curate.io import base_suffix
from curate.stage import InputShard, Record, Reject, SourceStage, StageConfig
from curate.text.table import TABLE

_DESCRIPTOR_SUFFIXES = (".yaml", ".yml", ".json")
_DESCRIPTOR_KEYS = {"path", "name", "revision", "data_files", "data_dir"}
_BUILDERS = {".parquet": "parquet", ".jsonl": "json", ".json": "json", ".csv": "csv", ".txt": "text", ".arrow": "arrow"}
log = logging.getLogger(__name__)


class ReadHFConfig(StageConfig):
    split: str = "train"
    text_field: str = "text"
    id_field: str | None = None  # a column holding the dataset's own document id
    src: str | None = None  # corpus name for the src column; default: the dataset path or folder name
    shards: int | None = None  # Hub datasets: cut into this many tasks (default: one per data file)
    batch_rows: int = 5_000


class ReadHF(SourceStage):
    name = "read_hf"
    Config = ReadHFConfig
    config: ReadHFConfig
    output_schema = TABLE
    requires = ("datasets",)

    def list_shards(self, paths: list[Path]) -> list[InputShard]:
        if len(paths) == 1 and _is_descriptor(paths[0]):
            args = _descriptor(paths[0])
            if "revision" not in args:
                log.warning("%s: no 'revision' pinned; a rerun may read other rows", paths[0].name)
            count = self._stream(**args).n_shards
            count = min(self.config.shards or count, count)
            return [InputShard(paths[0], i, count) for i in range(count)]
        common = Path(os.path.commonpath(paths))
        root = common if common.is_dir() else common.parent
        files = [Path(f) for f in _split_files(root, self.config.split)]
        return [InputShard(f, i, len(files)) for i, f in enumerate(files)]

    def _stream(self, **args: Any) -> Any:
        import datasets

        return datasets.load_dataset(**args, split=self.config.split, streaming=True)

    def records(self, shard: InputShard) -> Iterator[Record]:
        if _is_descriptor(shard.path):
            args = _descriptor(shard.path)
            dataset = self._stream(**args)
            if (shard.end or 1) > 1:
                dataset = dataset.shard(num_shards=shard.end, index=shard.start)
            ref = f"{args['path']}@{args['revision']}" if args.get("revision") else args["path"]
        else:  # one data file of a local folder, through the packaged builder its extension names
            import datasets

            builder = _BUILDERS.get(base_suffix(shard.path))
            if builder is None:
                raise CurateError(f"{shard.path.name}: not a data file datasets can stream")
            dataset = datasets.load_dataset(builder, data_files=[str(shard.path)], split="train", streaming=True)
            ref = shard.path.parent.name if shard.path.parent.name != "data" else shard.path.parent.parent.name
        for i, record in enumerate(dataset):
            yield self._row(record, ref, shard, i)

    def _row(self, record: dict[str, Any], ref: str, shard: InputShard, i: int) -> Record:
        cfg = self.config
        where = f"hf:{ref}/{cfg.split}#{shard.start}:{i}"
        text = record.get(cfg.text_field)
        if not isinstance(text, str) or not text.strip():
            return Reject({"source": where, **_jsonable(record)}, "no_text", f"field '{cfg.text_field}' is empty")
        key = record.get(cfg.id_field) if cfg.id_field else None
        meta = {k: v for k, v in record.items() if k != cfg.text_field}
        return {
            "id": stable_id("text", ref, cfg.split, key) if key is not None else stable_id("text", shard.key, i),
            "src": cfg.src or ref.split("@")[0],
            "source": where,
            "text": text,
            "meta": canonical_json(_jsonable(meta)) if meta else None,
            "chars": len(text),
        }


def _jsonable(record: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(record, default=str))


def _is_descriptor(path: Path) -> bool:
    return path.suffix in _DESCRIPTOR_SUFFIXES and path.name != "dataset_infos.json"


def _descriptor(path: Path) -> dict[str, Any]:
    """`load_dataset` keyword arguments from a YAML/JSON descriptor of a Hub dataset."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or "path" not in doc:
        raise CurateError(f"{path.name}: a Hub dataset descriptor needs at least 'path'")
    unknown = set(doc) - _DESCRIPTOR_KEYS
    if unknown:
        raise CurateError(f"{path.name}: unknown keys {sorted(unknown)} (allowed: {sorted(_DESCRIPTOR_KEYS)})")
    return {k: v for k, v in doc.items() if v is not None}


def _split_files(root: Path, split: str) -> list[str]:
    """The split's data files as `datasets` resolves a local folder (file names, README config)."""
    import datasets

    files = (datasets.load_dataset_builder(str(root)).config.data_files or {}).get(split)
    if not files:
        raise CurateError(f"dataset folder {root.name} has no split '{split}'")
    return sorted(str(f) for f in files)
