"""Tokens and money: estimates before a run, cost of each response, and a spend ledger shared by
the worker processes of a step, so a budget cap holds for the step as a whole."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from curate.llm.config import LLMConfig, Price
from curate.llm.prompts import Messages


def estimate_tokens(messages: Messages) -> int:
    """About 4 characters a token for English prose; enough for limits and budgets, not billing."""
    return sum(len(m["content"]) for m in messages) // 4 + 4 * len(messages)


def max_completion_tokens(config: LLMConfig) -> int:
    return int(config.params.get("max_completion_tokens") or config.params.get("max_tokens") or 1024)


def cost(price: Price | None, prompt_tokens: int, completion_tokens: int) -> float:
    if price is None:
        return 0.0
    return (prompt_tokens * price.prompt_per_million + completion_tokens * price.completion_per_million) / 1e6


class Ledger:
    """Dollars spent per scope (a step of a dataset version), summed over processes and runs."""

    def __init__(self, path: Path, scope: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.scope = scope
        self._db = sqlite3.connect(path, timeout=60, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS spend (scope TEXT PRIMARY KEY, usd REAL NOT NULL)")

    def add(self, usd: float) -> float:
        """Add `usd` and return the scope's total (everyone's spend so far)."""
        self._db.execute("BEGIN IMMEDIATE")
        self._db.execute(
            "INSERT INTO spend (scope, usd) VALUES (?, ?) ON CONFLICT(scope) DO UPDATE SET usd = usd + excluded.usd",
            (self.scope, usd),
        )
        (total,) = self._db.execute("SELECT usd FROM spend WHERE scope = ?", (self.scope,)).fetchone()
        self._db.execute("COMMIT")
        return float(total)

    def close(self) -> None:
        self._db.close()


def describe_params(config: LLMConfig, response_format: dict[str, object] | None) -> str:
    """Generation parameters as stored on rows and hashed into cache keys."""
    fmt = None if response_format is None else response_format.get("type")
    return json.dumps({**config.params, "response_format": fmt}, sort_keys=True, separators=(",", ":"))
