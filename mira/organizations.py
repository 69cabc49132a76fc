"""Organizations as the command line addresses them: by slug."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mira.errors import NotFound
from models import Organization


def find_organization(session: Session, slug: str) -> Organization:
    organization = session.scalar(select(Organization).where(Organization.slug == slug))
    if organization is None:
        raise NotFound(f"No organization '{slug}'")
    return organization


def ensure_organization(session: Session, slug: str, name: str) -> Organization:
    organization = session.scalar(select(Organization).where(Organization.slug == slug))
    if organization is None:
        organization = Organization(slug=slug, name=name)
        session.add(organization)
        session.flush()
    return organization
