"""Request validation whose messages name the offending parameter or body field."""

from __future__ import annotations

import copy
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
from jsonschema import Draft4Validator, ValidationError
from starlette.types import Scope


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
        schema = copy.deepcopy(param.get("schema", param))
        try:
            Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER).validate(value)
        except ValidationError as exc:
            return f"{parameter_type} parameter '{name}': {exc.message}"
        return None


class NamedBodyValidator(JSONRequestBodyValidator):  # type: ignore[misc]
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
        try:
            result: dict[str, Any] | None = self._validator.validate(body)
            return result
        except ValidationError as exc:
            where = ".".join(str(part) for part in exc.absolute_path)
            detail = f"body field '{where}': {exc.message}" if where else f"body: {exc.message}"
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
            Draft4Validator(self._schema).validate(body)
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
