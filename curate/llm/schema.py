"""Structured output: a pydantic model becomes a strict JSON schema a server can enforce, and every
answer is parsed and validated against the same model (servers without `json_schema` included).

Strict mode (OpenAI, vLLM, llama.cpp) wants every object closed (`additionalProperties: false`)
and every property required, and takes only a subset of JSON Schema; nested models arrive as
`$defs`/`$ref`, which strict mode accepts only without sibling keys, so both are rewritten here
(distilabel #1106 broke on exactly this). Closed sets a stage checks (the areas asked in this
request, the languages asked for) become `enum`s (`closed`), so a server that follows the schema
cannot answer anything else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from curate.stage import RejectRow

# The keywords every strict-mode server takes (OpenAI's strictest common subset): no defaults,
# titles, lengths, numeric bounds or formats.
STRICT_KEYWORDS = frozenset(
    {"type", "properties", "required", "additionalProperties", "items", "enum", "anyOf", "$ref", "$defs", "description"}
)


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    return _strict(model.model_json_schema())


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "$defs"):
            out[key] = {name: _strict(sub) for name, sub in value.items()}
        elif key == "const":  # a one-value Literal
            out["enum"] = [value]
        elif key in STRICT_KEYWORDS:
            out[key] = _strict(value)
    if "$ref" in out:
        return {"$ref": out["$ref"]}
    if out.get("type") == "object" and "properties" in out:
        out["additionalProperties"] = False
        out["required"] = list(out["properties"])
    return out


def closed(schema: dict[str, Any], enums: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """`schema` with every string property named in `enums` restricted to those values (a nullable
    one stays nullable). Only the nodes on the way to a changed property are copied."""
    if not enums:
        return schema
    return _close(schema, enums)


def _close(node: Any, enums: Mapping[str, Sequence[str]]) -> Any:
    if isinstance(node, list):
        return [_close(n, enums) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _close(v, enums) for k, v in node.items() if k not in ("properties", "enum")}
    if "enum" in node:
        out["enum"] = node["enum"]
    if "properties" in node:
        out["properties"] = {
            name: _enum(prop, enums[name]) if name in enums else _close(prop, enums)
            for name, prop in node["properties"].items()
        }
    return out


def _enum(prop: dict[str, Any], values: Sequence[str]) -> dict[str, Any]:
    allowed = {"type": "string", "enum": list(values)}
    branches = prop.get("anyOf", [])
    if any(b.get("type") == "null" for b in branches):
        return {"anyOf": [allowed, {"type": "null"}]}
    return allowed


def response_format(model: type[BaseModel], mode: str, enums: Mapping[str, Sequence[str]] | None = None
                    ) -> dict[str, Any] | None:  # fmt: skip
    if mode == "json_schema":
        schema = {"name": model.__name__, "strict": True, "schema": closed(strict_schema(model), enums or {})}
        return {"type": "json_schema", "json_schema": schema}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def weaker_formats(fmt: dict[str, Any] | None) -> list[dict[str, Any] | None]:
    """What to try when a server refuses `fmt`: json_schema -> json_object -> no format."""
    if fmt is None:
        return []
    return [{"type": "json_object"}, None] if fmt["type"] == "json_schema" else [None]


def parse_json(text: str, model: type[BaseModel]) -> BaseModel:
    """The answer as `model`; tolerates a ```json fence, which models add when not forced. Parsed and
    validated in one pass by pydantic-core (a third of json.loads + model_validate)."""
    body = text.strip()
    if body.startswith("```"):
        body = body.split("\n", 1)[-1].rsplit("```", 1)[0]
    try:
        return model.model_validate_json(body)
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        if first["type"] == "json_invalid":
            raise RejectRow("invalid_json", f"{first['msg']}: {text[:200]!r}") from err
        where = ".".join(str(p) for p in first["loc"]) or "(root)"
        raise RejectRow("schema_violation", f"{where}: {first['msg']}") from err
