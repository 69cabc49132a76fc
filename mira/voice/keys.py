"""Voice key pairs: `pk_` + 32 hex and `sk_` + 64 hex, one or more per organization.

The public key is stored as is. The private key is stored as a SHA-256, to authenticate, and
encrypted with MIRA_SECRET_KEY, because webhooks of the organization are signed with it. A pair is
named by the start of its public key, as a coaching key is by its visible prefix.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass

from cryptography.fernet import Fernet
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from mira.errors import BadRequest, Forbidden, NotFound
from models import Organization
from models.base import utcnow
from models.voice import VoiceKeyPair

PUBLIC_KEY = re.compile(r"^pk_[0-9a-f]{32}$")
PRIVATE_KEY = re.compile(r"^sk_[0-9a-f]{64}$")
ROLES = ("member", "admin")
PREFIX_LENGTH = len("pk_") + 8  # what a listing shows of a public key


@dataclass(frozen=True)
class VoiceCaller:
    organization_id: uuid.UUID
    key_pair_id: uuid.UUID
    role: str

    def require_admin(self) -> None:
        if self.role != "admin":
            raise Forbidden("This key pair needs the admin role")


def _cipher(secret_key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret_key.encode()).digest()))


def _hash(private_key: str) -> str:
    return hashlib.sha256(private_key.encode()).hexdigest()


def create_key_pair(
    session: Session, organization: Organization, role: str, secret_key: str
) -> tuple[str, str]:
    """Issue a pair; both keys are returned here and never again."""
    public_key, private_key = f"pk_{secrets.token_hex(16)}", f"sk_{secrets.token_hex(32)}"
    session.add(
        VoiceKeyPair(
            organization_id=organization.id,
            public_key=public_key,
            private_key_hash=_hash(private_key),
            private_key_encrypted=_cipher(secret_key).encrypt(private_key.encode()).decode(),
            role=role,
        )
    )
    session.flush()
    return public_key, private_key


PAIRS = VoiceKeyPair.__table__.c
PAIR_BY_PUBLIC_KEY = select(
    PAIRS.id, PAIRS.organization_id, PAIRS.role, PAIRS.private_key_hash
).where(PAIRS.public_key == bindparam("public_key"), PAIRS.revoked_at.is_(None))


def authenticate_pair(session: Session, public_key: str, private_key: str) -> VoiceCaller | None:
    if not (PUBLIC_KEY.match(public_key) and PRIVATE_KEY.match(private_key)):
        return None
    pair = session.connection().execute(PAIR_BY_PUBLIC_KEY, {"public_key": public_key}).first()
    if pair is None or not hmac.compare_digest(pair.private_key_hash, _hash(private_key)):
        return None
    return VoiceCaller(pair.organization_id, pair.id, pair.role)


def signing_keys(
    session: Session, organization_id: uuid.UUID, secret_key: str
) -> tuple[str, str] | None:
    """The organization's newest live pair, decrypted: what its webhooks are signed with."""
    pair = session.scalar(
        select(VoiceKeyPair)
        .where(VoiceKeyPair.organization_id == organization_id, VoiceKeyPair.revoked_at.is_(None))
        .order_by(VoiceKeyPair.created_at.desc())
        .limit(1)
    )
    if pair is None:
        return None
    private_key = _cipher(secret_key).decrypt(pair.private_key_encrypted.encode()).decode()
    return pair.public_key, private_key


def list_key_pairs(session: Session, organization: Organization) -> list[VoiceKeyPair]:
    query = select(VoiceKeyPair).where(VoiceKeyPair.organization_id == organization.id)
    return list(session.scalars(query.order_by(VoiceKeyPair.created_at)))


def revoke_key_pair(session: Session, organization: Organization, prefix: str) -> VoiceKeyPair:
    """The pair whose public key starts with `prefix`, revoked: both keys answer 401 from the
    next request on, and webhooks are signed with another live pair."""
    if len(prefix) < PREFIX_LENGTH:
        raise BadRequest(f"Give at least {PREFIX_LENGTH} characters of the public key")
    pairs = session.scalars(
        select(VoiceKeyPair).where(
            VoiceKeyPair.organization_id == organization.id,
            VoiceKeyPair.public_key.startswith(prefix, autoescape=True),
        )
    ).all()
    if not pairs:
        raise NotFound(f"No key pair with prefix {prefix} in organization {organization.slug}")
    if len(pairs) > 1:
        raise BadRequest(f"{len(pairs)} key pairs start with {prefix}; give more of the public key")
    if pairs[0].revoked_at is None:
        pairs[0].revoked_at = utcnow()
    return pairs[0]
