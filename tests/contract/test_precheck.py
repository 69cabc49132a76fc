"""The quick check (mira.precheck) never admits a body the validator of record rejects, and it
does admit the documented bodies, so that it is the path valid requests take."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from connexion.json_schema import Draft4RequestValidator
from connexion.spec import Specification
from jsonschema import Draft4Validator

from mira.precheck import Precheck, json_schema

SPECS = Path(__file__).resolve().parents[2] / "spec"
ODD_VALUES: list[Any] = [None, "", "x" * 3000, 1.0, 0, -1, True, [], {}, [None], {"": None}]


def _bodies() -> Iterator[tuple[str, dict[str, Any], Any]]:
    """Every documented request body of both APIs, with its resolved schema."""
    for name in ("coaching.openapi.json", "voice.openapi.json"):
        spec = Specification.load(SPECS / name)
        for path, item in spec["paths"].items():
            for method, operation in item.items():
                content = operation.get("requestBody", {}).get("content", {})
                media = content.get("application/json")
                if media is None:
                    continue
                examples = [e["value"] for e in media.get("examples", {}).values()]
                if "example" in media:
                    examples.append(media["example"])
                # As Connexion hands it over: with the spec's components, for references.
                schema = {**media["schema"], "components": spec["components"]}
                for example in examples:
                    yield f"{method.upper()} {path}", schema, example


def _variants(body: Any) -> Iterator[Any]:
    """The body, then with each field (one level down too) given odd values, or dropped."""
    yield body
    if not isinstance(body, dict):
        return
    for key, value in body.items():
        for odd in ODD_VALUES:
            yield {**body, key: odd}
        yield {k: v for k, v in body.items() if k != key}
        if isinstance(value, dict):
            for inner in value:
                for odd in ODD_VALUES:
                    changed = copy.deepcopy(body)
                    changed[key][inner] = odd
                    yield changed
    yield {**body, "unexpected": 1}


def _of_record(schema: dict[str, Any]) -> Any:
    return Draft4RequestValidator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


DOCUMENTED = list(_bodies())
DATE_TIME = {"type": "string", "format": "date-time"}


@pytest.mark.parametrize(
    ("operation", "schema", "example"), DOCUMENTED, ids=[d[0] for d in DOCUMENTED]
)
def test_admits_only_what_the_validator_of_record_accepts(
    operation: str, schema: dict[str, Any], example: Any
) -> None:
    precheck, of_record = Precheck(schema), _of_record(schema)
    for body in _variants(example):
        if precheck.admits(body):
            assert of_record.is_valid(body), (operation, body)


def test_documented_bodies_take_the_quick_path() -> None:
    admitted = [
        operation for operation, schema, example in DOCUMENTED if Precheck(schema).admits(example)
    ]
    assert "POST /v2/call/initiate" in admitted
    assert len(admitted) >= len(DOCUMENTED) // 2, admitted


@pytest.mark.parametrize(
    ("schema", "body", "admitted"),
    [
        # nullable lets null through type and enum, nothing else
        ({"type": "string", "nullable": True}, None, True),
        ({"type": "string", "enum": ["a"], "nullable": True}, None, True),
        ({"type": "string", "enum": ["a"], "nullable": True}, "b", False),
        ({"type": "string", "minLength": 2, "nullable": True}, "a", False),
        ({"type": "string"}, None, False),
        # a property called "nullable" is a property
        (
            {"type": "object", "properties": {"nullable": {"type": "integer"}}},
            {"nullable": 1},
            True,
        ),
        (
            {"type": "object", "properties": {"nullable": {"type": "integer"}}},
            {"nullable": "1"},
            False,
        ),
        # draft 4: 1.0 is a number, not an integer
        ({"type": "integer"}, 1.0, False),
        # formats and \\s are for the validator of record alone
        ({"type": "string", "format": "date-time"}, "2016-12-31T23:59:60Z", False),
        ({"type": "string", "pattern": "^[^@\\s]+@[^@\\s]+$"}, "a\x1cb@c.d", False),
        ({"type": "string", "pattern": "^[0-9a-f]{24}$"}, "0" * 24, True),
        # what a reference reaches counts; components nothing refers to do not
        (
            {"$ref": "#/components/schemas/At", "components": {"schemas": {"At": DATE_TIME}}},
            "2016-12-31T23:59:60Z",
            False,
        ),
        (
            {"type": "string", "components": {"schemas": {"At": DATE_TIME}}},
            "2016-12-31T23:59:60Z",
            True,
        ),
    ],
)
def test_quick_check_cases(schema: dict[str, Any], body: Any, admitted: bool) -> None:
    assert Precheck(schema).admits(body) is admitted
    if admitted:
        assert _of_record(schema).is_valid(body)


def test_nullable_is_spelt_as_json_schema() -> None:
    assert json_schema({"type": "string", "enum": ["a"], "nullable": True}) == {
        "type": ["string", "null"],
        "enum": ["a", None],
    }


def _deep(depth: int) -> Any:
    return {"a": _deep(depth - 1)} if depth > 1 else {"a": None}


INITIATE = next(
    schema for operation, schema, _ in DOCUMENTED if operation == "POST /v2/call/initiate"
)
CALL = {"phoneNumber": "+919876543210", "assistant": "69a57cdba3f3ab7e07cca1e4"}


@pytest.mark.parametrize(
    ("metadata", "admitted"),
    [
        ({"a": "x" * 2000, "b": [1, 2.5, None, True, {"c": ["d"]}], "e": _deep(3)}, True),
        ({f"k{i}": None for i in range(64)}, True),
        ({"e": _deep(4)}, False),
        ({f"k{i}": None for i in range(65)}, False),
        ({"a": "x" * 2001}, False),
        ({"a": list(range(101))}, False),
        ({"a": "\u0000"}, False),
    ],
)
def test_free_form_bounds_are_judged_alike(metadata: dict[str, Any], admitted: bool) -> None:
    body = {**CALL, "metadata": metadata, "payload": metadata}
    assert Precheck(INITIATE).admits(body) is admitted
    assert _of_record(INITIATE).is_valid(body) is admitted
