"""The spec is valid, served as written, and every operationId is a handler function."""

from __future__ import annotations

import ast
import importlib
import json
import re
from pathlib import Path

from openapi_spec_validator import validate

ROOT = Path(__file__).resolve().parents[2]
SPEC = json.loads((ROOT / "spec" / "coaching.openapi.json").read_text())


def operations() -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    return [
        (path, method, op)
        for path, item in SPEC["paths"].items()
        for method, op in item.items()
        if method in {"get", "put", "post", "delete", "patch"}
    ]


def test_spec_validates() -> None:
    validate(SPEC)


def test_every_operation_id_names_a_handler_function() -> None:
    for _path, _method, op in operations():
        module_name, function_name = op["operationId"].rsplit(".", 1)
        assert module_name.startswith("handlers.coaching.")
        assert callable(getattr(importlib.import_module(module_name), function_name))


def test_every_operation_declares_its_errors_and_every_list_paginates() -> None:
    for path, method, op in operations():
        assert {"200", "400", "401", "429", "500"} <= set(op["responses"]), (method, path)
        schema = op["responses"]["200"]["content"]["application/json"]["schema"]
        data = schema.get("properties", {}).get("data", {})
        if data.get("type") == "array":
            names = {p.get("$ref", "").rsplit("/", 1)[-1] for p in op.get("parameters", [])}
            assert {"Page", "Limit"} <= names, (method, path)


def test_served_spec_is_the_file(client) -> None:  # type: ignore[no-untyped-def]
    served = client.get("/api/v1/openapi.json").json()
    assert served["paths"].keys() == SPEC["paths"].keys()
    assert served["info"] == SPEC["info"]
    served_ids = {op["operationId"] for item in served["paths"].values() for op in item.values()}
    assert served_ids == {op["operationId"] for _path, _method, op in operations()}


def test_no_request_or_response_model_is_restated_in_python() -> None:
    forbidden = {"pydantic", "marshmallow", "attrs", "dataclasses_json"}
    for source in [*ROOT.glob("mira/**/*.py"), *ROOT.glob("handlers/**/*.py")]:
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not {n.split(".")[0] for n in names} & forbidden, source


def _unbounded(spec: dict, schema: dict, where: str, refs: tuple[str, ...] = ()) -> list[str]:  # type: ignore[type-arg]
    """Where a request body may grow beyond its fields: an open object, a string or a list
    without a bound, or a `$ref` that reaches itself (a depth without end)."""
    ref = schema.get("$ref")
    if ref is not None:
        if ref in refs:
            return [f"{where}: {ref} nests without end"]
        target = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        return _unbounded(spec, target, ref.rsplit("/", 1)[-1], (*refs, ref))
    found = []
    kind, extra = schema.get("type"), schema.get("additionalProperties")
    if kind == "object" and extra is not False:
        if not isinstance(extra, dict) or "maxProperties" not in schema:
            found.append(f"{where}: an open object without maxProperties and a value schema")
    if kind == "string" and not {"maxLength", "enum", "format"} & set(schema):
        if not {"*", "+"}.isdisjoint(re.sub(r"\\.", "", schema.get("pattern", "*"))):
            found.append(f"{where}: a string without maxLength")
    if kind == "array" and "maxItems" not in schema:
        if not (schema.get("uniqueItems") and "enum" in _resolved(spec, schema["items"])):
            found.append(f"{where}: a list without maxItems")
    for key, value in schema.items():
        if key in {"properties"}:
            for name, inner in value.items():
                found += _unbounded(spec, inner, f"{where}.{name}", refs)
        elif key in {"items", "additionalProperties"} and isinstance(value, dict):
            found += _unbounded(spec, value, f"{where}[]", refs)
        elif key in {"anyOf", "oneOf", "allOf"}:
            for inner in value:
                found += _unbounded(spec, inner, where, refs)
    return found


def _resolved(spec: dict, schema: dict) -> dict:  # type: ignore[type-arg]
    ref = schema.get("$ref")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


def test_every_request_body_is_bounded_in_size_and_depth() -> None:
    for name in ("coaching.openapi.json", "voice.openapi.json"):
        spec = json.loads((ROOT / "spec" / name).read_text())
        for path, item in spec["paths"].items():
            for method, op in item.items():
                for media in op.get("requestBody", {}).get("content", {}).values():
                    where = f"{name} {method} {path}"
                    assert _unbounded(spec, media["schema"], where) == []
