"""Workspaces: a Shopify store onboarded under the caller's organization, once per store."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from mira.dialer.credits import suspended
from mira.errors import BadRequest, NotFound
from models import Organization, Workspace


def onboarding_to_wire(workspace: Workspace, organization: Organization) -> dict[str, Any]:
    return {
        "workspace": workspace.id,
        "status": "suspended" if suspended(workspace) else workspace.status,
        "billing": {
            "type": workspace.billing_type,
            "creditBalance": workspace.credit_balance,
            "negativeCreditAllowance": workspace.negative_credit_allowance,
        },
        "organization": organization.object_id,
    }


def onboard_shopify_store(
    session: Session, organization_id: uuid.UUID, store: dict[str, Any], now: datetime
) -> tuple[dict[str, Any], bool]:
    """The store's workspace, and whether it was created now (False: registered before)."""
    organization = session.get_one(Organization, organization_id)
    if organization.archived_at is not None:
        raise BadRequest("Organization is archived.")
    store_key = store["name"].strip().casefold()
    existing = session.scalar(
        select(Workspace).where(
            Workspace.organization_id == organization_id, Workspace.store_key == store_key
        )
    )
    if existing is not None:
        if existing.archived_at is not None:
            raise BadRequest("Workspace is archived.")
        return onboarding_to_wire(existing, organization), False
    workspace = Workspace(
        organization_id=organization_id,
        name=store["name"].strip(),
        store_key=store_key,
        currency_code=store["currencyCode"].upper(),
        timezone=store["timezone"],
        profile={key: store[key] for key in ("supportContacts", "trustSignals", "policyFramework")},
        created_at=now,
    )
    session.add(workspace)
    session.flush()
    return onboarding_to_wire(workspace, organization), True


WORKSPACES = Workspace.__table__.c
WORKSPACE_ID = select(WORKSPACES.id).where(
    WORKSPACES.id == bindparam("workspace_id"),
    WORKSPACES.organization_id == bindparam("organization_id"),
)


def workspace_id_of(session: Session, organization_id: uuid.UUID, workspace_id: str) -> str:
    """The caller's workspace by its header, known without loading it (see `find_workspace`)."""
    params = {"workspace_id": workspace_id.lower(), "organization_id": organization_id}
    found: str | None = session.connection().execute(WORKSPACE_ID, params).scalar()
    if found is None:
        raise NotFound("Workspace not found")
    return found


def find_workspace(session: Session, organization_id: uuid.UUID, workspace_id: str) -> Workspace:
    """The caller's workspace by its header; another organization's is as unknown as none."""
    workspace = session.scalar(
        select(Workspace).where(
            Workspace.id == workspace_id.lower(), Workspace.organization_id == organization_id
        )
    )
    if workspace is None:
        raise NotFound("Workspace not found")
    return workspace
