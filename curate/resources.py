"""Where the repo-level data folders live, in a checkout or in an installed wheel."""

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _resource_dir(name: str) -> Path:
    installed = _PKG / "_resources" / name
    return installed if installed.is_dir() else _PKG.parent / name


def schemas_dir() -> Path:
    return _resource_dir("schemas")


def pipelines_dir() -> Path:
    return _resource_dir("pipelines")


def samples_dir() -> Path:
    return _PKG / "data" / "samples"
