"""`curate status`: what is done, running and failed for each dataset version in a store."""

from __future__ import annotations

import json
import os
import posixpath
from pathlib import Path
from typing import Any

from curate.store import Store
from curate.versions import root_path


def status(root: str | Path) -> list[dict[str, Any]]:
    """What is done, running and failed for each dataset version in the store."""
    probe = Store(str(root), "_", "_")
    fs, out = probe.fs, []
    for run_file in sorted(fs.glob(posixpath.join(root_path(probe), "*/*/_state/run.json"))):
        state = posixpath.dirname(run_file)
        version_dir = posixpath.dirname(state)
        run = json.loads(fs.cat_file(run_file))
        if run.get("status") == "running" and not _alive(run.get("pid")):
            run["status"] = "stopped (process gone; rerun to resume)"
        steps = []
        for step_dir in sorted(p for p in fs.ls(state, detail=False) if fs.isdir(p)):
            plan_file = posixpath.join(step_dir, "plan.json")
            plan = json.loads(fs.cat_file(plan_file)) if fs.exists(plan_file) else {}
            failures = [json.loads(fs.cat_file(p)) for p in sorted(fs.glob(posixpath.join(step_dir, "*.failed.json")))]
            steps.append({
                "step": posixpath.basename(step_dir),
                "done": len(fs.glob(posixpath.join(step_dir, "*.done.json"))),
                "tasks": plan.get("tasks"),
                "failed": len(failures),
                "error": failures[0]["error"] if failures else None,
            })  # fmt: skip
        out.append({
            "dataset": posixpath.basename(posixpath.dirname(version_dir)),
            "version": posixpath.basename(version_dir),
            "status": run.get("status", "unknown"),
            "steps": steps,
        })  # fmt: skip
    return out


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
