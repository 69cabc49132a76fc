from __future__ import annotations

from tests.factories import Tenant, at, make_tenant


def test_team_stats_aggregate_the_range(client, runtime) -> None:  # type: ignore[no-untyped-def]
    tenant = make_tenant(runtime, "read", reps=3)
    jane, omar, idle = tenant.users
    template = tenant.template()
    recent = tenant.meeting(started_at=at(3), user_id=jane)
    tenant.report(recent, template, overall_score=9.0, created_at=at(3))
    tenant.report(
        tenant.meeting(started_at=at(4), user_id=jane),
        template,
        overall_score=7.0,
        created_at=at(4),
    )
    tenant.report(
        tenant.meeting(started_at=at(5), user_id=omar),
        template,
        overall_score=6.0,
        created_at=at(5),
    )
    old = tenant.meeting(started_at=at(200), user_id=omar)
    tenant.report(old, template, overall_score=2.0, created_at=at(200))
    tenant.report(None, template, overall_score=10.0, created_at=at(1))  # roleplay: not a call

    week = client.get("/api/v1/team/stats?time_range=week", headers=tenant.headers).json()
    assert week["meta"] is None and week["error"] is None
    assert week["data"] == {
        "time_range": "week",
        "team_size": 3,
        "total_meetings": 3,
        "total_reports": 3,
        "average_score": 7.33,
        "top_performers": [
            {"user_id": str(jane), "name": "Rep 0", "avg_score": 8.0, "report_count": 2},
            {"user_id": str(omar), "name": "Rep 1", "avg_score": 6.0, "report_count": 1},
        ],
        "criteria_averages": [{"name": "Questions", "avg_score": 7.33, "report_count": 3}],
    }
    everything = client.get("/api/v1/team/stats?time_range=all", headers=tenant.headers).json()
    assert everything["data"]["total_meetings"] == 4 and everything["data"]["total_reports"] == 4
    assert everything["data"]["top_performers"][1]["avg_score"] == 4.0
    default = client.get("/api/v1/team/stats", headers=tenant.headers).json()["data"]
    assert default["time_range"] == "month" and default["total_reports"] == 3


def test_top_performer_ties_break_by_count_then_name(client, tenant: Tenant) -> None:
    template = tenant.template()
    first, second = tenant.users
    for user, scores in ((second, [8.0]), (first, [8.0, 8.0])):
        for score in scores:
            tenant.report(tenant.meeting(user_id=user), template, overall_score=score)
    top = client.get("/api/v1/team/stats", headers=tenant.headers).json()["data"]["top_performers"]
    assert [p["user_id"] for p in top] == [str(first), str(second)]


def test_empty_team_has_null_average(client, tenant: Tenant) -> None:
    data = client.get("/api/v1/team/stats?time_range=year", headers=tenant.headers).json()["data"]
    assert data["average_score"] is None and data["top_performers"] == []
    bad = client.get("/api/v1/team/stats?time_range=decade", headers=tenant.headers)
    assert bad.status_code == 400 and "'time_range'" in bad.json()["error"]


def test_team_stats_count_only_the_callers_organization(
    client, tenant: Tenant, other_tenant: Tenant
) -> None:
    template = other_tenant.template()
    for day in range(3):
        meeting = other_tenant.meeting(started_at=at(day + 1))
        other_tenant.report(meeting, template, overall_score=9.5, created_at=at(day + 1))
    mine = tenant.template()
    tenant.report(tenant.meeting(started_at=at(2)), mine, overall_score=4.0, created_at=at(2))
    data = client.get("/api/v1/team/stats?time_range=all", headers=tenant.headers).json()["data"]
    assert (data["team_size"], data["total_meetings"], data["total_reports"]) == (2, 1, 1)
    assert data["average_score"] == 4.0
    assert {p["user_id"] for p in data["top_performers"]} == {str(tenant.users[0])}
    theirs = client.get("/api/v1/team/stats?time_range=all", headers=other_tenant.headers).json()
    assert theirs["data"]["total_reports"] == 3 and theirs["data"]["average_score"] == 9.5
