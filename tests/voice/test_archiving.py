"""Archive and unarchive: the cascade, the messages, the refusals, isolation."""

from __future__ import annotations

from starlette.testclient import TestClient

from mira.db import session_scope
from mira.runtime import Runtime
from models import Organization, Workspace
from tests.factories import make_voice_tenant
from tests.voice.test_foundation import ONBOARD, STORE_EXAMPLE

ARCHIVE, UNARCHIVE = "/v1/admin/organization/archive", "/v1/admin/organization/unarchive"


def test_archive_cascades_and_unarchive_restores(client: TestClient, runtime: Runtime) -> None:
    shop = make_voice_tenant(runtime)
    workspace = client.post(ONBOARD, json=STORE_EXAMPLE, headers=shop.headers).json()
    org_id = workspace["organization"]
    body = {"type": "organization", "id": org_id}
    response = client.post(ARCHIVE, json=body, headers=shop.headers)
    assert response.json() == {
        "status_code": 200,
        "message": "Organization archived successfully.",
        "data": None,
    }
    with session_scope(runtime.sessions) as session:
        assert session.get_one(Workspace, workspace["workspace"]).archived_at is not None
    assert client.post(ARCHIVE, json=body, headers=shop.headers).status_code == 200  # again
    # An archived organization onboards nothing, and its workspace cannot come back alone.
    refused = client.post(ONBOARD, json=STORE_EXAMPLE | {"name": "New"}, headers=shop.headers)
    assert refused.json() == {"code": 400, "message": "Organization is archived."}
    ws = {"type": "workspace", "id": workspace["workspace"]}
    response = client.post(UNARCHIVE, json=ws, headers=shop.headers)
    assert response.status_code == 400
    assert response.json() == {
        "code": 400,
        "message": "Cannot unarchive workspace. Parent Organization is archived.",
    }
    response = client.post(UNARCHIVE, json=body, headers=shop.headers)
    assert response.json()["message"] == "Organization unarchived successfully."
    with session_scope(runtime.sessions) as session:
        assert session.get_one(Workspace, workspace["workspace"]).archived_at is None
        organization = session.get_one(Organization, shop.organization_id)
        assert organization.archived_at is None

    archived = client.post(ARCHIVE, json=ws, headers=shop.headers)
    assert archived.json()["message"] == "Workspace archived successfully."
    again = client.post(ONBOARD, json=STORE_EXAMPLE, headers=shop.headers)
    assert again.json() == {"code": 400, "message": "Workspace is archived."}
    back = client.post(UNARCHIVE, json=ws, headers=shop.headers).json()
    assert back["message"] == "Workspace unarchived successfully."
    assert back["data"]["_id"] == workspace["workspace"] and back["data"]["archivedAt"] is None
    assert back["data"]["organization"] == org_id


def test_only_admins_and_only_their_own(client: TestClient, runtime: Runtime) -> None:
    shop, other = make_voice_tenant(runtime), make_voice_tenant(runtime)
    mine = client.post(ONBOARD, json=STORE_EXAMPLE, headers=shop.headers).json()
    member = make_voice_tenant(runtime, role="member")
    response = client.post(
        ARCHIVE, json={"type": "workspace", "id": mine["workspace"]}, headers=member.headers
    )
    assert response.status_code == 403 and response.json()["code"] == 403
    for kind, object_id, message in [
        ("workspace", mine["workspace"], "Workspace not found"),
        ("organization", mine["organization"], "Organization not found"),
    ]:
        response = client.post(ARCHIVE, json={"type": kind, "id": object_id}, headers=other.headers)
        assert response.status_code == 404
        assert response.json() == {"code": 404, "message": message}
    bad = client.post(ARCHIVE, json={"type": "store", "id": "x"}, headers=shop.headers)
    assert bad.status_code == 400 and bad.json()["code"] == 400
