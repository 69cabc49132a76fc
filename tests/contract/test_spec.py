"""The spec is valid, served as written, and every operationId is a handler function."""

from __future__ import annotations

import ast
import importlib
import json
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
