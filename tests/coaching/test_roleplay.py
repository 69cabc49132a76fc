from __future__ import annotations

import uuid

from tests.factories import Tenant


def test_list_filters_by_user_and_status(client, tenant: Tenant, other_tenant: Tenant) -> None:
    scheduled = tenant.roleplay()
    done = tenant.roleplay(status="completed", user_id=tenant.users[1], score=7.5)
    other_tenant.roleplay()

    def ids(query: str) -> set[str]:
        response = client.get(f"/api/v1/roleplay/sessions?{query}", headers=tenant.headers)
        assert response.status_code == 200, response.text
        return {s["id"] for s in response.json()["data"]}

    assert ids("") == {str(scheduled.id), str(done.id)}
    assert ids("status=completed") == {str(done.id)}
    assert ids(f"user_id={tenant.users[1]}") == {str(done.id)}
    bad = client.get("/api/v1/roleplay/sessions?status=paused", headers=tenant.headers)
    assert bad.status_code == 400 and "'status'" in bad.json()["error"]


def test_get_one_session_and_isolation(client, tenant: Tenant, other_tenant: Tenant) -> None:
    mine = tenant.roleplay(status="completed", score=8.4)
    data = client.get(f"/api/v1/roleplay/sessions/{mine.id}", headers=tenant.headers).json()["data"]
    assert data["score"] == 8.4 and data["persona"] == "Skeptical CFO"
    theirs = other_tenant.roleplay()
    for session_id in (theirs.id, uuid.uuid4()):
        response = client.get(f"/api/v1/roleplay/sessions/{session_id}", headers=tenant.headers)
        assert response.status_code == 404
        assert response.json()["error"] == "Roleplay session not found"
