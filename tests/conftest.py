"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.openai_server import OpenAIServer


@pytest.fixture(autouse=True)
def cache_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Caches of paid or slow calls in a folder of this test (never the user's ~/.cache/curate); the
    environment variable reaches `curate` subprocesses too."""
    folder = tmp_path_factory.mktemp("curate-cache")
    monkeypatch.setenv("CURATE_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """An OpenAI-compatible server on 127.0.0.1 (chat completions, json_schema, scripted faults)."""
    with OpenAIServer() as server:
        yield server
