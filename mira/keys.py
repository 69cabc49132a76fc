"""Coaching API keys: issued once in full, stored as SHA-256, checked on every request."""

from __future__ import annotations

import hashlib
import secrets
import string
import uuid
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from mira.errors import BadRequest, Forbidden, NotFound
from models import ApiKey, Organization
from models.base import utcnow

KEY_PREFIX = "mira_live_"
KEY_ALPHABET = string.ascii_letters + string.digits
PERMISSIONS = ("read", "write", "admin")  # each level includes the ones before it


@dataclass(frozen=True)
class Caller:
    """Who is calling: the key's organization and the permission it carries."""

    organization_id: uuid.UUID
    key_id: uuid.UUID
    permission: str

    def require(self, needed: str) -> None:
        if PERMISSIONS.index(self.permission) < PERMISSIONS.index(needed):
            raise Forbidden(f"This API key lacks the '{needed}' permission")


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def highest_permission(requested: list[str]) -> str:
    unknown = [p for p in requested if p not in PERMISSIONS]
    if unknown or not requested:
        raise BadRequest(f"permissions must be among {', '.join(PERMISSIONS)}; got {requested}")
    return max(requested, key=PERMISSIONS.index)


def create_api_key(
    session: Session, organization: Organization, name: str, permission: str
) -> tuple[ApiKey, str]:
    """Issue a key; the plaintext is returned here and never again."""
    plaintext = KEY_PREFIX + "".join(secrets.choice(KEY_ALPHABET) for _ in range(32))
    key = ApiKey(
        organization_id=organization.id,
        name=name,
        prefix=plaintext[: len(KEY_PREFIX) + 6],
        key_hash=hash_key(plaintext),
        permission=permission,
    )
    session.add(key)
    session.flush()
    return key, plaintext


KEYS = ApiKey.__table__.c
KEY_BY_HASH = select(KEYS.id, KEYS.organization_id, KEYS.permission).where(
    KEYS.key_hash == bindparam("key_hash"), KEYS.revoked_at.is_(None)
)


def authenticate(session: Session, plaintext: str) -> Caller | None:
    row = session.connection().execute(KEY_BY_HASH, {"key_hash": hash_key(plaintext)}).first()
    if row is None:
        return None
    return Caller(organization_id=row.organization_id, key_id=row.id, permission=row.permission)


def revoke_api_key(session: Session, organization: Organization, prefix: str) -> ApiKey:
    key = session.scalar(
        select(ApiKey).where(ApiKey.organization_id == organization.id, ApiKey.prefix == prefix)
    )
    if key is None:
        raise NotFound(f"No key with prefix {prefix} in organization {organization.slug}")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    return key


def list_api_keys(session: Session, organization: Organization) -> list[ApiKey]:
    query = select(ApiKey).where(ApiKey.organization_id == organization.id)
    return list(session.scalars(query.order_by(ApiKey.created_at)))
