"""Coaching templates: list, create, read, partial update (each bumps the version), delete."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mira.errors import BadRequest, NotFound
from mira.pagination import Page, paginate
from mira.timestamps import to_wire
from models import Template
from models.base import utcnow


def template_to_wire(template: Template) -> dict[str, Any]:
    return {
        "id": str(template.id),
        "name": template.name,
        "description": template.description,
        "prompt_template": template.prompt_template,
        "grading_criteria": [
            {"name": c["name"], "weight": c["weight"], "description": c.get("description")}
            for c in template.grading_criteria
        ],
        "coaching_tone": template.coaching_tone,
        "call_type": template.call_type,
        "industry_context": template.industry_context,
        "is_active": template.is_active,
        "version": template.version,
        "created_at": to_wire(template.created_at),
        "updated_at": to_wire(template.updated_at),
    }


def check_weights(criteria: list[dict[str, Any]]) -> None:
    total = sum(c["weight"] for c in criteria)
    if abs(total - 100) > 1e-6:
        raise BadRequest(f"grading_criteria: weights must sum to 100, they sum to {total:g}")


def list_templates(
    session: Session,
    organization_id: uuid.UUID,
    *,
    page: int,
    limit: int,
    is_active: bool | None = None,
    call_type: str | None = None,
) -> Page:
    query = select(Template).where(
        Template.organization_id == organization_id, Template.deleted_at.is_(None)
    )
    if is_active is not None:
        query = query.where(Template.is_active == is_active)
    if call_type is not None:
        query = query.where(Template.call_type == call_type)
    query = query.order_by(Template.created_at.desc(), Template.id.desc())
    return paginate(session, query, page, limit, template_to_wire)


def find_template(session: Session, organization_id: uuid.UUID, template_id: uuid.UUID) -> Template:
    template = session.scalar(
        select(Template).where(
            Template.id == template_id,
            Template.organization_id == organization_id,
            Template.deleted_at.is_(None),
        )
    )
    if template is None:
        raise NotFound("Template not found")
    return template


def get_template(
    session: Session, organization_id: uuid.UUID, template_id: uuid.UUID
) -> dict[str, Any]:
    return template_to_wire(find_template(session, organization_id, template_id))


def create_template(
    session: Session, organization_id: uuid.UUID, fields: dict[str, Any]
) -> dict[str, Any]:
    check_weights(fields["grading_criteria"])
    template = Template(organization_id=organization_id, **fields)
    session.add(template)
    session.flush()
    return template_to_wire(template)


def update_template(
    session: Session, organization_id: uuid.UUID, template_id: uuid.UUID, fields: dict[str, Any]
) -> dict[str, Any]:
    template = find_template(session, organization_id, template_id)
    if "grading_criteria" in fields:
        check_weights(fields["grading_criteria"])
    for name, value in fields.items():
        setattr(template, name, value)
    template.version += 1
    session.flush()
    return template_to_wire(template)


def delete_template(
    session: Session, organization_id: uuid.UUID, template_id: uuid.UUID
) -> dict[str, Any]:
    template = find_template(session, organization_id, template_id)
    template.deleted_at = utcnow()
    return {"id": str(template.id), "deleted": True}
