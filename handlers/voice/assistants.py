"""/v2/assistant/* (the deprecated shape) and /v1/admin/assistant/*: one store, two views."""

from __future__ import annotations

from typing import Any

from handlers.auth import voice_caller, workspace_header
from mira.request_scope import request_session, request_settings
from mira.voice import assistants
from mira.voice.assistant_shapes import to_admin, to_v2
from models.base import utcnow

CREATED = "Assistant created successfully"
FETCHED = "Assistant fetched successfully"


def create_assistant(
    token_info: dict[str, Any], body: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    organization_id = voice_caller(token_info).organization_id
    assistant = assistants.create_from_v2(
        request_session(), organization_id, workspace_header(), body, utcnow()
    )
    return {"message": CREATED, "data": {"assistantId": assistant.id, "status": "active"}}, 201


def get_assistant(token_info: dict[str, Any], assistant_id: str) -> tuple[dict[str, Any], int]:
    organization_id = voice_caller(token_info).organization_id
    view = assistants.read(
        request_session(), organization_id, workspace_header(), assistant_id, to_v2
    )
    return {"message": FETCHED, "data": view}, 200


def update_assistant(
    token_info: dict[str, Any], assistant_id: str, body: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    organization_id = voice_caller(token_info).organization_id
    assistant = assistants.update_from_v2(
        request_session(),
        organization_id,
        workspace_header(),
        assistant_id,
        body,
        utcnow(),
        request_settings(),
    )
    return {"assistantId": assistant.id, "status": "in-process"}, 200


def admin_create_assistant(
    token_info: dict[str, Any], body: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    organization_id = voice_caller(token_info).organization_id
    assistant = assistants.create_from_admin(
        request_session(), organization_id, workspace_header(), body, utcnow()
    )
    return {"message": CREATED, "data": {"assistantId": assistant.id}}, 200


def admin_get_assistant(
    token_info: dict[str, Any], assistant_id: str
) -> tuple[dict[str, Any], int]:
    organization_id = voice_caller(token_info).organization_id
    view = assistants.read(
        request_session(), organization_id, workspace_header(), assistant_id, to_admin
    )
    return {"message": FETCHED, "data": view}, 200


def admin_list_assistants(
    token_info: dict[str, Any], page: int | None = None, limit: int | None = None
) -> tuple[dict[str, Any], int]:
    organization_id = voice_caller(token_info).organization_id
    views, meta = assistants.list_assistants(
        request_session(), organization_id, workspace_header(), to_admin, page, limit
    )
    body: dict[str, Any] = {"message": "Assistants fetched successfully", "data": views}
    return (body | {"meta": meta} if meta else body), 200


def admin_update_assistant(
    token_info: dict[str, Any], assistant_id: str, body: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    organization_id = voice_caller(token_info).organization_id
    assistant = assistants.update_from_admin(
        request_session(),
        organization_id,
        workspace_header(),
        assistant_id,
        body,
        utcnow(),
        request_settings(),
    )
    return {"assistantId": assistant.id}, 200
