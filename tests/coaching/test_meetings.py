from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tests.factories import SEGMENTS, Tenant, at


def test_list_meetings_is_newest_first_with_page_meta(client, tenant: Tenant) -> None:
    old, new = tenant.meeting(started_at=at(3)), tenant.meeting(started_at=at(1))
    body = client.get("/api/v1/meetings", headers=tenant.headers).json()
    assert [m["id"] for m in body["data"]] == [str(new.id), str(old.id)]
    assert body["error"] is None
    assert body["meta"] == {"page": 1, "limit": 20, "total": 2, "total_pages": 1}


def test_pagination_edges(client, tenant: Tenant) -> None:
    for day in range(5):
        tenant.meeting(started_at=at(day))
    second = client.get("/api/v1/meetings?page=2&limit=2", headers=tenant.headers).json()
    assert len(second["data"]) == 2
    assert second["meta"] == {"page": 2, "limit": 2, "total": 5, "total_pages": 3}
    last = client.get("/api/v1/meetings?page=3&limit=2", headers=tenant.headers).json()
    assert len(last["data"]) == 1
    beyond = client.get("/api/v1/meetings?page=4&limit=2", headers=tenant.headers).json()
    assert beyond["data"] == [] and beyond["meta"]["total"] == 5
    pages = [
        client.get(f"/api/v1/meetings?page={p}&limit=2", headers=tenant.headers).json()["data"]
        for p in (1, 2, 3)
    ]
    assert len({m["id"] for page in pages for m in page}) == 5
    assert client.get("/api/v1/meetings?limit=100", headers=tenant.headers).status_code == 200


def test_out_of_range_paging_is_a_400_naming_the_parameter(client, tenant: Tenant) -> None:
    for query, name in [
        ("limit=101", "limit"),
        ("limit=0", "limit"),
        ("page=0", "page"),
        ("page=abc", "page"),
    ]:
        response = client.get(f"/api/v1/meetings?{query}", headers=tenant.headers)
        assert response.status_code == 400
        body = response.json()
        assert body["data"] is None and body["meta"] is None
        assert f"'{name}'" in body["error"]


def test_filters_by_status_user_and_dates(client, tenant: Tenant) -> None:
    done = tenant.meeting(status="completed", started_at=at(10))
    pending = tenant.meeting(status="pending", started_at=at(5), user_id=tenant.users[1])
    recent = tenant.meeting(status="completed", started_at=at(1))

    def ids(query: str) -> set[str]:
        response = client.get(f"/api/v1/meetings?{query}", headers=tenant.headers)
        assert response.status_code == 200, response.text
        return {m["id"] for m in response.json()["data"]}

    assert ids("status=pending") == {str(pending.id)}
    assert ids(f"user_id={tenant.users[1]}") == {str(pending.id)}
    start = pending.started_at.isoformat().replace("+00:00", "Z")
    assert ids(f"from={start}") == {str(pending.id), str(recent.id)}
    assert ids(f"to={start}") == {str(pending.id), str(done.id)}
    assert ids(f"from={start}&to={start}") == {str(pending.id)}
    assert ids("status=completed&from=2000-01-01T00:00:00%2B02:00") == {
        str(done.id),
        str(recent.id),
    }


def test_lists_reach_the_first_and_last_months_python_holds(client, tenant: Tenant) -> None:
    last = tenant.meeting(started_at=datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC))
    first = tenant.meeting(started_at=datetime(1, 1, 1, tzinfo=UTC))
    for path in ("/api/v1/meetings", "/api/v1/reports"):
        for query, expected in [
            ("", [last, first]),
            ("from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59.999999Z", [last, first]),
            ("from=9999-12-15T00:00:00Z", [last]),
            ("from=9999-12-31T23:59:59Z", []),
            ("to=0001-01-01T00:00:00Z&limit=1", [first]),
        ]:
            response = client.get(f"{path}?{query}", headers=tenant.headers)
            assert response.status_code == 200, (path, query, response.text)
            if path == "/api/v1/meetings":
                assert [m["id"] for m in response.json()["data"]] == [str(m.id) for m in expected]


def test_bad_filters_are_400s_in_the_envelope(client, tenant: Tenant) -> None:
    for query, name in [
        ("status=archived", "status"),
        ("user_id=nope", "user_id"),
        ("from=yesterday", "from"),
        ("to=2025-01-01", "to"),
    ]:
        response = client.get(f"/api/v1/meetings?{query}", headers=tenant.headers)
        assert response.status_code == 400, query
        assert f"'{name}'" in response.json()["error"]
    unknown = client.get("/api/v1/meetings?sort=title", headers=tenant.headers)
    assert unknown.status_code == 400 and "sort" in unknown.json()["error"]


def test_get_meeting_includes_the_full_transcript(client, tenant: Tenant) -> None:
    meeting = tenant.meeting()
    tenant.transcript(meeting)
    body = client.get(f"/api/v1/meetings/{meeting.id}", headers=tenant.headers).json()
    assert body["data"]["transcript"] == SEGMENTS
    assert body["data"]["created_at"] == body["data"]["updated_at"]
    assert body["data"]["participants"][1]["title"] == "CFO"
    assert body["meta"] is None and body["error"] is None


def test_pending_meeting_has_an_empty_transcript(client, tenant: Tenant) -> None:
    meeting = tenant.meeting(status="pending", ended_at=None, duration_seconds=None)
    body = client.get(f"/api/v1/meetings/{meeting.id}", headers=tenant.headers).json()
    assert body["data"]["transcript"] == [] and body["data"]["ended_at"] is None


def test_unknown_and_foreign_meetings_are_indistinguishable_404s(
    client, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = other_tenant.meeting()
    for meeting_id in (theirs.id, uuid.uuid4()):
        for path in (f"/api/v1/meetings/{meeting_id}", f"/api/v1/meetings/{meeting_id}/report"):
            response = client.get(path, headers=tenant.headers)
            assert response.status_code == 404
            assert response.json() == {"data": None, "error": "Meeting not found", "meta": None}
    assert client.get("/api/v1/meetings", headers=tenant.headers).json()["data"] == []
    malformed = client.get("/api/v1/meetings/not-a-uuid", headers=tenant.headers)
    assert malformed.status_code == 400 and "'id'" in malformed.json()["error"]


def test_meeting_report_lists_every_report_of_the_meeting(client, tenant: Tenant) -> None:
    meeting, other = tenant.meeting(), tenant.meeting()
    first = tenant.report(meeting, tenant.template(), created_at=at(2))
    second = tenant.report(meeting, tenant.template(name="General"), created_at=at(1))
    tenant.report(other, tenant.template())
    body = client.get(f"/api/v1/meetings/{meeting.id}/report", headers=tenant.headers).json()
    assert [r["id"] for r in body["data"]] == [str(first.id), str(second.id)]
    assert body["data"][0]["criteria_scores"][0]["evidence"][0]["start"] == 0.0
    assert body["meta"]["total"] == 2
    empty = client.get(f"/api/v1/meetings/{tenant.meeting().id}/report", headers=tenant.headers)
    assert empty.status_code == 200 and empty.json()["data"] == []
