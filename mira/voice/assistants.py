"""Assistants: created in either shape, read in either view, updated through either API.

Every accepted update starts the assistant's cooldown (decision 25). A v1/admin update is applied
at once; a v2 update is checked and its result computed when accepted, and the worker applies it
when due (decision 23): until then reads show the previous values, `in-process`.
"""

from __future__ import annotations

import copy
import logging
import math
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mira.db import claimable
from mira.errors import BadRequest, Conflict, NotFound, TooManyRequests
from mira.pagination import paginate
from mira.settings import Settings
from mira.voice.assistant_shapes import (
    NEW_DOCUMENT,
    Variant,
    from_admin,
    from_v2,
    input_schema,
    merged,
)
from mira.voice.workspaces import find_workspace
from models import Assistant, Workspace

log = logging.getLogger("mira.voice.assistants")
DUPLICATE_NAME = "Assistant with this name already exists"
DEFAULT_LIMIT = 20
View = Callable[[Assistant, Workspace], dict[str, Any]]
# How each API names the fields a variant conflict is about (decision 26).
ADMIN_NAMES = {
    "systemPrompt": "agent.systemPrompt",
    "inputSchema": "variant.config.inputSchema",
    "variableSchema": "variant.config.variableSchema",
    "abandoned_cart": "variant.config.abandoned_cart",
}
V2_NAMES = ADMIN_NAMES | {
    "systemPrompt": "variantConfigs.systemPrompt",
    "inputSchema": "variantConfigs.variables",
}


def declared_variables(assistant: Variant) -> list[dict[str, Any]]:
    """`{name, type, isRequired}` of each variable a call's payload supplies."""
    return [
        {
            "name": variable["name"],
            "type": variable.get("type", "string"),
            "isRequired": variable.get("isRequired", False),
        }
        for variable in input_schema(assistant)
    ]


def call_settings(assistant: Assistant) -> dict[str, Any]:
    """Complete: the defaults were filled in at creation, and updates merge into them."""
    settings: dict[str, Any] = assistant.document["callSettings"]
    return settings


def _set_document(assistant: Assistant, document: dict[str, Any]) -> None:
    """The document, and the dialer's copy of its cap (mira.dialer.capacity)."""
    assistant.document = document
    assistant.call_cap = int(document["callSettings"]["concurrentCallCount"])


def _settled(variant: str, document: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """The document, once it is true to its variant (decision 26)."""
    config = document["variant"]["config"]
    if variant == "custom":
        if not document["agent"]["systemPrompt"]:
            field = names["systemPrompt"]
            raise Conflict(f"{field}: a custom assistant needs a non-empty system prompt")
        if "abandoned_cart" in config:
            raise Conflict(f"{names['abandoned_cart']}: not for a custom assistant")
        return document
    for declaration in ("inputSchema", "variableSchema"):
        if config.get(declaration):
            raise Conflict(
                f"{names[declaration]}: the variables of an abandoned_cart assistant are built in"
            )
    # What is left is the `variables: []` v2 clients send: nothing to keep.
    inputs = {key: value for key, value in config.items() if key != "inputSchema"}
    return document | {"variant": {"config": inputs}}


def _flush_name(session: Session) -> None:
    """Write the assistant; the unique index on its name decides duplicates."""
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(DUPLICATE_NAME) from None


def _name_taken(session: Session, assistant: Assistant, name: str) -> bool:
    other = select(Assistant.id).where(
        Assistant.workspace_id == assistant.workspace_id,
        Assistant.name == name,
        Assistant.id != assistant.id,
    )
    return session.scalar(other.limit(1)) is not None


def _create(
    session: Session,
    organization_id: uuid.UUID,
    workspace_id: str,
    variant: str,
    patch: dict[str, Any],
    now: datetime,
) -> Assistant:
    workspace = find_workspace(session, organization_id, workspace_id)
    if workspace.archived_at is not None:
        raise BadRequest("Workspace is archived.")
    fields = dict(patch)
    name = fields.pop("name")
    document = _settled(variant, merged(copy.deepcopy(NEW_DOCUMENT), fields), ADMIN_NAMES)
    assistant = Assistant(
        organization_id=organization_id,
        workspace_id=workspace.id,
        name=name,
        variant=variant,
        created_at=now,
    )
    _set_document(assistant, document)
    session.add(assistant)
    _flush_name(session)
    return assistant


def create_from_v2(
    session: Session,
    organization_id: uuid.UUID,
    workspace_id: str,
    body: dict[str, Any],
    now: datetime,
) -> Assistant:
    return _create(session, organization_id, workspace_id, body["variant"], from_v2(body), now)


def create_from_admin(
    session: Session,
    organization_id: uuid.UUID,
    workspace_id: str,
    body: dict[str, Any],
    now: datetime,
) -> Assistant:
    variant = body["variant"]["type"]
    return _create(session, organization_id, workspace_id, variant, from_admin(body), now)


def _find(
    session: Session, workspace: Workspace, assistant_id: str, for_update: bool = False
) -> Assistant:
    query = select(Assistant).where(
        Assistant.id == assistant_id.lower(), Assistant.workspace_id == workspace.id
    )
    assistant = session.scalar(query.with_for_update() if for_update else query)
    if assistant is None:
        raise NotFound("Assistant not found")
    return assistant


def read(
    session: Session, organization_id: uuid.UUID, workspace_id: str, assistant_id: str, view: View
) -> dict[str, Any]:
    workspace = find_workspace(session, organization_id, workspace_id)
    return view(_find(session, workspace, assistant_id), workspace)


def list_assistants(
    session: Session,
    organization_id: uuid.UUID,
    workspace_id: str,
    view: View,
    page: int | None,
    limit: int | None,
) -> tuple[list[dict[str, Any]], dict[str, int] | None]:
    """All of them in creation order; a page, and its `meta`, only when one was asked for."""
    workspace = find_workspace(session, organization_id, workspace_id)
    query = (
        select(Assistant)
        .where(Assistant.workspace_id == workspace.id)
        .order_by(Assistant.created_at, Assistant.id)
    )
    if page is None and limit is None:
        return [view(assistant, workspace) for assistant in session.scalars(query)], None
    found = paginate(
        session, query, page or 1, limit or DEFAULT_LIMIT, lambda row: view(row, workspace)
    )
    return list(found.items), found.voice_meta


def _apply_pending(session: Session, assistant: Assistant) -> None:
    """Apply an accepted v2 update. Its new name may have been taken since: then it is dropped."""
    pending = assistant.pending_update
    if pending is None:
        return
    name = pending["name"]
    if name != assistant.name and _name_taken(session, assistant, name):
        log.warning("assistant %s keeps its name: %r was taken meanwhile", assistant.id, name)
    else:
        assistant.name = name
    _set_document(assistant, pending["document"])
    assistant.pending_update = None
    assistant.update_due_at = None


def _updatable(
    session: Session,
    organization_id: uuid.UUID,
    workspace_id: str,
    assistant_id: str,
    now: datetime,
    cooldown_seconds: float,
) -> Assistant:
    """The assistant, locked, once it may change: not archived, past its cooldown, and with an
    earlier v2 update applied (a worker may lag)."""
    workspace = find_workspace(session, organization_id, workspace_id)
    assistant = _find(session, workspace, assistant_id, for_update=True)
    if assistant.archived_at is not None:
        raise BadRequest("Assistant is archived.")
    if assistant.last_update_at is not None:
        cooldown_ends = assistant.last_update_at + timedelta(seconds=cooldown_seconds)
        if cooldown_ends > now:
            seconds = math.ceil((cooldown_ends - now).total_seconds())
            raise TooManyRequests(
                f"Assistant update in progress. Please retry after {seconds} seconds.", seconds
            )
    _apply_pending(session, assistant)
    return assistant


def _updated(
    assistant: Assistant, patch: dict[str, Any], names: dict[str, str]
) -> tuple[str, dict[str, Any]]:
    """The name and document the patch leads to."""
    fields = dict(patch)
    name = fields.pop("name", assistant.name)
    return name, _settled(assistant.variant, merged(assistant.document, fields), names)


def update_from_v2(
    session: Session,
    organization_id: uuid.UUID,
    workspace_id: str,
    assistant_id: str,
    body: dict[str, Any],
    now: datetime,
    settings: Settings,
) -> Assistant:
    cooldown = settings.voice_update_cooldown_seconds
    assistant = _updatable(session, organization_id, workspace_id, assistant_id, now, cooldown)
    name, document = _updated(assistant, from_v2(body), V2_NAMES)
    if _name_taken(session, assistant, name):
        raise Conflict(DUPLICATE_NAME)
    assistant.pending_update = {"name": name, "document": document}
    assistant.update_due_at = now + timedelta(seconds=settings.voice_update_apply_seconds)
    assistant.last_update_at = now
    return assistant


def update_from_admin(
    session: Session,
    organization_id: uuid.UUID,
    workspace_id: str,
    assistant_id: str,
    body: dict[str, Any],
    now: datetime,
    settings: Settings,
) -> Assistant:
    cooldown = settings.voice_update_cooldown_seconds
    assistant = _updatable(session, organization_id, workspace_id, assistant_id, now, cooldown)
    assistant.name, document = _updated(assistant, from_admin(body), ADMIN_NAMES)
    _set_document(assistant, document)
    assistant.last_update_at = now
    _flush_name(session)
    return assistant


def apply_due_updates(session: Session, now: datetime, limit: int) -> int:
    """Apply the v2 updates that are due; other workers skip the rows this one holds."""
    due = (
        select(Assistant)
        .where(Assistant.update_due_at <= now)
        .order_by(Assistant.update_due_at, Assistant.id)
        .limit(limit)
    )
    assistants = session.scalars(claimable(session, due)).all()
    for assistant in assistants:
        _apply_pending(session, assistant)
    return len(assistants)
