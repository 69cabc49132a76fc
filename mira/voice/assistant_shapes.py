"""An assistant's one stored document and the two wire shapes around it (decision 11).

The document is the v1/admin shape without `name` and `variant.type` (columns of their own):
`variant.config`, `agent`, `icpContext`, `callSettings`, `analysisPlan`, `knowledgeBase`, plus
`v2` for what only the deprecated shape knows (`traits`, `pitchFlow`, `discountRules`,
`humanAgentAudioFiles`). A prompt always lives in `agent.systemPrompt`, whichever API sent it.
"""

from __future__ import annotations

import copy
from typing import Any, Protocol

from mira.timestamps import to_wire
from mira.voice.contract import SCHEMAS
from models import Assistant, Workspace


def _defaults(schema: str) -> dict[str, Any]:
    properties = SCHEMAS[schema]["properties"]
    return {name: field["default"] for name, field in properties.items() if "default" in field}


# Decision 19: the spec's `default`s, and the one slot its description names (`slots` is required
# when `callSettings` is sent, so it carries no `default` for Connexion to fill in).
DEFAULT_CALL_SETTINGS: dict[str, Any] = {
    "slots": [{"startTime": "09:00", "endTime": "21:00"}],
    **_defaults("CallSettings"),
    "retryProtocol": _defaults("RetryProtocol"),
}
NEW_DOCUMENT: dict[str, Any] = {
    "variant": {"config": {}},
    "agent": {"systemPrompt": "", "firstMessage": "", "endMessage": ""},
    "icpContext": {"language": "english"},
    "callSettings": DEFAULT_CALL_SETTINGS,
    "analysisPlan": {},
    "knowledgeBase": {"documents": [], "faq": []},
    "v2": {},
}
# v2 field → document field. `variantConfigs.variables` is written to `inputSchema` but read
# through `input_schema` (built in for abandoned carts, or declared as a `variableSchema`).
V2_FIELDS: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (("agentIdentity", "name"), ("agent", "identity", "name")),
    (("agentIdentity", "gender"), ("agent", "identity", "gender")),
    (("agentIdentity", "voice"), ("agent", "identity", "voice")),
    (("agentIdentity", "traits"), ("v2", "traits")),
    (("icpContext",), ("icpContext",)),
    (("callSettings",), ("callSettings",)),
    (("analysisPlan",), ("analysisPlan",)),
    (("variantConfigs", "pitchFlow"), ("v2", "pitchFlow")),
    (("variantConfigs", "discountRules"), ("v2", "discountRules")),
    (("variantConfigs", "systemPrompt"), ("agent", "systemPrompt")),
    (("trainingData", "faq"), ("knowledgeBase", "faq")),
    (("trainingData", "humanAgentAudioFiles"), ("v2", "humanAgentAudioFiles")),
    (("knowledgeBase", "documents"), ("knowledgeBase", "documents")),
]
V2_VARIABLES = ("variantConfigs", "variables")
INPUT_SCHEMA = ("variant", "config", "inputSchema")
# Replaced whole by an update, though they are objects (decision 24).
WHOLE_MAPS = frozenset({"callInsightPlan", "variableSchema"})
VARIABLE_DECLARATIONS = ("inputSchema", "variableSchema")


def _get(document: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(document, dict) or key not in document:
            return None
        document = document[key]
    return document


def _put(document: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        document = document.setdefault(key, {})
    document[path[-1]] = value


def from_v2(body: dict[str, Any]) -> dict[str, Any]:
    """A v2 body or update as a document patch, with `name` when it was sent."""
    patch: dict[str, Any] = {"name": body["name"]} if "name" in body else {}
    for v2_path, path in V2_FIELDS:
        value = _get(body, v2_path)
        if value is not None:
            _put(patch, path, value)
    variables = _get(body, V2_VARIABLES)
    if variables is None:
        variables = body.get("additionalFields")
    if variables is not None:
        _put(patch, INPUT_SCHEMA, variables)
    return patch


def from_admin(body: dict[str, Any]) -> dict[str, Any]:
    """A v1/admin body or update as a document patch, with `name` when it was sent.

    `variant.config.systemPrompt` (the G2 guide's place) moves to `agent.systemPrompt` unless
    that one is non-empty (decision 14).
    """
    patch = copy.deepcopy({key: value for key, value in body.items() if key != "variant"})
    config = copy.deepcopy(body.get("variant", {}).get("config", {}))
    prompt = config.pop("systemPrompt", None)
    if prompt is not None and not _get(patch, ("agent", "systemPrompt")):
        _put(patch, ("agent", "systemPrompt"), prompt)
    if config:
        patch["variant"] = {"config": config}
    return patch


def merged(document: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Objects merge field by field; arrays, scalars and WHOLE_MAPS are replaced (decision 24).

    Variables are declared one way: sending `inputSchema` drops a `variableSchema`, and back.
    """
    result = dict(document)
    for key, value in patch.items():
        old = result.get(key)
        if isinstance(value, dict) and isinstance(old, dict) and key not in WHOLE_MAPS:
            result[key] = merged(old, value)
        else:
            result[key] = value
        if key in VARIABLE_DECLARATIONS:
            result.pop(next(other for other in VARIABLE_DECLARATIONS if other != key), None)
    return result


def _variables_of(schema: dict[str, Any], depth: int) -> list[dict[str, Any]]:
    """A JSON schema's properties as `AdditionalField`s, nested at most three levels deep."""
    fields = []
    for name, reference in schema.get("properties", {}).items():
        prop = _resolved(reference)
        kind = "number" if prop.get("type") == "integer" else prop.get("type", "string")
        field: dict[str, Any] = {
            "name": name,
            "type": kind,
            "isRequired": name in schema.get("required", []),
        }
        inner = _resolved(prop.get("items", {})) if kind == "array" else prop
        if depth < 3 and inner.get("properties"):
            field["fields"] = _variables_of(inner, depth + 1)
        fields.append(field)
    return fields


def _resolved(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


# §4.5: an abandoned-cart assistant's variables are the fields of its payload.
ABANDONED_CART_VARIABLES = _variables_of(SCHEMAS["AbandonedCartPayload"], 1)


class Variant(Protocol):
    """What an assistant's variables are read from: a stored assistant, or its row."""

    @property
    def variant(self) -> str: ...

    @property
    def document(self) -> dict[str, Any]: ...


def input_schema(assistant: Variant) -> list[dict[str, Any]]:
    """The variables as `AdditionalField`s, however they were declared."""
    if assistant.variant == "abandoned_cart":
        return ABANDONED_CART_VARIABLES
    config = assistant.document["variant"]["config"]
    if "variableSchema" in config:
        schema = config["variableSchema"]
        return [
            {"name": name, "type": spec["type"], "isRequired": name in schema.get("required", [])}
            for name, spec in schema["properties"].items()
        ]
    inputs: list[dict[str, Any]] = config.get("inputSchema", [])
    return inputs


def _status(assistant: Assistant) -> str:
    if assistant.archived_at is not None:
        return "archived"
    return "in-process" if assistant.pending_update is not None else "active"


def _common(assistant: Assistant, workspace: Workspace) -> dict[str, Any]:
    return {
        "archivedAt": to_wire(assistant.archived_at),
        "createdAt": to_wire(assistant.created_at),
        "timezone": workspace.timezone,
        "status": _status(assistant),
    }


def to_v2(assistant: Assistant, workspace: Workspace) -> dict[str, Any]:
    """The deprecated v2 view (§4.2)."""
    view: dict[str, Any] = {
        "_id": assistant.id,
        "name": assistant.name,
        "variant": assistant.variant,
    }
    for v2_path, path in V2_FIELDS:
        value = _get(assistant.document, path)
        if value is not None:
            _put(view, v2_path, value)
    _put(view, V2_VARIABLES, input_schema(assistant))
    return view | _common(assistant, workspace)


def to_admin(assistant: Assistant, workspace: Workspace) -> dict[str, Any]:
    """`AssistantDetailResponse` (§4.5)."""
    document = assistant.document
    config = dict(document["variant"]["config"])
    if assistant.variant == "abandoned_cart":
        config["inputSchema"] = ABANDONED_CART_VARIABLES
    return {
        "_id": assistant.id,
        "name": assistant.name,
        "variant": {"type": assistant.variant, "config": config},
        "agent": document["agent"] | {"tools": []},
        "telephony": {"inbound": None, "outbound": None},
        **{
            key: document[key]
            for key in ("icpContext", "callSettings", "analysisPlan", "knowledgeBase")
        },
    } | _common(assistant, workspace)
