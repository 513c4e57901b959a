"""The `curate` command group and what its commands share. Each command is one module of
`curate/commands/` (run, status, verify, lineage, show, diff, publish, eval...). Errors a user can
cause print one sentence and exit 2, never a traceback."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from curate.errors import CurateError

DEFAULT_ROOT = "store"


def root_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--root", type=str, default=lambda: os.environ.get("CURATE_ROOT", DEFAULT_ROOT),
        show_default="$CURATE_ROOT or ./store", help="Store folder holding datasets.",
    )(f)  # fmt: skip


def friendly(f: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except CurateError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted: finished work is kept; run the same command again to resume", err=True)
            sys.exit(130)

    return wrapper


@click.group()
@click.version_option(package_name="curate")
def main() -> None:
    """Build training data for music language models from staged, resumable pipelines."""


def _register_commands() -> None:
    from curate.commands import register

    register(main)


_register_commands()

if __name__ == "__main__":
    main()
