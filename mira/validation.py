"""Request validation whose messages name the offending parameter or body field.

Connexion builds a JSON Schema validator for every parameter and body of every request; these
validators are built once per schema and kept, which is most of what validation costs. A body
a quick check finds valid (mira.precheck) is not validated again.
"""

from __future__ import annotations

import math
from collections.abc import AsyncGenerator
from typing import Any

import orjson
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem
from connexion.utils import is_null, is_nullable
from connexion.validators import (
    AbstractRequestBodyValidator,
    JSONRequestBodyValidator,
    ParameterValidator,
)
from connexion.validators.json import Draft4RequestValidator
from jsonschema import Draft4Validator, ValidationError
from jsonschema.exceptions import best_match
from starlette.types import Receive, Scope

from mira.precheck import Precheck

_validators: dict[tuple[int, type], tuple[dict[str, Any], Any]] = {}
_prechecks: dict[int, tuple[dict[str, Any], Precheck]] = {}


def validator_of(schema: dict[str, Any], cls: type[Draft4Validator] = Draft4Validator) -> Any:
    """The validator of a schema of the spec, built once (the spec's dicts live as long as the
    app, and the schema is kept beside its validator so that its id is never reused)."""
    key = (id(schema), cls)
    known = _validators.get(key)
    if known is None or known[0] is not schema:
        known = _validators[key] = (
            schema,
            cls(schema, format_checker=Draft4Validator.FORMAT_CHECKER),
        )
    return known[1]


def precheck_of(schema: dict[str, Any]) -> Precheck:
    """The quick check of a body schema (mira.precheck), built once."""
    known = _prechecks.get(id(schema))
    if known is None or known[0] is not schema:
        known = _prechecks[id(schema)] = (schema, Precheck(schema))
    return known[1]


class NamedParameterValidator(ParameterValidator):  # type: ignore[misc]
    @staticmethod
    def validate_parameter(
        parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
    ) -> str | None:
        name = param["name"]
        if is_nullable(param) and is_null(value):
            return None
        if value is None:
            return f"Missing {parameter_type} parameter '{name}'" if param.get("required") else None
        if isinstance(value, float) and not math.isfinite(value):
            return f"{parameter_type} parameter '{name}': {value} is not a finite number"
        try:
            validator_of(param.get("schema", param)).validate(value)
        except ValidationError as exc:
            return f"{parameter_type} parameter '{name}': {exc.message}"
        return None


def _is_tag(error: ValidationError) -> bool:
    return error.validator == "enum" and len(error.validator_value) == 1


def _misses(error: ValidationError) -> bool:
    """Whether a variant's error says the client meant another variant: its tag does not match,
    or its `type` does not match the value itself (a string is not the object variant)."""
    if _is_tag(error):
        return True
    if error.relative_path:
        return False
    if error.validator in ("anyOf", "oneOf"):
        return all(_misses(inner) for inner in error.context)
    return bool(error.validator == "type")


def _types(error: ValidationError) -> list[str]:
    if error.validator in ("anyOf", "oneOf"):
        return [kind for inner in error.context for kind in _types(inner)]
    return [repr(error.validator_value)] if error.validator == "type" else []


def _in_chosen_variant(error: ValidationError) -> ValidationError:
    """For a body matching none of a `oneOf`/`anyOf`, the error inside the variant it chose.

    A variant whose tag (a single-value `enum`, such as `variant` or `variant.type`) or type does
    not match is not the one the client meant; when no tag matches, the tag is the error, and
    when no type does, the type. Otherwise the message would name no field and repeat the whole
    body.
    """
    while error.validator in ("anyOf", "oneOf") and error.context:
        variants: dict[Any, list[ValidationError]] = {}
        for inner in error.context:
            variants.setdefault(inner.relative_schema_path[0], []).append(inner)
        chosen = [errors for errors in variants.values() if not any(map(_misses, errors))]
        tags = [inner for inner in error.context if _is_tag(inner)]
        if not chosen and len(tags) == len(variants):
            allowed = [tag.validator_value[0] for tag in tags]
            return ValidationError(
                f"{tags[0].instance!r} is not one of {allowed}", path=tags[0].absolute_path
            )
        if not chosen and not tags:
            kinds = ", ".join(_types(error))
            return ValidationError(
                f"{error.instance!r} is not of type {kinds}", path=error.absolute_path
            )
        error = best_match(chosen[0] if len(chosen) == 1 else error.context)
    return error


class NamedBodyValidator(JSONRequestBodyValidator):  # type: ignore[misc]
    # The handler is given the body as parsed here, re-encoded, not the client's bytes parsed
    # again by another parser: an integer orjson reads as a float stays one float everywhere.
    MUTABLE_VALIDATION = True

    @property
    def _validator(self) -> Any:
        return validator_of(self._schema, Draft4RequestValidator)

    def _insert_body(self, receive: Receive, *, body: Any, scope: Scope) -> tuple[Receive, Scope]:
        if body is None:
            return receive, scope
        raw = orjson.dumps(body)
        scope = {
            **scope,
            "headers": [
                *((k, v) for k, v in scope["headers"] if k != b"content-length"),
                (b"content-length", str(len(raw)).encode()),
            ],
        }
        message = {"type": "http.request", "body": raw, "more_body": False}
        return self._insert_messages(receive, messages=[message]), scope

    async def _parse(self, stream: AsyncGenerator[bytes, None], scope: Scope) -> Any:
        # orjson, as the handlers' own parser: strict RFC 8259 (no NaN or Infinity, no lone
        # surrogates, no number overflowing to inf) and no recursion limit to trip over.
        raw = b"".join([chunk async for chunk in stream])
        if not raw:
            return None
        try:
            return orjson.loads(raw.decode(self._encoding or "utf-8"))
        except (UnicodeDecodeError, LookupError):
            raise BadRequestProblem(detail="Request body is not valid UTF-8") from None
        except orjson.JSONDecodeError as exc:
            raise BadRequestProblem(detail=f"Request body is not valid JSON: {exc}") from None

    def _validate(self, body: Any) -> dict[str, Any] | None:
        if not self._nullable and body is None:
            raise BadRequestProblem(detail="Request body must not be empty")
        if precheck_of(self._schema).admits(body):
            return None
        try:
            result: dict[str, Any] | None = self._validator.validate(body)
            return result
        except ValidationError as exc:
            error = _in_chosen_variant(exc)
            where = ".".join(str(part) for part in error.absolute_path)
            detail = f"body field '{where}': {error.message}" if where else f"body: {error.message}"
            raise BadRequestProblem(detail=detail) from None


class TextBodyValidator(AbstractRequestBodyValidator):  # type: ignore[misc]
    """Validates a text body (a transcript file) against its string schema.

    Connexion ships no request validator for text, so without this one an empty or oversized
    file would reach the handler unchecked.
    """

    async def _parse(self, stream: AsyncGenerator[bytes, None], scope: Scope) -> str:
        raw = b"".join([chunk async for chunk in stream])
        try:
            return raw.decode(self._encoding or "utf-8")
        except (UnicodeDecodeError, LookupError):
            raise BadRequestProblem(detail="Request body is not valid UTF-8") from None

    def _validate(self, body: str) -> None:
        try:
            validator_of(self._schema).validate(body)
        except ValidationError as exc:
            raise BadRequestProblem(detail=f"body: {exc.message}") from None


VALIDATOR_MAP = {
    "parameter": NamedParameterValidator,
    "body": MediaTypeDict(
        {
            "*/*json": NamedBodyValidator,
            "text/*": TextBodyValidator,
            "application/x-subrip": TextBodyValidator,
        }
    ),
}
