from __future__ import annotations

import re

from sqlalchemy import select

from mira.db import session_scope
from mira.keys import hash_key, revoke_api_key
from models import ApiKey, Organization
from tests.factories import Tenant

ENDPOINTS = [
    "/api/v1/meetings",
    "/api/v1/templates",
    "/api/v1/reports",
    "/api/v1/team/stats",
    "/api/v1/insights",
    "/api/v1/roleplay/sessions",
]


def test_every_endpoint_needs_a_key(client) -> None:  # type: ignore[no-untyped-def]
    for path in ENDPOINTS:
        response = client.get(path)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {
            "data": None,
            "error": "Missing API key: send 'Authorization: Bearer mira_live_…'",
            "meta": None,
        }


def test_invalid_keys_are_401(client, tenant: Tenant) -> None:
    for header in (
        "Bearer mira_live_" + "x" * 32,
        "Bearer " + tenant.key + "x",
        "Basic dXNlcjpwYXNz",
        tenant.key,
    ):
        response = client.get("/api/v1/meetings", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json()["data"] is None and isinstance(response.json()["error"], str)


def test_keys_are_shown_once_and_stored_hashed(runtime, tenant: Tenant) -> None:  # type: ignore[no-untyped-def]
    assert re.fullmatch(r"mira_live_[A-Za-z0-9]{32}", tenant.key)
    with session_scope(runtime.sessions) as session:
        stored = session.scalars(
            select(ApiKey).where(ApiKey.organization_id == tenant.organization_id)
        ).one()
        assert stored.key_hash == hash_key(tenant.key)
        assert tenant.key not in (stored.prefix, stored.key_hash, stored.name)
        assert tenant.key.startswith(stored.prefix)


def test_revoked_key_gets_401(client, runtime, tenant: Tenant) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/meetings", headers=tenant.headers).status_code == 200
    with session_scope(runtime.sessions) as session:
        organization = session.get_one(Organization, tenant.organization_id)
        revoke_api_key(session, organization, tenant.key[:16])
    response = client.get("/api/v1/meetings", headers=tenant.headers)
    assert response.status_code == 401
    assert response.json()["error"] == "Invalid or revoked API key"


def test_read_key_reads_everything(client, tenant: Tenant) -> None:
    reader = tenant.key_with("read")
    for path in ENDPOINTS:
        assert client.get(path, headers=reader).status_code == 200, path
