"""A roleplay session over the API: scheduled → in_progress → scored by the worker, or abandoned."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from mira.coach.analyser import Analyser
from mira.db import session_scope
from mira.runtime import Runtime
from models import Template, WebhookDelivery
from tests.factories import SEGMENTS, Tenant
from tests.receivers import loopback_worker, run_until

BASE = "/api/v1/roleplay/sessions"


def new_session(tenant: Tenant, **fields: Any) -> dict[str, Any]:
    return {
        "user_id": str(tenant.users[1]),
        "scenario": "Renewal at risk",
        "persona": "Budget-holder who already uses a competitor",
        "call_type": "discovery",
        **fields,
    }


def create(client: TestClient, tenant: Tenant, **fields: Any) -> dict[str, Any]:
    response = client.post(BASE, json=new_session(tenant, **fields), headers=tenant.headers)
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def act(client: TestClient, tenant: Tenant, session_id: str, action: str) -> Any:
    return client.post(f"{BASE}/{session_id}/{action}", headers=tenant.headers)


def record(client: TestClient, tenant: Tenant, session_id: str, segments: Any = SEGMENTS) -> Any:
    url = f"{BASE}/{session_id}/transcript"
    return client.put(url, json={"segments": segments}, headers=tenant.headers)


def fetch(client: TestClient, tenant: Tenant, session_id: str) -> dict[str, Any]:
    response = client.get(f"{BASE}/{session_id}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def score(client: TestClient, runtime: Runtime, tenant: Tenant, session_id: str) -> None:
    worker = loopback_worker(runtime)
    done = lambda: fetch(client, tenant, session_id)["status"] == "completed"  # noqa: E731
    run_until(worker.score_due_roleplays, done)


def test_create_start_record_and_score(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    tenant.template(name="Negotiation", call_type="negotiation")
    template = tenant.template(version=2)
    body = {"url": "http://127.0.0.1:9/nobody", "events": ["roleplay.completed"]}
    client.post("/api/v1/webhooks/subscriptions", json=body, headers=tenant.headers)

    created = create(client, tenant)
    # No template chosen: the first active one for the call type, fixed at creation.
    assert created["status"] == "scheduled" and created["template_id"] == str(template.id)
    assert (created["score"], created["report_id"], created["started_at"]) == (None, None, None)
    started = act(client, tenant, created["id"], "start")
    assert started.status_code == 200 and started.json()["data"]["status"] == "in_progress"
    assert started.json()["data"]["started_at"] is not None
    assert act(client, tenant, created["id"], "start").status_code == 409
    recorded = record(client, tenant, created["id"])
    assert recorded.status_code == 200 and recorded.json()["data"]["status"] == "in_progress"
    assert record(client, tenant, created["id"]).status_code == 409  # recorded once
    assert act(client, tenant, created["id"], "abandon").status_code == 409  # has a transcript

    score(client, runtime, tenant, created["id"])
    done = fetch(client, tenant, created["id"])
    assert done["completed_at"] is not None and done["report_id"] is not None
    response = client.get(f"/api/v1/reports/{done['report_id']}", headers=tenant.headers)
    assert response.status_code == 200, response.text
    report = response.json()["data"]
    assert report["meeting_id"] is None and report["user_id"] == str(tenant.users[1])
    # Scored with that template like a real call.
    assert (report["template_id"], report["template_version"]) == (str(template.id), 2)
    with session_scope(runtime.sessions) as session:
        expected = Analyser().report(session.get_one(Template, template.id), SEGMENTS)
    assert report["overall_score"] == done["score"] == expected.overall_score
    assert [c["score"] for c in report["criteria_scores"]] == [c.score for c in expected.criteria]
    assert report["produced_by"] == "builtin"

    with session_scope(runtime.sessions) as session:
        (event,) = session.scalars(
            select(WebhookDelivery).where(
                WebhookDelivery.organization_id == tenant.organization_id,
                WebhookDelivery.event == "roleplay.completed",
            )
        )
    assert event.payload["data"] == {
        "session_id": created["id"],
        "user_id": str(tenant.users[1]),
        "report_id": done["report_id"],
        "score": done["score"],
    }
    for action in ("start", "abandon"):
        assert act(client, tenant, created["id"], action).status_code == 409
    assert record(client, tenant, created["id"]).status_code == 409
    # Scored once: another pass of the worker leaves it alone.
    loopback_worker(runtime).score_due_roleplays()
    assert fetch(client, tenant, created["id"]) == done


def test_a_chosen_template_and_a_transcript_without_start(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    tenant.template()
    chosen = tenant.template(name="Objections", call_type="negotiation")
    created = create(client, tenant, template_id=str(chosen.id))
    assert created["template_id"] == str(chosen.id)
    recorded = record(client, tenant, created["id"]).json()["data"]
    assert recorded["status"] == "in_progress" and recorded["started_at"] is not None
    score(client, runtime, tenant, created["id"])
    report_id = fetch(client, tenant, created["id"])["report_id"]
    report = client.get(f"/api/v1/reports/{report_id}", headers=tenant.headers).json()["data"]
    assert report["template_id"] == str(chosen.id)


def test_abandon_from_scheduled_or_before_a_transcript(client: TestClient, tenant: Tenant) -> None:
    tenant.template(call_type="general")
    scheduled = create(client, tenant)
    response = act(client, tenant, scheduled["id"], "abandon")
    assert response.status_code == 200
    abandoned = response.json()["data"]
    assert abandoned["status"] == "abandoned" and abandoned["completed_at"] is not None
    assert abandoned["score"] is None and abandoned["report_id"] is None
    for action in ("start", "abandon"):
        conflict = act(client, tenant, scheduled["id"], action)
        assert conflict.status_code == 409 and "abandoned" in conflict.json()["error"]
    assert record(client, tenant, scheduled["id"]).status_code == 409

    started = create(client, tenant)
    act(client, tenant, started["id"], "start")
    assert act(client, tenant, started["id"], "abandon").json()["data"]["status"] == "abandoned"


def test_create_needs_write_and_known_user_and_template(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    tenant.template(call_type="general")
    response = client.post(BASE, json=new_session(tenant), headers=tenant.key_with("read"))
    assert response.status_code == 403
    assert client.post(BASE, json=new_session(tenant), headers=tenant.key_with("write")).is_success
    foreign_template = other_tenant.template()
    for fields, error in [
        ({"user_id": str(uuid.uuid4())}, "User not found"),
        ({"user_id": str(other_tenant.users[0])}, "User not found"),
        ({"template_id": str(uuid.uuid4())}, "Template not found"),
        ({"template_id": str(foreign_template.id)}, "Template not found"),
    ]:
        body = new_session(tenant, **fields)
        response = client.post(BASE, json=body, headers=tenant.headers)
        assert (response.status_code, response.json()["error"]) == (404, error)
    bad = client.post(BASE, json=new_session(tenant, call_type="karaoke"), headers=tenant.headers)
    assert bad.status_code == 400


def test_actions_need_write_and_the_tenants_own_session(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    tenant.template(call_type="general")
    created = create(client, tenant)
    reader = tenant.key_with("read")
    for action in ("start", "abandon"):
        response = client.post(f"{BASE}/{created['id']}/{action}", headers=reader)
        assert response.status_code == 403
    url = f"{BASE}/{created['id']}/transcript"
    assert client.put(url, json={"segments": SEGMENTS}, headers=reader).status_code == 403
    for session_id in (created["id"], str(uuid.uuid4())):
        for action in ("start", "abandon"):
            response = act(client, other_tenant, session_id, action)
            assert response.status_code == 404
            assert response.json()["error"] == "Roleplay session not found"
        assert record(client, other_tenant, session_id).status_code == 404
    assert fetch(client, tenant, created["id"])["status"] == "scheduled"


@pytest.mark.parametrize(
    ("segments", "field"),
    [([{**SEGMENTS[0], "start": 9.0, "end": 1.0}], "segments.0.end"), ([], "segments")],
)
def test_a_bad_transcript_is_400(
    client: TestClient, tenant: Tenant, segments: list[dict[str, Any]], field: str
) -> None:
    tenant.template(call_type="general")
    created = create(client, tenant)
    response = record(client, tenant, created["id"], segments)
    assert response.status_code == 400 and field in response.json()["error"]
    assert fetch(client, tenant, created["id"])["status"] == "scheduled"


def test_a_transcript_file_is_not_accepted(client: TestClient, tenant: Tenant) -> None:
    tenant.template(call_type="general")
    # Unlike a meeting's, a roleplay transcript is JSON only, as documented.
    created = create(client, tenant)
    response = client.put(
        f"{BASE}/{created['id']}/transcript",
        content="Rep 1: Hello?\nPat: Hi.\n",
        headers={**tenant.headers, "Content-Type": "text/plain"},
    )
    assert response.status_code == 415


def test_without_a_template_to_score_with_create_is_a_409(
    client: TestClient, tenant: Tenant
) -> None:
    tenant.template(call_type="negotiation")
    response = client.post(BASE, json=new_session(tenant), headers=tenant.headers)
    assert response.status_code == 409
    assert "No active template for call type 'discovery'" in response.json()["error"]
