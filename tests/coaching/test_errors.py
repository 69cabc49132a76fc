"""Every failure answers in the envelope, never in Connexion's problem+json or with a traceback."""

from __future__ import annotations

from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from mira.app import SPEC_DIR, create_app
from mira.coaching import team
from mira.settings import Settings
from tests.factories import Tenant

SPEC_FILE = SPEC_DIR / "coaching.openapi.json"


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
    # As written, with its $refs: generated clients name their types after the components.
    assert spec.content == SPEC_FILE.read_bytes()
    ui = client.get("/api/v1/ui/")
    assert ui.status_code == 200 and "swagger" in ui.text.lower()


def test_a_path_the_router_cannot_match_is_a_404_not_a_crash(client, tenant: Tenant) -> None:
    response = client.put("/api/v1/templates/abc%0A", json={"name": "x"}, headers=tenant.headers)
    assert assert_envelope(response, 404).startswith("No endpoint at /api/v1/templates/abc")


def test_a_trailing_slash_is_an_unknown_path_not_a_redirect(client, tenant: Tenant) -> None:
    response = client.get("/api/v1/meetings/", headers=tenant.headers, follow_redirects=False)
    assert assert_envelope(response, 404) == "No endpoint at /api/v1/meetings/"


def test_head_and_writes_to_the_docs_are_405_with_allow(client, tenant: Tenant) -> None:
    head = client.head("/api/v1/templates", headers=tenant.headers)
    assert head.status_code == 405 and head.headers["Allow"] == "GET, POST"
    assert client.head("/api/v1/nowhere", headers=tenant.headers).status_code == 404
    for path in ("/api/v1/openapi.json", "/api/v1/ui/"):
        response = client.post(path, headers=tenant.headers)
        assert assert_envelope(response, 405) == f"Method POST is not allowed on {path}"
        assert response.headers["Allow"] == "GET"


def test_a_repeated_query_parameter_is_a_400(client, tenant: Tenant) -> None:
    response = client.get("/api/v1/meetings?limit=5&limit=7", headers=tenant.headers)
    assert assert_envelope(response, 400) == "query parameter 'limit' is given more than once"


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf"])
def test_a_non_finite_number_parameter_is_a_400(client, tenant: Tenant, value: str) -> None:
    response = client.get(f"/api/v1/reports?min_score={value}", headers=tenant.headers)
    assert "'min_score'" in assert_envelope(response, 400)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"name": "x", "weight": NaN}', "unexpected character"),
        (b'{"name": "x", "weight": 1e400}', "infinity"),
        (b'{"name": "\\ud800"}', "surrogate"),
        (b"[" * 3000 + b"]" * 3000, "depth"),
        (b'{"name": "x",}', "not valid JSON"),
    ],
)
def test_json_that_is_not_rfc_8259_is_a_400(
    client, tenant: Tenant, body: bytes, reason: str
) -> None:
    headers = tenant.headers | {"Content-Type": "application/json"}
    response = client.post("/api/v1/templates", content=body, headers=headers)
    message = assert_envelope(response, 400)
    assert message.startswith("Request body is not valid JSON") and reason in message


def test_bodies_need_a_length_and_stay_under_the_limit(settings: Settings, tenant: Tenant) -> None:
    with TestClient(create_app(replace(settings, max_body_bytes=1000))) as small:
        headers = tenant.headers | {"Content-Type": "application/json"}
        big = small.post("/api/v1/templates", content=b" " * 1001, headers=headers)
        assert assert_envelope(big, 413) == "Request body is larger than 1000 bytes"
        chunked = small.post("/api/v1/templates", content=iter([b"{}"]), headers=headers)
        assert "Content-Length" in assert_envelope(chunked, 411)
        fits = small.post("/api/v1/templates", content=b"{}" + b" " * 998, headers=headers)
        assert assert_envelope(fits, 400).startswith("body: ")
