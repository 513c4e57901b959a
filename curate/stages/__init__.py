"""Stages, one per module: the stage named `foo` is the `Stage` subclass in `curate/stages/foo.py`.

Looking stages up by module name keeps a registry from being one more file to edit, and imports
only the stages a pipeline uses (so optional dependencies stay optional).
"""

from __future__ import annotations

import importlib
import pkgutil
import re

from curate.errors import CurateError
from curate.stage import GlobalStage, ShardStage, SourceStage, Stage

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def available_stages() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def load_stage(name: str) -> type[Stage]:
    """A built-in stage by name, or a user's stage as `package.module:ClassName`."""
    if ":" in name:
        return _load_plugin(name)
    if not _NAME.match(name) or name not in available_stages():
        raise CurateError(f"unknown stage '{name}' (available: {', '.join(available_stages())})")
    module = importlib.import_module(f"{__name__}.{name}")
    for obj in vars(module).values():
        if (
            isinstance(obj, type)
            and issubclass(obj, Stage)
            and obj not in (Stage, ShardStage, SourceStage, GlobalStage)
            and getattr(obj, "name", None) == name
        ):
            return obj
    raise CurateError(f"module curate.stages.{name} defines no Stage subclass named '{name}'")


def _load_plugin(ref: str) -> type[Stage]:
    module_name, _, class_name = ref.partition(":")
    try:
        obj = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as err:
        raise CurateError(f"cannot import stage '{ref}': {err}") from err
    if not (isinstance(obj, type) and issubclass(obj, Stage)):
        raise CurateError(f"'{ref}' is not a Stage subclass")
    return obj
