"""Archive and unarchive an organization or a workspace, cascading to what lies beneath.

Archived objects keep their data and stay readable; they refuse new workspaces, assistants,
assistant changes and calls. Archiving twice, or unarchiving what is live, is not an error.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mira.errors import BadRequest, NotFound
from mira.timestamps import to_wire
from mira.voice.workspaces import find_workspace
from models import Assistant, Organization, Workspace


def workspace_document(workspace: Workspace, organization: Organization) -> dict[str, Any]:
    return {
        "_id": workspace.id,
        "organization": organization.object_id,
        "name": workspace.name,
        "variant": workspace.variant,
        "currencyCode": workspace.currency_code,
        "timezone": workspace.timezone,
        "status": workspace.status,
        "archivedAt": to_wire(workspace.archived_at),
        "createdAt": to_wire(workspace.created_at),
    }


def _own_organization(session: Session, organization_id: uuid.UUID, object_id: str) -> Organization:
    organization = session.get_one(Organization, organization_id)
    if organization.object_id != object_id.lower():
        raise NotFound("Organization not found")
    return organization


def _cascade(session: Session, workspaces: Any, archived_at: datetime | None) -> None:
    """Set `archived_at` on the workspaces selected and on their assistants."""
    session.execute(
        update(Workspace)
        .where(Workspace.id.in_(workspaces))
        .values(archived_at=archived_at)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Assistant)
        .where(Assistant.workspace_id.in_(workspaces))
        .values(archived_at=archived_at)
        .execution_options(synchronize_session=False)
    )


def set_archived(
    session: Session,
    organization_id: uuid.UUID,
    kind: str,
    object_id: str,
    archived: bool,
    now: datetime,
) -> tuple[str, dict[str, Any] | None]:
    """The documented message, and the workspace document when a workspace is unarchived."""
    moment = now if archived else None
    verb = "archived" if archived else "unarchived"
    if kind == "organization":
        organization = _own_organization(session, organization_id, object_id)
        organization.archived_at = moment
        owned = select(Workspace.id).where(Workspace.organization_id == organization_id)
        _cascade(session, owned, moment)
        session.flush()
        return f"Organization {verb} successfully.", None
    workspace = find_workspace(session, organization_id, object_id)
    organization = session.get_one(Organization, organization_id)
    if not archived and organization.archived_at is not None:
        raise BadRequest("Cannot unarchive workspace. Parent Organization is archived.")
    _cascade(session, [workspace.id], moment)
    session.flush()
    session.refresh(workspace)
    document = None if archived else workspace_document(workspace, organization)
    return f"Workspace {verb} successfully.", document
