from __future__ import annotations

from tests.factories import Tenant, at


def test_partial_case_insensitive_matches(client, tenant: Tenant, other_tenant: Tenant) -> None:
    meeting = tenant.meeting(started_at=at(2))
    saas = tenant.insight(meeting, industry="B2B SaaS", prospect_title="VP of Sales")
    health = tenant.insight(
        meeting, industry="Healthcare", prospect_title="Chief Financial Officer"
    )
    other_tenant.insight(other_tenant.meeting(), industry="SaaS")

    def ids(query: str) -> set[str]:
        response = client.get(f"/api/v1/insights?{query}", headers=tenant.headers)
        assert response.status_code == 200, response.text
        return {i["id"] for i in response.json()["data"]}

    assert ids("industry=saas") == {str(saas.id)}
    assert ids("industry=CARE") == {str(health.id)}
    assert ids("prospect_title=financial") == {str(health.id)}
    assert ids("prospect_title=vp&industry=saas") == {str(saas.id)}
    assert ids("industry=%25") == set()  # a literal %, not a wildcard
    assert ids("industry=_") == set()
    assert ids("") == {str(saas.id), str(health.id)}


def test_date_filters_use_when_it_was_said(client, tenant: Tenant) -> None:
    early = tenant.insight(tenant.meeting(started_at=at(30)))
    late = tenant.insight(tenant.meeting(started_at=at(2)))
    cut = at(10).isoformat().replace("+00:00", "Z")
    after = client.get(f"/api/v1/insights?date_from={cut}", headers=tenant.headers).json()
    before = client.get(f"/api/v1/insights?date_to={cut}", headers=tenant.headers).json()
    assert [i["id"] for i in after["data"]] == [str(late.id)]
    assert [i["id"] for i in before["data"]] == [str(early.id)]
    assert after["data"][0]["quote"] == "Manually, it's slow."
    bad = client.get("/api/v1/insights?date_from=last-week", headers=tenant.headers)
    assert bad.status_code == 400 and "'date_from'" in bad.json()["error"]
