"""A small OpenAI-compatible chat-completions server on 127.0.0.1, for tests and benchmarks.

The real `openai` client talks to it over HTTP (respx cannot intercept openai 3.x). It serves
`POST /v1/chat/completions` (and `GET /v1/models`), with:

- a default `answer(body) -> str | Reply` giving the assistant text for a request;
- scripted behaviours per request: `server.script(match, *behaviours)` queues behaviours for the
  next requests whose messages contain `match` (or for which a predicate is true); each matching
  request consumes one. `Reply` (content, finish_reason, usage), `Status` (HTTP error, optional
  retry-after), `Delay` (sleep, then answer normally: a slow response for timeout tests);
- a fixed `latency` per request (the benchmark uses 200 ms);
- `strict=True`: a server that enforces `json_schema` as OpenAI's strict mode and vLLM's guided
  decoding do. A schema breaking strict-mode rules (an open object, a property not required, an
  unsupported keyword, a `$ref` with siblings, a root that is no object) gets a 400 naming the rule
  (kept in `refused`); otherwise the reply is forced into the schema the way guided decoding
  forces tokens: what fits is kept, anything else (a key not in the schema, a value outside an
  `enum`, a wrong type, text that is no JSON) becomes the nearest valid value, and the result is
  checked with `jsonschema` before it is sent;
- counters: `count` (requests received), `bodies` (their JSON), `completed` (responses written)
  and first/last request times, for throughput measured on the server side; `received_at`
  holds each kept body's arrival time (perf_counter).

Runs in a background thread with its own event loop (`with OpenAIServer() as server:`), or as a
process with `python tests/support/openai_server.py --port 0 --latency 0.2` (prints its URL).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from aiohttp import web

# OpenAI's strict mode: the keywords it takes (its strictest common subset), and the types.
STRICT_KEYWORDS = {"type", "properties", "required", "additionalProperties", "items", "enum", "anyOf", "$ref",
                   "$defs", "description"}  # fmt: skip
STRICT_TYPES = {"string", "number", "integer", "boolean", "object", "array", "null"}
MAX_DEPTH = 10


@dataclass
class Reply:
    content: str
    finish_reason: str = "stop"
    usage: dict[str, int] | None = None  # None: estimated from text length


@dataclass
class Status:
    status: int
    retry_after: float | None = None
    message: str = "scripted error"


@dataclass
class Delay:
    seconds: float


@dataclass
class Raw:
    """A 200 whose body is whatever a faulty server sends (HTML, cut JSON, a completion without message)."""

    body: str
    content_type: str = "application/json"


Behaviour = Reply | Status | Delay | Raw
Answer = Callable[[dict[str, Any]], "str | Reply"]
Match = str | Callable[[dict[str, Any]], bool]


def _text_of(body: dict[str, Any]) -> str:
    return "\n".join(str(m.get("content", "")) for m in body.get("messages", []))


def default_answer(body: dict[str, Any]) -> str:
    return "ok"


@dataclass
class _Script:
    match: Match
    behaviours: list[Behaviour]

    def applies(self, body: dict[str, Any], text: str) -> bool:
        return self.match(body) if callable(self.match) else self.match in text


@dataclass
class OpenAIServer:
    answer: Answer = default_answer
    latency: float = 0.0
    host: str = "127.0.0.1"
    port: int = 0
    json_schema: bool = True  # False: answer 400 to `response_format: json_schema`, as old servers do
    strict: bool = False  # True: enforce json_schema like OpenAI strict mode / guided decoding (above)
    keep_bodies: bool = True
    count: int = 0
    completed: int = 0
    first_at: float | None = None
    last_at: float | None = None
    bodies: list[dict[str, Any]] = field(default_factory=list)
    received_at: list[float] = field(default_factory=list)  # perf_counter of each kept body
    completed_at: list[float] = field(default_factory=list)  # time.monotonic of each response written
    refused: list[str] = field(default_factory=list)  # why each schema was refused (strict mode)
    in_flight: int = 0
    peak_in_flight: int = 0
    _scripts: list[_Script] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- control (thread-safe, callable from tests) -------------------------------------------
    def script(self, match: Match, *behaviours: Behaviour) -> None:
        with self._lock:
            self._scripts.append(_Script(match, list(behaviours)))

    def reset(self) -> None:
        with self._lock:
            self.count = self.completed = self.peak_in_flight = 0
            self.first_at = self.last_at = None
            self.bodies.clear()
            self.received_at.clear()
            self.completed_at.clear()
            self.refused.clear()
            self._scripts.clear()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def _next_behaviour(self, body: dict[str, Any]) -> Behaviour | None:
        text = _text_of(body)
        with self._lock:
            for script in self._scripts:
                if script.behaviours and script.applies(body, text):
                    return script.behaviours.pop(0)
        return None

    # -- HTTP ----------------------------------------------------------------------------------
    async def _chat(self, request: web.Request) -> web.Response:
        body = await request.json()
        with self._lock:
            self.count += 1
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            self.first_at = self.first_at or time.perf_counter()
            if self.keep_bodies:
                self.bodies.append(body)
                self.received_at.append(time.perf_counter())
        try:
            return await self._respond(body)
        finally:
            with self._lock:
                self.in_flight -= 1

    async def _respond(self, body: dict[str, Any]) -> web.Response:
        if self.latency:
            await asyncio.sleep(self.latency)
        behaviour = self._next_behaviour(body)
        if isinstance(behaviour, Delay):
            await asyncio.sleep(behaviour.seconds)
            behaviour = None
        if isinstance(behaviour, Status):
            return self._error(behaviour.status, behaviour.message, behaviour.retry_after)
        if isinstance(behaviour, Raw):
            return web.Response(text=behaviour.body, content_type=behaviour.content_type)
        fmt = (body.get("response_format") or {}).get("type")
        if fmt == "json_schema" and not self.json_schema:
            return self._error(400, "response_format json_schema is not supported")
        schema = None
        if fmt == "json_schema" and self.strict:
            spec = body["response_format"].get("json_schema") or {}
            problem = strict_problem(spec)
            if problem:
                with self._lock:
                    self.refused.append(problem)
                return self._error(400, f"Invalid schema for response_format: {problem}")
            schema = spec["schema"]
        reply = behaviour if isinstance(behaviour, Reply) else self.answer(body)
        if isinstance(reply, str):
            reply = Reply(reply)
        if schema is not None:
            reply = Reply(json.dumps(guided(reply.content, schema)), reply.finish_reason, reply.usage)
        response = web.json_response(self._completion(body, reply))
        with self._lock:
            self.completed += 1
            self.last_at = time.perf_counter()
            self.completed_at.append(time.monotonic())
        return response

    def _completion(self, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
        usage = reply.usage or {
            "prompt_tokens": max(1, len(_text_of(body)) // 4),
            "completion_tokens": max(1, len(reply.content) // 4),
        }
        usage = {**usage, "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"]}
        return {
            "id": f"chatcmpl-{self.count}-{time.monotonic_ns()}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "test-model"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.content},
                    "finish_reason": reply.finish_reason,
                }
            ],
            "usage": usage,
        }

    @staticmethod
    def _error(status: int, message: str, retry_after: float | None = None) -> web.Response:
        headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
        doc = {"error": {"message": message, "type": "server_error", "code": status}}
        return web.json_response(doc, status=status, headers=headers)

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": "test-model", "object": "model"}]})

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._chat)
        app.router.add_get("/v1/models", self._models)
        return app

    # -- lifecycle -----------------------------------------------------------------------------
    async def _serve(self, ready: threading.Event) -> None:
        runner = web.AppRunner(self.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, backlog=1024)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()

    def start(self) -> OpenAIServer:
        ready = threading.Event()

        def main() -> None:
            self._loop = asyncio.new_event_loop()
            self._stop = asyncio.Event()
            self._loop.run_until_complete(self._serve(ready))
            self._loop.close()

        self._thread = threading.Thread(target=main, name="openai-test-server", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("test server did not start")
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def strict_problem(spec: dict[str, Any]) -> str | None:
    """Why OpenAI's strict mode would refuse this `json_schema` block, or None."""
    if not spec.get("name") or spec.get("strict") is not True or not isinstance(spec.get("schema"), dict):
        return "json_schema needs a name, strict: true and a schema"
    root = spec["schema"]
    if root.get("type") != "object":
        return "the root schema must be an object (not anyOf)"
    return _node_problem(root, root, "#", 0)


def _node_problem(node: Any, root: dict[str, Any], where: str, depth: int) -> str | None:
    if not isinstance(node, dict):
        return f"{where} is not a schema"
    if depth > MAX_DEPTH:
        return f"{where} nests deeper than {MAX_DEPTH} levels"
    unknown = set(node) - STRICT_KEYWORDS
    if unknown:
        return f"{where} uses unsupported keywords {sorted(unknown)}"
    if "$ref" in node:
        if len(node) > 1:
            return f"{where}: $ref may not have sibling keywords"
        if _resolve(root, node["$ref"]) is None:
            return f"{where}: $ref {node['$ref']} does not resolve"
        return None
    for name, sub in (node.get("$defs") or {}).items():
        if problem := _node_problem(sub, root, f"{where}/$defs/{name}", depth + 1):
            return problem
    if "anyOf" in node:
        for i, sub in enumerate(node["anyOf"]):
            if problem := _node_problem(sub, root, f"{where}/anyOf/{i}", depth + 1):
                return problem
        return None
    types = node.get("type")
    types = types if isinstance(types, list) else [types]
    if "enum" in node:
        if not node["enum"] or any(isinstance(v, dict | list) for v in node["enum"]):
            return f"{where}: enum must list scalar values"
        return None
    if not types or any(t not in STRICT_TYPES for t in types):
        return f"{where} has no supported type"
    if "object" in types:
        props = node.get("properties")
        if not isinstance(props, dict):
            return f"{where}: an object needs properties"
        if node.get("additionalProperties") is not False:
            return f"{where}: additionalProperties must be false"
        if sorted(node.get("required") or []) != sorted(props):
            return f"{where}: every property must be required"
        for name, sub in props.items():
            if problem := _node_problem(sub, root, f"{where}/properties/{name}", depth + 1):
                return problem
    if "array" in types:
        if "items" not in node:
            return f"{where}: an array needs items"
        return _node_problem(node["items"], root, f"{where}/items", depth + 1)
    return None


def _resolve(root: dict[str, Any], ref: str) -> dict[str, Any] | None:
    if ref == "#":
        return root
    if not ref.startswith("#/$defs/"):
        return None
    found = (root.get("$defs") or {}).get(ref.removeprefix("#/$defs/"))
    return found if isinstance(found, dict) else None


def guided(text: str, schema: dict[str, Any]) -> Any:
    """The model's text forced into `schema`, as grammar-constrained decoding would force it; checked."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = None
    out = _force(value, schema, schema)
    jsonschema.validate(out, schema)  # the server itself must never send what the schema excludes
    return out


def _force(value: Any, node: dict[str, Any], root: dict[str, Any]) -> Any:
    if "$ref" in node:
        return _force(value, _resolve(root, node["$ref"]) or {}, root)
    if "anyOf" in node:
        for branch in node["anyOf"]:
            if _fits(value, branch, root):
                return value
        return _force(value, node["anyOf"][0], root)
    if "enum" in node:
        return value if value in node["enum"] else node["enum"][0]
    types = node["type"] if isinstance(node["type"], list) else [node["type"]]
    for kind in types:
        if _fits(value, {**node, "type": kind}, root):
            return _force_as(value, kind, node, root)
    return _force_as(None, types[0], node, root)


def _force_as(value: Any, kind: str, node: dict[str, Any], root: dict[str, Any]) -> Any:
    if kind == "object":
        given = value if isinstance(value, dict) else {}
        return {name: _force(given.get(name), sub, root) for name, sub in node["properties"].items()}
    if kind == "array":
        return [_force(v, node["items"], root) for v in value] if isinstance(value, list) else []
    defaults: dict[str, Any] = {"string": "", "number": 0, "integer": 0, "boolean": False, "null": None}
    return value if _fits(value, {"type": kind}, root) else defaults[kind]


def _fits(value: Any, node: dict[str, Any], root: dict[str, Any]) -> bool:
    kind = node.get("type")
    if kind in ("object", "array"):  # shape only: their members are forced one by one
        return isinstance(value, dict if kind == "object" else list)
    return jsonschema.Draft202012Validator({**node, "$defs": root.get("$defs", {})}).is_valid(value)


def stats_app(server: OpenAIServer) -> None:
    """Extra endpoints for a server in another process: GET /stats, POST /reset."""

    async def stats(request: web.Request) -> web.Response:
        times = request.query.get("times") == "1"
        return web.json_response({"count": server.count, "completed": server.completed,
                                  "first_at": server.first_at, "last_at": server.last_at,
                                  "peak_in_flight": server.peak_in_flight,
                                  **({"completed_at": list(server.completed_at)} if times else {})})  # fmt: skip

    async def reset(request: web.Request) -> web.Response:
        server.reset()
        return web.json_response({"ok": True})

    original = server.app

    def app() -> web.Application:
        application = original()
        application.router.add_get("/stats", stats)
        application.router.add_post("/reset", reset)
        return application

    server.app = app  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--answer", default="ok", help="fixed assistant text (JSON is fine)")
    args = parser.parse_args()
    text = args.answer
    server = OpenAIServer(answer=lambda body: text, latency=args.latency, port=args.port, keep_bodies=False)
    stats_app(server)
    server.start()
    print(server.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
