"""Pre-call validation (decisions 30–31): what makes a well-formed call `validation-failed`.

Request validation has already checked the shapes; what is left needs the assistant or a
number plan: a real phone number, and a `payload` that follows the assistant's variant. The
abandoned-cart payload is checked against `AbandonedCartPayload` of the spec itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import phonenumbers
from jsonschema import Draft4Validator, ValidationError, validators

from mira.voice.assistant_shapes import Variant
from mira.voice.assistants import declared_variables
from mira.voice.contract import COMPONENTS

MAX_REASONS = 10


def _nullable(check: Any) -> Any:
    """OpenAPI 3.0's `nullable: true`, which JSON Schema draft 4 does not know, admits null."""

    def nullable_check(
        validator: Any, value: Any, instance: Any, schema: dict[str, Any]
    ) -> Iterator[ValidationError]:
        if instance is None and schema.get("nullable"):
            return
        yield from check(validator, value, instance, schema)

    return nullable_check


OpenApiValidator = validators.extend(
    Draft4Validator, {"type": _nullable(Draft4Validator.VALIDATORS["type"])}
)
ABANDONED_CART_PAYLOAD = OpenApiValidator(
    {
        "$ref": "#/components/schemas/AbandonedCartPayload",
        "components": COMPONENTS,
    }
)


def phone_number_errors(phone_number: str) -> list[str]:
    try:
        if phonenumbers.is_valid_number(phonenumbers.parse(phone_number)):
            return []
    except phonenumbers.NumberParseException:  # e.g. no such country code
        pass
    return [f"phoneNumber: {phone_number} is not a valid number in any numbering plan"]


def _abandoned_cart_errors(payload: dict[str, Any] | None) -> list[str]:
    if payload is None:
        return ["payload: an abandoned_cart assistant's call needs the abandoned checkout"]
    where = [
        (".".join(["payload", *(str(part) for part in error.absolute_path)]), error.message)
        for error in ABANDONED_CART_PAYLOAD.iter_errors(payload)
    ]
    return [f"{path}: {message}" for path, message in sorted(where)]


def _custom_errors(assistant: Variant, payload: dict[str, Any] | None) -> list[str]:
    given = payload or {}
    errors = []
    for variable in filter(lambda v: v["isRequired"], declared_variables(assistant)):
        name, kind = variable["name"], variable["type"]
        if name not in given:
            errors.append(f"payload.{name}: required by the assistant")
        elif not OpenApiValidator.TYPE_CHECKER.is_type(given[name], kind):
            errors.append(f"payload.{name}: must be of type {kind}")
    return errors


def validation_errors(
    phone_number: str, assistant: Variant, payload: dict[str, Any] | None
) -> list[str]:
    """Why the call cannot be placed; empty when it can. At most MAX_REASONS of them."""
    if assistant.variant == "abandoned_cart":
        payload_errors = _abandoned_cart_errors(payload)
    else:
        payload_errors = _custom_errors(assistant, payload)
    return (phone_number_errors(phone_number) + payload_errors)[:MAX_REASONS]
