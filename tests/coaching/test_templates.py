from __future__ import annotations

import uuid

from tests.factories import Tenant

BODY = {
    "name": "Discovery scorecard",
    "prompt_template": "Score the call.",
    "grading_criteria": [
        {"name": "Rapport", "weight": 25, "description": "Builds trust"},
        {"name": "Discovery", "weight": 35, "description": "Uncovers pain"},
        {"name": "Listening", "weight": 20},
        {"name": "Next steps", "weight": 20, "description": "Commitment"},
    ],
    "coaching_tone": "encouraging",
    "call_type": "discovery",
}


def create(client, tenant: Tenant, **changes):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/templates", json=BODY | changes, headers=tenant.headers)


def test_create_answers_200_with_the_template(client, tenant: Tenant) -> None:
    response = create(client, tenant)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["name"] == BODY["name"] and data["version"] == 1 and data["is_active"] is True
    assert data["grading_criteria"][2] == {"name": "Listening", "weight": 20, "description": None}
    fetched = client.get(f"/api/v1/templates/{data['id']}", headers=tenant.headers).json()
    assert fetched["data"] == data


def test_writes_need_the_write_permission(client, tenant: Tenant) -> None:
    template = tenant.template()
    reader = tenant.key_with("read")
    writer = tenant.key_with("write")
    for method, path, body in [
        ("POST", "/api/v1/templates", BODY),
        ("PUT", f"/api/v1/templates/{template.id}", {"name": "x"}),
        ("DELETE", f"/api/v1/templates/{template.id}", None),
    ]:
        denied = client.request(method, path, json=body, headers=reader)
        assert denied.status_code == 403, method
        assert denied.json() == {
            "data": None,
            "error": "This API key lacks the 'write' permission",
            "meta": None,
        }
    assert client.get(f"/api/v1/templates/{template.id}", headers=reader).status_code == 200
    assert (
        client.put(
            f"/api/v1/templates/{template.id}", json={"name": "y"}, headers=writer
        ).status_code
        == 200
    )


def test_weights_must_sum_to_100(client, tenant: Tenant) -> None:
    criteria = [{"name": "A", "weight": 50}, {"name": "B", "weight": 40}]
    response = create(client, tenant, grading_criteria=criteria)
    assert response.status_code == 400
    assert response.json()["error"] == "grading_criteria: weights must sum to 100, they sum to 90"
    template = tenant.template()
    update = client.put(
        f"/api/v1/templates/{template.id}",
        json={"grading_criteria": criteria},
        headers=tenant.headers,
    )
    assert update.status_code == 400


def test_invalid_bodies_name_the_field(client, tenant: Tenant) -> None:
    missing = dict(BODY)
    del missing["prompt_template"]
    cases = [
        (missing, "prompt_template"),
        (BODY | {"colour": "red"}, "colour"),
        (BODY | {"coaching_tone": "harsh"}, "coaching_tone"),
        (BODY | {"grading_criteria": [{"name": "A", "weight": 0}]}, "grading_criteria.0.weight"),
        (BODY | {"grading_criteria": []}, "grading_criteria"),
        (BODY | {"name": ""}, "name"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/templates", json=body, headers=tenant.headers)
        assert response.status_code == 400, field
        assert field in response.json()["error"], response.json()


def test_malformed_json_and_wrong_media_type(client, tenant: Tenant) -> None:
    headers = tenant.headers | {"Content-Type": "application/json"}
    broken = client.post("/api/v1/templates", content=b'{"name": ', headers=headers)
    assert broken.status_code == 400
    assert broken.json()["error"].startswith("Request body is not valid JSON")
    empty = client.post("/api/v1/templates", content=b"", headers=headers)
    assert empty.status_code == 400 and empty.json()["data"] is None
    text = client.post(
        "/api/v1/templates",
        content=b"name=x",
        headers=tenant.headers | {"Content-Type": "text/plain"},
    )
    assert text.status_code == 415
    assert text.json()["data"] is None and "application/json" in text.json()["error"]


def test_update_is_partial_and_bumps_the_version(client, tenant: Tenant) -> None:
    data = create(client, tenant).json()["data"]
    response = client.put(
        f"/api/v1/templates/{data['id']}",
        json={"name": "Renamed", "is_active": False},
        headers=tenant.headers,
    )
    assert response.status_code == 200
    updated = response.json()["data"]
    assert updated["name"] == "Renamed" and updated["is_active"] is False
    assert updated["version"] == 2
    assert data["updated_at"] == data["created_at"] < updated["updated_at"]
    assert updated["grading_criteria"] == data["grading_criteria"]
    assert updated["prompt_template"] == data["prompt_template"]
    empty = client.put(f"/api/v1/templates/{data['id']}", json={}, headers=tenant.headers)
    assert empty.status_code == 400


def test_update_with_null_clears_optional_fields(client, tenant: Tenant) -> None:
    data = create(client, tenant, description="Old", industry_context="SaaS").json()["data"]
    cleared = {"description": None, "coaching_tone": None, "call_type": None}
    response = client.put(
        f"/api/v1/templates/{data['id']}",
        json=cleared | {"industry_context": None},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.text
    updated = response.json()["data"]
    assert [updated[f] for f in ("description", "coaching_tone", "call_type")] == [None] * 3
    assert updated["industry_context"] is None and updated["name"] == data["name"]
    for field in ("name", "prompt_template", "grading_criteria", "is_active"):
        response = client.put(
            f"/api/v1/templates/{data['id']}", json={field: None}, headers=tenant.headers
        )
        assert response.status_code == 400 and f"'{field}'" in response.json()["error"]
    response = client.put(
        f"/api/v1/templates/{data['id']}", json={"call_type": "webinar"}, headers=tenant.headers
    )
    assert response.status_code == 400 and "'call_type'" in response.json()["error"]


def test_delete_answers_200_and_the_template_is_gone(client, tenant: Tenant) -> None:
    data = create(client, tenant).json()["data"]
    response = client.delete(f"/api/v1/templates/{data['id']}", headers=tenant.headers)
    assert response.status_code == 200
    assert response.json() == {
        "data": {"id": data["id"], "deleted": True},
        "error": None,
        "meta": None,
    }
    assert client.get(f"/api/v1/templates/{data['id']}", headers=tenant.headers).status_code == 404
    listed = client.get("/api/v1/templates", headers=tenant.headers).json()
    assert listed["data"] == [] and listed["meta"]["total"] == 0
    again = client.delete(f"/api/v1/templates/{data['id']}", headers=tenant.headers)
    assert again.status_code == 404


def test_list_filters_by_active_and_call_type(client, tenant: Tenant) -> None:
    active = tenant.template(call_type="demo")
    inactive = tenant.template(call_type="demo", is_active=False)
    discovery = tenant.template(call_type="discovery")

    def ids(query: str) -> set[str]:
        return {
            t["id"]
            for t in client.get(f"/api/v1/templates?{query}", headers=tenant.headers).json()["data"]
        }

    assert ids("is_active=false") == {str(inactive.id)}
    assert ids("is_active=true&call_type=demo") == {str(active.id)}
    assert ids("call_type=discovery") == {str(discovery.id)}
    assert (
        client.get("/api/v1/templates?is_active=maybe", headers=tenant.headers).status_code == 400
    )


def test_other_tenants_templates_are_404_for_every_verb(
    client, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = other_tenant.template()
    for method, body in [("GET", None), ("PUT", {"name": "mine now"}), ("DELETE", None)]:
        response = client.request(
            method, f"/api/v1/templates/{theirs.id}", json=body, headers=tenant.headers
        )
        assert response.status_code == 404
        assert response.json()["error"] == "Template not found"
    assert client.get("/api/v1/templates", headers=tenant.headers).json()["data"] == []
    still = client.get(f"/api/v1/templates/{theirs.id}", headers=other_tenant.headers).json()
    assert still["data"]["name"] == "Scorecard"
    assert (
        client.get(f"/api/v1/templates/{uuid.uuid4()}", headers=tenant.headers).status_code == 404
    )
