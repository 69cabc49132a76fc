"""Every failure answers in the envelope, never in Connexion's problem+json or with a traceback."""

from __future__ import annotations

import pytest

from mira.coaching import team
from tests.factories import Tenant


def assert_envelope(response, status: int) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"data", "error", "meta"}
    assert body["data"] is None and body["meta"] is None
    assert isinstance(body["error"], str) and body["error"]
    return str(body["error"])


def test_unknown_path_is_404(client, tenant: Tenant) -> None:
    assert assert_envelope(client.get("/api/v1/nothing", headers=tenant.headers), 404) == (
        "No endpoint at /api/v1/nothing"
    )


def test_wrong_method_is_405(client, tenant: Tenant) -> None:
    message = assert_envelope(client.patch("/api/v1/meetings", headers=tenant.headers), 405)
    assert message == "Method PATCH is not allowed on /api/v1/meetings"


def test_unexpected_exception_is_a_logged_500_without_details(
    client, tenant: Tenant, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret connection string in a stack trace")

    monkeypatch.setattr(team, "get_team_stats", explode)
    response = client.get("/api/v1/team/stats", headers=tenant.headers)
    assert assert_envelope(response, 500) == "Internal server error"
    assert "secret" not in response.text and "Traceback" not in response.text
    assert "secret connection string" in caplog.text


def test_spec_and_swagger_ui_are_served(client) -> None:  # type: ignore[no-untyped-def]
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["info"]["title"] == "Mira coaching API"
    ui = client.get("/api/v1/ui/")
    assert ui.status_code == 200 and "swagger" in ui.text.lower()


def test_a_path_the_router_cannot_match_is_a_404_not_a_crash(client, tenant: Tenant) -> None:
    response = client.put("/api/v1/templates/abc%0A", json={"name": "x"}, headers=tenant.headers)
    assert assert_envelope(response, 404).startswith("No endpoint at /api/v1/templates/abc")
