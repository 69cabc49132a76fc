"""The voice API's failures answer `{code, message}`, whatever refused them: the edge, Connexion's
validation, security or a crash."""

from __future__ import annotations

from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from handlers.voice import gallery
from mira.app import SPEC_DIR, create_app
from mira.runtime import Runtime
from mira.settings import Settings
from tests.factories import VoiceTenant, make_voice_tenant

SPEC_FILE = SPEC_DIR / "voice.openapi.json"
ONBOARD = "/v2/workspace/onboard/shopify"


def assert_error(response, status: int) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body.keys() == {"code", "message"} and body["code"] == status
    assert isinstance(body["message"], str) and body["message"]
    return str(body["message"])


@pytest.fixture
def shop(runtime: Runtime) -> VoiceTenant:
    return make_voice_tenant(runtime)


def test_spec_is_served_as_written_with_swagger_ui(client: TestClient) -> None:
    spec = client.get("/openapi.json")
    assert spec.status_code == 200 and spec.content == SPEC_FILE.read_bytes()
    ui = client.get("/ui/")
    assert ui.status_code == 200 and "swagger" in ui.text.lower()


def test_unknown_paths_and_methods(client: TestClient, shop: VoiceTenant) -> None:
    assert assert_error(client.get("/v2/nothing", headers=shop.headers), 404) == (
        "No endpoint at /v2/nothing"
    )
    assert assert_error(client.get("/api/v1", headers=shop.headers), 404)
    wrong = client.get(ONBOARD, headers=shop.headers)
    assert assert_error(wrong, 405) == f"Method GET is not allowed on {ONBOARD}"
    assert wrong.headers["Allow"] == "POST"


def test_edge_refusals_use_the_voice_shape(client: TestClient, shop: VoiceTenant) -> None:
    slash = client.get("/v1/admin/voice-gallery/", headers=shop.headers, follow_redirects=False)
    assert assert_error(slash, 404) == "No endpoint at /v1/admin/voice-gallery/"
    head = client.head("/v1/admin/voice-gallery", headers=shop.headers)
    assert head.status_code == 405 and head.headers["Allow"] == "GET"
    for path in ("/openapi.json", "/ui/"):
        response = client.post(path, headers=shop.headers)
        assert assert_error(response, 405) == f"Method POST is not allowed on {path}"
        assert response.headers["Allow"] == "GET"
    repeated = client.get("/v2/call/list?limit=5&limit=7", headers=shop.headers)
    assert assert_error(repeated, 400) == "query parameter 'limit' is given more than once"


def test_bodies_are_strict_json_with_a_bounded_length(
    settings: Settings, shop: VoiceTenant
) -> None:
    headers = shop.headers | {"Content-Type": "application/json"}
    with TestClient(create_app(replace(settings, max_body_bytes=1000))) as small:
        big = small.post(ONBOARD, content=b" " * 1001, headers=headers)
        assert assert_error(big, 413) == "Request body is larger than 1000 bytes"
        chunked = small.post(ONBOARD, content=iter([b"{}"]), headers=headers)
        assert "Content-Length" in assert_error(chunked, 411)
        nan = small.post(ONBOARD, content=b'{"name": NaN}', headers=headers)
        assert assert_error(nan, 400).startswith("Request body is not valid JSON")
        plain = shop.headers | {"Content-Type": "text/plain"}
        text = small.post(ONBOARD, content=b"name=x", headers=plain)
        assert assert_error(text, 415).startswith("Unsupported media type")


def test_an_unexpected_exception_is_a_logged_500_without_details(
    client: TestClient,
    shop: VoiceTenant,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("secret connection string in a stack trace")

    monkeypatch.setattr(gallery, "list_voices", explode)
    response = client.get("/v1/admin/voice-gallery", headers=shop.headers)
    assert assert_error(response, 500) == "Internal server error"
    assert "secret" not in response.text and "Traceback" not in response.text
    assert "secret connection string" in caplog.text
