from __future__ import annotations

import uuid

from tests.factories import Tenant, at


def test_list_reports_filters_and_omits_heavy_fields(client, tenant: Tenant) -> None:
    template = tenant.template()
    low = tenant.report(tenant.meeting(), template, overall_score=3.5, created_at=at(20))
    mid = tenant.report(
        tenant.meeting(user_id=tenant.users[1]), template, overall_score=6.0, created_at=at(10)
    )
    high = tenant.report(tenant.meeting(), template, overall_score=9.2, created_at=at(1))

    def ids(query: str = "") -> list[str]:
        response = client.get(f"/api/v1/reports?{query}", headers=tenant.headers)
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()["data"]]

    assert ids() == [str(high.id), str(mid.id), str(low.id)]
    assert ids("min_score=6") == [str(high.id), str(mid.id)]
    assert ids("max_score=6") == [str(mid.id), str(low.id)]
    assert ids("min_score=4&max_score=9") == [str(mid.id)]
    assert ids(f"user_id={tenant.users[1]}") == [str(mid.id)]
    boundary = mid.created_at.isoformat()
    assert ids(f"from={boundary.replace('+', '%2B')}") == [str(high.id), str(mid.id)]
    assert ids(f"to={boundary.replace('+', '%2B')}") == [str(mid.id), str(low.id)]
    item = client.get("/api/v1/reports?limit=1", headers=tenant.headers).json()["data"][0]
    assert "criteria_scores" not in item and item["template_version"] == 1


def test_score_bounds_are_validated(client, tenant: Tenant) -> None:
    for query in ("min_score=-1", "max_score=10.5", "min_score=high"):
        response = client.get(f"/api/v1/reports?{query}", headers=tenant.headers)
        assert response.status_code == 400
        assert "score'" in response.json()["error"]


def test_get_report_has_criteria_scores_and_feedback(client, tenant: Tenant) -> None:
    report = tenant.report(tenant.meeting(), tenant.template(), overall_score=8.0)
    data = client.get(f"/api/v1/reports/{report.id}", headers=tenant.headers).json()["data"]
    assert data["overall_score"] == 8.0
    assert data["criteria_scores"] == [
        {
            "name": "Questions",
            "weight": 100,
            "score": 8.0,
            "feedback": "Asked 3 questions.",
            "evidence": [{"quote": "How do you do this today?", "start": 0.0}],
        }
    ]
    assert data["strengths"] == ["Questions"] and data["metrics"]["questions_asked"] == 3


def test_foreign_reports_are_404_and_never_listed(
    client, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = other_tenant.report(other_tenant.meeting(), other_tenant.template())
    for report_id in (theirs.id, uuid.uuid4()):
        response = client.get(f"/api/v1/reports/{report_id}", headers=tenant.headers)
        assert response.json() == {"data": None, "error": "Report not found", "meta": None}
        assert response.status_code == 404
    assert client.get("/api/v1/reports", headers=tenant.headers).json()["meta"]["total"] == 0
