"""Shared fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.openai_server import OpenAIServer


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """An OpenAI-compatible server on 127.0.0.1 (chat completions, json_schema, scripted faults)."""
    with OpenAIServer() as server:
        yield server
