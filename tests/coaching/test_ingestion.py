"""Recording meetings and attaching transcripts over the API, as JSON or as files."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from mira.db import session_scope
from models import Meeting, WebhookDelivery
from models.base import utcnow
from tests.coach.test_transcripts import SRT, TEAMS_VTT, ZOOM_VTT
from tests.factories import SEGMENTS, Tenant


def new_meeting(tenant: Tenant, **fields: object) -> dict[str, object]:
    return {
        "user_id": str(tenant.users[0]),
        "title": "Acme — discovery",
        "call_type": "discovery",
        "started_at": "2026-11-02T15:00:00Z",
        "prospect": {"name": "Sam Buyer", "title": "VP Sales", "industry": "Logistics"},
        **fields,
    }


def test_create_without_transcript_is_pending(client, tenant: Tenant) -> None:
    response = client.post("/api/v1/meetings", json=new_meeting(tenant), headers=tenant.headers)
    assert response.status_code == 200, response.text
    meeting = response.json()["data"]
    assert meeting["status"] == "pending" and meeting["transcript"] == []
    assert meeting["participants"][1] == {
        "role": "prospect",
        "name": "Sam Buyer",
        "title": "VP Sales",
        "industry": "Logistics",
    }
    fetched = client.get(f"/api/v1/meetings/{meeting['id']}", headers=tenant.headers).json()
    assert fetched["data"]["id"] == meeting["id"]


def test_create_with_transcript_queues_analysis_and_announces_it(client, tenant: Tenant) -> None:
    body = new_meeting(tenant, transcript=SEGMENTS)
    meeting = client.post("/api/v1/meetings", json=body, headers=tenant.headers).json()["data"]
    assert meeting["status"] == "fetched"
    assert meeting["transcript"] == SEGMENTS
    with session_scope(tenant.runtime.sessions) as session:
        events = session.scalars(
            select(WebhookDelivery.event).where(
                WebhookDelivery.organization_id == tenant.organization_id
            )
        ).all()
    # No subscription yet: the outbox holds nothing to deliver.
    assert events == []


def test_create_refuses_another_tenants_rep_and_bad_times(
    client, tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign = new_meeting(tenant, user_id=str(other_tenant.users[0]))
    response = client.post("/api/v1/meetings", json=foreign, headers=tenant.headers)
    assert response.status_code == 404 and response.json()["error"] == "User not found"
    backwards = new_meeting(tenant, ended_at="2026-11-02T14:00:00Z")
    response = client.post("/api/v1/meetings", json=backwards, headers=tenant.headers)
    assert response.status_code == 400 and "ended_at" in response.json()["error"]
    bad_segment = new_meeting(tenant, transcript=[{**SEGMENTS[0], "start": 9.0, "end": 1.0}])
    response = client.post("/api/v1/meetings", json=bad_segment, headers=tenant.headers)
    assert response.status_code == 400 and "transcript.0.end" in response.json()["error"]


def test_create_needs_write(client, tenant: Tenant) -> None:
    response = client.post(
        "/api/v1/meetings", json=new_meeting(tenant), headers=tenant.key_with("read")
    )
    assert response.status_code == 403


def test_attach_each_file_format(client, tenant: Tenant) -> None:
    meeting = tenant.meeting(status="pending", ended_at=None, duration_seconds=None)
    for content_type, content, first in [
        ("text/vtt", ZOOM_VTT, "Thanks for making the time today."),
        ("text/vtt; charset=utf-8", TEAMS_VTT, "What happens today when a lead comes in?"),
        ("application/x-subrip", SRT, "Hi Sam."),
        ("text/plain", "Rep 0: Hello there.\nSam: Hi.\n", "Hello there."),
    ]:
        response = client.put(
            f"/api/v1/meetings/{meeting.id}/transcript",
            content=content.encode(),
            headers=tenant.headers | {"Content-Type": content_type},
        )
        assert response.status_code == 200, (content_type, response.text)
        data = response.json()["data"]
        assert data["status"] == "fetched"
        assert data["transcript"][0]["text"] == first
        assert data["transcript"][0]["role"] == "rep"
    assert data["ended_at"] is not None and data["duration_seconds"] == 9  # from the first file


def test_attach_json_segments_replaces_the_transcript(client, tenant: Tenant) -> None:
    meeting = tenant.meeting(status="completed")
    tenant.transcript(meeting)
    replacement = [{**SEGMENTS[0], "text": "Only this now."}]
    response = client.put(
        f"/api/v1/meetings/{meeting.id}/transcript",
        json={"segments": replacement},
        headers=tenant.headers,
    )
    assert response.status_code == 200
    got = client.get(f"/api/v1/meetings/{meeting.id}", headers=tenant.headers).json()["data"]
    assert got["transcript"] == replacement and got["status"] == "fetched"


def test_bad_files_are_a_400_naming_the_line(client, tenant: Tenant) -> None:
    meeting = tenant.meeting(status="pending")
    url = f"/api/v1/meetings/{meeting.id}/transcript"
    for content_type, content, expected in [
        ("text/vtt", b"WEBVTT\n\n00:00:01.000 --> 00:0x:02.000\nA: hi\n", "transcript line 3: "),
        ("text/vtt", b"", "body is required"),
        ("text/plain", b"   ", "transcript line 1: no speech found"),
        ("text/plain", b"\xff\xfe", "not valid UTF-8"),
        ("application/x-subrip", b"1\nno timing\n", "transcript line 1: "),
    ]:
        response = client.put(
            url, content=content, headers=tenant.headers | {"Content-Type": content_type}
        )
        assert response.status_code == 400, (content, response.text)
        body = response.json()
        assert expected.lower() in body["error"].lower() and body["data"] is None
    unsupported = client.put(
        url, content=b"<p>hi</p>", headers=tenant.headers | {"Content-Type": "text/html"}
    )
    assert unsupported.status_code == 415


def test_attach_refuses_a_running_analysis_and_other_tenants(
    client, tenant: Tenant, other_tenant: Tenant
) -> None:
    running = tenant.meeting(status="processing", lease_expires_at=utcnow() + timedelta(minutes=5))
    url = f"/api/v1/meetings/{running.id}/transcript"
    response = client.put(url, json={"segments": SEGMENTS}, headers=tenant.headers)
    assert response.status_code == 409 and "processing" in response.json()["error"]
    response = client.put(url, json={"segments": SEGMENTS}, headers=other_tenant.headers)
    assert response.status_code == 404
    stale = tenant.meeting(status="processing", lease_expires_at=utcnow() - timedelta(minutes=5))
    response = client.put(
        f"/api/v1/meetings/{stale.id}/transcript",
        json={"segments": SEGMENTS},
        headers=tenant.headers,
    )
    assert response.status_code == 200


def test_reanalyse_queues_a_meeting_with_a_transcript(client, tenant: Tenant) -> None:
    bare = tenant.meeting(status="pending")
    response = client.post(f"/api/v1/meetings/{bare.id}/analysis", headers=tenant.headers)
    assert response.status_code == 409 and "no transcript" in response.json()["error"]
    done = tenant.meeting(status="failed", analysis_attempts=3, failure_reason="boom")
    tenant.transcript(done)
    response = client.post(f"/api/v1/meetings/{done.id}/analysis", headers=tenant.headers)
    assert response.status_code == 200 and response.json()["data"]["status"] == "fetched"
    with session_scope(tenant.runtime.sessions) as session:
        stored = session.get_one(Meeting, done.id)
        assert (stored.analysis_attempts, stored.failure_reason) == (0, None)
    response = client.post(f"/api/v1/meetings/{uuid.uuid4()}/analysis", headers=tenant.headers)
    assert response.status_code == 404
    response = client.post(f"/api/v1/meetings/{done.id}/analysis", headers=tenant.key_with("read"))
    assert response.status_code == 403


def test_a_file_past_the_segment_cap_is_a_400_naming_it(client, tenant: Tenant) -> None:
    meeting = tenant.meeting(status="pending", ended_at=None, duration_seconds=None)
    lines = "".join(f"Dana: {n}\n" for n in range(20_001)).encode()
    response = client.put(
        f"/api/v1/meetings/{meeting.id}/transcript",
        content=lines,
        headers=tenant.headers | {"Content-Type": "text/plain"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "data": None,
        "error": "transcript line 20001: more than 20000 segments; "
        "a transcript holds at most 20000",
        "meta": None,
    }
    got = client.get(f"/api/v1/meetings/{meeting.id}", headers=tenant.headers).json()["data"]
    assert got["transcript"] == [] and got["status"] == "pending"


def test_a_meeting_lasts_at_most_a_day_and_ends_on_a_date_time(client, tenant: Tenant) -> None:
    for fields, field in [
        ({"started_at": "0001-01-01T00:00:00Z", "ended_at": "9999-01-01T00:00:00Z"}, "ended_at"),
        ({"ended_at": "2026-11-03T15:00:01Z"}, "ended_at"),
        ({"started_at": "9999-12-31T23:59:00Z"}, "started_at"),
    ]:
        response = client.post(
            "/api/v1/meetings", json=new_meeting(tenant, **fields), headers=tenant.headers
        )
        assert response.status_code == 400, (fields, response.text)
        body = response.json()
        assert body["error"].startswith(f"body field '{field}': ") and body["data"] is None
    longest = new_meeting(tenant, ended_at="2026-11-03T15:00:00Z")
    response = client.post("/api/v1/meetings", json=longest, headers=tenant.headers)
    assert response.status_code == 200 and response.json()["data"]["duration_seconds"] == 86_400


def test_a_file_running_past_a_day_is_a_400_naming_the_line(client, tenant: Tenant) -> None:
    meeting = tenant.meeting(status="pending", ended_at=None, duration_seconds=None)
    for hours in ("24", "600000", "999999999"):
        vtt = f"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nA: hi\n\n{hours}:00:00.000 --> "
        vtt += f"{hours}:00:01.000\nB: hello\n"
        response = client.put(
            f"/api/v1/meetings/{meeting.id}/transcript",
            content=vtt.encode(),
            headers=tenant.headers | {"Content-Type": "text/vtt"},
        )
        assert response.status_code == 400, (hours, response.text)
        assert response.json()["error"].startswith("transcript line 6: ends ")
        assert "a transcript ends at most 86400 s in" in response.json()["error"]
