"""Croissant metadata (mlcroissant) for an exported release: one file set and record set per config
and split, validated by mlcroissant before it is written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import mlcroissant as mlc
import pyarrow as pa

from curate.errors import CurateError
from curate.release.export import ConfigData
from curate.store import atomic_write_json

_TYPES = {pa.string(): mlc.DataType.TEXT, pa.int64(): mlc.DataType.INTEGER, pa.bool_(): mlc.DataType.BOOL}


def _field(record_set: str, file_set: str, f: pa.Field) -> mlc.Field | None:
    is_list = pa.types.is_list(f.type)
    inner = f.type.value_type if is_list else f.type
    if inner not in _TYPES:
        return None  # nested structs (chat messages) are described by `text`, which renders them
    return mlc.Field(
        id=f"{record_set}/{f.name}", name=f.name, description=(f.metadata or {}).get(b"description", b"").decode(),
        data_types=[_TYPES[inner]], is_array=is_list or None, array_shape="-1" if is_list else None,
        source=mlc.Source(file_set=file_set, extract=mlc.Extract(column=f.name)),
    )  # fmt: skip


def build_metadata(manifest: dict[str, Any], configs: list[ConfigData], repo_id: str | None) -> mlc.Metadata:
    distribution, record_sets = [], []
    for config in configs:
        for split, files in config.files.items():
            name = f"{config.name}_{split}"
            distribution.append(mlc.FileSet(id=f"files_{name}", name=f"files_{name}",
                                            encoding_formats=["application/x-parquet"],
                                            includes=[f"data/{config.name}/{split}-*.parquet"]))  # fmt: skip
            fields = [f for f in (_field(name, f"files_{name}", a) for a in config.arrow_schema) if f is not None]
            about = f"{config.name} rows, {split} split ({len(files)} files)"
            record_sets.append(mlc.RecordSet(id=name, name=name, fields=fields, description=about))
    return mlc.Metadata(
        name=(repo_id or manifest["dataset"]).replace("/", "_"),
        description=f"Release {manifest['dataset']} {manifest['version']} built by curate; lineage in manifest.json.",
        version=_semver(manifest["version"]),
        url=f"https://huggingface.co/datasets/{repo_id}" if repo_id else None,
        license=["other"],
        date_published=dt.datetime.fromisoformat(manifest["created_at"]),
        cite_as=f"{manifest['dataset']} {manifest['version']} (curate release), {repo_id or 'local export'}",
        distribution=distribution,
        record_sets=record_sets,
    )


def _semver(version: str) -> str:
    parts = [p for p in version.split(".") if p.isdigit()]
    return ".".join((parts + ["0", "0", "0"])[:3])


def write_croissant(out: Path, manifest: dict[str, Any], configs: list[ConfigData], repo_id: str | None) -> None:
    metadata = build_metadata(manifest, configs, repo_id)
    errors = list(metadata.issues.errors)
    if errors:
        raise CurateError(f"croissant metadata is invalid: {errors[0]}")
    atomic_write_json(out / "croissant.json", metadata.to_json())


def validate_croissant(path: Path) -> list[str]:
    """Errors mlcroissant finds when it loads the file (empty: valid)."""
    try:
        dataset = mlc.Dataset(jsonld=path)
    except mlc.ValidationError as err:
        return [str(err)]
    return sorted(str(e) for e in dataset.metadata.issues.errors)
