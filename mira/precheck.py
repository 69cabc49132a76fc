"""A quick check that lets a valid request body through without the Python validator.

jsonschema (Python) is the validator of record: it decides and names what is wrong. Checking a
body that is valid, as nearly every body is, costs it ~100 µs (an initiated call); jsonschema-rs
answers the same question in a few. So a body jsonschema-rs finds valid is valid; any other
goes to jsonschema, which may still accept it. For that to be sound, jsonschema-rs must never
accept what jsonschema rejects, so the quick check is only built for schemas where the two
agree by construction:

- OpenAPI's `nullable` (which lets null through `type` and `enum`, as Connexion reads it) is
  spelt as JSON Schema: `"null"` added to the type, `null` to the enum;
- no `format` anywhere (the two libraries judge formats differently: a leap second), and no
  pattern using `\\s`, `\\w` or `\\b` (the regex engines' classes differ: `\\x1c` is a space to
  Python only).
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs

# Pattern escapes whose meaning differs between Python's `re` and Rust's regex engine.
DIFFERING_ESCAPES = ("\\s", "\\S", "\\w", "\\W", "\\b", "\\B")


def _pointed(root: dict[str, Any], ref: str) -> Any:
    """The schema a local `$ref` names in `root`, or None."""
    if not ref.startswith("#/"):
        return None
    target: Any = root
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(target, dict) or part not in target:
            return None
        target = target[part]
    return target


def _agrees(root: dict[str, Any]) -> bool:
    """Whether the schemas a body is checked against, `root` and what its `$ref`s reach, are
    free of what the two libraries judge differently. Connexion hands every body schema the
    spec's `components` for its references: the ones nothing refers to do not count."""
    followed: set[str] = set()

    def agrees(schema: Any) -> bool:
        if isinstance(schema, list):
            return all(agrees(value) for value in schema)
        if not isinstance(schema, dict):
            return True
        if "format" in schema and isinstance(schema["format"], str):
            return False
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and any(escape in pattern for escape in DIFFERING_ESCAPES):
            return False
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref not in followed:
            followed.add(ref)
            target = _pointed(root, ref)
            if target is None or not agrees(target):
                return False
        return all(
            agrees(value)
            for key, value in schema.items()
            if not (schema is root and key == "components")
        )

    return agrees(root)


def json_schema(schema: Any) -> Any:
    """The OpenAPI 3.0 schema as JSON Schema draft 4 reads it."""
    if isinstance(schema, list):
        return [json_schema(value) for value in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: json_schema(value) for key, value in schema.items()}
    # A boolean: a property that happens to be called "nullable" has a schema for its value.
    nullable = [
        converted.pop(key) for key in ("nullable", "x-nullable") if converted.get(key) is True
    ]
    if nullable:
        kind = converted.get("type")
        if isinstance(kind, str):
            converted["type"] = [kind, "null"]
        elif isinstance(kind, list) and "null" not in kind:
            converted["type"] = [*kind, "null"]
        enum = converted.get("enum")
        if isinstance(enum, list) and None not in enum:
            converted["enum"] = [*enum, None]
    return converted


class Precheck:
    """`admits(body)`: True only for a body the schema's validator of record accepts too."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.validator = None
        if _agrees(schema):
            try:
                self.validator = jsonschema_rs.Draft4Validator(
                    json_schema(schema), validate_formats=False
                )
            except (ValueError, jsonschema_rs.ValidationError):  # a schema it cannot compile
                self.validator = None

    def admits(self, body: Any) -> bool:
        if self.validator is None:
            return False
        try:
            return bool(self.validator.is_valid(body))
        except (ValueError, OverflowError):  # a value it cannot represent: let jsonschema judge
            return False
