"""Backends: the official `openai` async client against any OpenAI-compatible server, and an
offline `template` backend that writes answers from the input with templates (marked as such).

Both return a `Completion`; the engine does retries, limits and caching around them, so the
client's own retries are off (max_retries=0) and every attempt is counted here.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import openai
from openai.types.chat import ChatCompletion

from curate.errors import CurateError
from curate.llm.config import LLMConfig
from curate.llm.prompts import Messages
from curate.retry import Retry, parse_retry_after
from curate.stage import TRANSIENT_REASONS


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: str
    response_id: str | None
    prompt_tokens: int
    completion_tokens: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Backend(Protocol):
    async def complete(self, messages: Messages, variables: dict[str, Any],
                       response_format: dict[str, Any] | None) -> Completion: ...  # fmt: skip

    async def probe(self) -> None: ...

    async def close(self) -> None: ...


class OpenAIBackend:
    def __init__(self, config: LLMConfig) -> None:
        key = "unused"  # vLLM, llama.cpp and Ollama accept any key
        if config.api_key_env:
            key = os.environ.get(config.api_key_env, "")
            if not key:
                raise CurateError(f"environment variable {config.api_key_env} (llm.api_key_env) is not set")
        self.config = config
        self.client = openai.AsyncOpenAI(api_key=key, base_url=config.base_url, timeout=config.timeout_s,
                                         max_retries=0)  # fmt: skip

    async def complete(self, messages: Messages, variables: dict[str, Any],
                       response_format: dict[str, Any] | None) -> Completion:  # fmt: skip
        # Messages and schema go in `extra_body`, sent as they are: the client would otherwise walk
        # every nested dict against its TypedDicts (~1 ms CPU a request, a quarter of its cost).
        body: dict[str, Any] = {"messages": messages}
        if response_format:
            body["response_format"] = response_format
        try:
            response = await self.client.chat.completions.create(
                model=self.config.model, messages=[], extra_body=body, **self.config.params
            )
        except json.JSONDecodeError as err:  # a 200 whose body is not JSON (a proxy's page, a cut stream)
            raise BadResponse(f"the response body is not JSON: {err}") from err
        if not isinstance(response, ChatCompletion):  # the client hands back non-JSON bodies as text
            raise BadResponse(f"the response is not a chat completion: {str(response)[:200]!r}")
        if not response.choices:
            return Completion("", "empty", response.id, *_usage(response.usage))
        choice = response.choices[0]
        if choice.message is None:
            raise BadResponse("the response's first choice has no message")
        return Completion(choice.message.content or "", choice.finish_reason or "", response.id,
                          *_usage(response.usage))  # fmt: skip

    async def probe(self) -> None:
        """One cheap request before the first real one, so a wrong `base_url`, a server that is not
        running or a refused key stops the task in seconds with one sentence, instead of every row
        spending its retries on the same error. Anything else (no /models route, a slow or odd
        answer) is left to the real requests."""
        try:
            await self.client.models.list(timeout=min(self.config.timeout_s, 10.0))
        except openai.APITimeoutError:
            return
        except openai.APIConnectionError as err:
            raise CurateError(unreachable(self.config, err)) from err
        except openai.APIStatusError as err:
            if err.status_code in (401, 403):
                raise CurateError(refused(self.config, err.status_code)) from err
        except json.JSONDecodeError:
            return

    async def close(self) -> None:
        await self.client.close()


def server_url(config: LLMConfig) -> str:
    return config.base_url or "https://api.openai.com/v1"


def unreachable(config: LLMConfig, err: BaseException) -> str:
    """One sentence for a connection that never got an HTTP answer: the URL, why, what to change."""
    cause: BaseException = err
    while cause.__cause__ is not None or cause.__context__ is not None:
        cause = cause.__cause__ or cause.__context__  # type: ignore[assignment]
    if isinstance(cause, ConnectionRefusedError):
        why = "the connection was refused (nothing listens there)"
    elif isinstance(cause, socket.gaierror):
        why = "its host name does not resolve"
    elif isinstance(cause, ssl.SSLError):
        why = f"the TLS handshake failed ({cause.reason or cause})"
    else:
        why = f"the connection failed ({cause})" if str(cause) else "the connection failed"
    return (f"cannot reach the LLM server at {server_url(config)}: {why}; start the server or fix llm.base_url "
            "in the pipeline file")  # fmt: skip


def refused(config: LLMConfig, status: int) -> str:
    """One sentence for an answer that every row would get: a wrong key, model or URL path."""
    url = server_url(config)
    if status in (401, 403):
        key = f"the key in ${config.api_key_env}" if config.api_key_env else "requests without a key"
        return f"the LLM server at {url} refused {key} (HTTP {status}): set a valid key or fix llm.api_key_env"
    return (f"the LLM server at {url} answered HTTP {status} for model '{config.model}': check llm.model and "
            "that llm.base_url ends in the API root (e.g. /v1)")  # fmt: skip


def _usage(usage: Any) -> tuple[int, int]:
    if usage is None:
        return 0, 0
    return int(usage.prompt_tokens or 0), int(usage.completion_tokens or 0)


class TemplateBackend:
    """Deterministic answers from the stage's own template function; no model is involved."""

    def __init__(self, answer: Callable[[dict[str, Any]], str]) -> None:
        self.answer = answer

    def answer_now(self, variables: dict[str, Any]) -> Completion:
        return Completion(self.answer(variables), "stop", None, 0, 0)

    async def complete(self, messages: Messages, variables: dict[str, Any],
                       response_format: dict[str, Any] | None) -> Completion:  # fmt: skip
        return self.answer_now(variables)

    async def probe(self) -> None:
        return None

    async def close(self) -> None:
        return None


class BadResponse(Exception):
    """The server answered 200 with something that is not a chat completion: retried like a 5xx."""


def classify(err: BaseException) -> tuple[str, Retry | None]:
    """(reject reason, retry verdict) for a failed call, by exception type and status code."""
    if isinstance(err, BadResponse):
        return "bad_response", Retry()
    if isinstance(err, openai.APIStatusError):
        code = err.status_code
        after = parse_retry_after(err.response.headers.get("retry-after"))
        if code == 429:
            return "rate_limited", Retry(after)
        if code >= 500 or code in (408, 409):
            return "server_error", Retry(after)
        return f"http_{code}", None
    if isinstance(err, openai.APITimeoutError):
        return "timeout", Retry()
    if isinstance(err, openai.APIConnectionError):
        return "connection_error", Retry()
    raise err  # not a call failure: a bug, let it surface


FATAL_STATUS = frozenset({401, 403, 404})  # wrong key or model: every row would fail, so stop the task
TRANSIENT = TRANSIENT_REASONS  # failures a later try may not meet: `curate run --retry-rejects` re-sends them
