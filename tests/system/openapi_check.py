"""Answers of the API checked against web/api/openapi.json, without a JSON Schema
library: the subset of JSON Schema the document uses ($ref, allOf, type, required,
properties, additionalProperties, items, enum, const). `check_answer(reply, method,
path)` finds the operation and the schema of the reply's status and checks its body."""

from __future__ import annotations

import json

from conftest import REPO

DOC = json.loads((REPO / "web" / "api" / "openapi.json").read_text())

_TYPES = {
    "object": dict, "array": list, "string": str, "boolean": bool, "null": type(None),
}


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        node = DOC
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _is(value, kind: str) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, _TYPES[kind])


def validate(value, schema: dict, where: str = "$") -> None:
    schema = _resolve(schema)
    for part in schema.get("allOf", []):
        validate(value, part, where)
    if "const" in schema:
        assert value == schema["const"], f"{where}: {value!r} is not {schema['const']!r}"
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    kinds = schema.get("type")
    if kinds is not None:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        assert any(_is(value, k) for k in kinds), f"{where}: {value!r} is not {kinds}"
    if isinstance(value, dict):
        for name in schema.get("required", []):
            assert name in value, f"{where}: {name!r} is required"
        props = schema.get("properties", {})
        for name, v in value.items():
            if name in props:
                validate(v, props[name], f"{where}.{name}")
            elif isinstance(schema.get("additionalProperties"), dict):
                validate(v, schema["additionalProperties"], f"{where}.{name}")
            elif schema.get("additionalProperties") is False:
                raise AssertionError(f"{where}: {name!r} is not described")
    if isinstance(value, list) and "items" in schema:
        for k, item in enumerate(value):
            validate(item, schema["items"], f"{where}[{k}]")


def check_answer(reply, method: str, path: str) -> None:
    """The reply's status is described for the operation, and its JSON body (or the
    error shape) matches the described schema."""
    op = DOC["paths"][path][method.lower()]
    status = str(reply.status)
    assert status in op["responses"], f"{method} {path}: {status} is not described"
    response = _resolve(op["responses"][status])
    content = response.get("content", {})
    if "application/json" in content:
        validate(reply.json(), content["application/json"]["schema"], f"{method} {path} {status}")
