"""Extra CLI commands, one module each: a module here that defines `command` (a click command)
is added to `curate` automatically, so areas add commands without editing `curate/cli.py`."""

from __future__ import annotations

import importlib
import pkgutil

import click


def register(group: click.Group) -> None:
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        command = getattr(module, "command", None)
        if isinstance(command, click.Command):
            group.add_command(command)
