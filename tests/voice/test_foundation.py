"""The voice API's edge: health, keys, the voice gallery and onboarding."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from mira.app import SPEC_DIR
from mira.runtime import Runtime
from mira.voice.gallery import VOICES
from tests.factories import VoiceTenant, make_voice_tenant

SPEC = json.loads((SPEC_DIR / "voice.openapi.json").read_text())
ONBOARD = "/v2/workspace/onboard/shopify"
# The reference's own request (§3.1), as its clients send it.
STORE = SPEC["paths"][ONBOARD]["post"]["requestBody"]["content"]["application/json"]
STORE_EXAMPLE: dict[str, Any] = (
    STORE["example"] if "example" in STORE else next(iter(STORE["examples"].values()))["value"]
)


@pytest.fixture
def shop(runtime: Runtime) -> VoiceTenant:
    return make_voice_tenant(runtime)


def test_health_needs_no_keys(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status_code": 200,
        "message": "Platform is operational.",
        "data": {"underMaintenance": False, "status": "healthy", "rateLimits": "off"},
    }


def test_the_gallery_lists_the_shipped_voices_and_the_spec_agrees(
    client: TestClient, shop: VoiceTenant
) -> None:
    response = client.get("/v1/admin/voice-gallery", headers=shop.headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["status_code"], body["message"]) == (200, "Voices fetched successfully.")
    assert [v["slug"] for v in body["data"]] == [v["slug"] for v in VOICES]
    assert set(SPEC["components"]["schemas"]["VoiceSlug"]["enum"]) == {v["slug"] for v in VOICES}


def test_keys_are_checked_as_a_pair(
    client: TestClient, shop: VoiceTenant, runtime: Runtime
) -> None:
    other = make_voice_tenant(runtime)
    url = "/v1/admin/voice-gallery"
    for headers in [
        {},
        {"x-public-key": shop.headers["x-public-key"]},
        {"x-private-key": shop.headers["x-private-key"]},
        {**shop.headers, "x-private-key": other.headers["x-private-key"]},
        {**shop.headers, "x-private-key": "sk_" + "0" * 64},
        {**shop.headers, "x-public-key": "pk_short"},
        {**shop.headers, "x-private-key": shop.headers["x-private-key"].upper()},
    ]:
        response = client.get(url, headers=headers)
        assert response.status_code == 401, headers
        assert response.json() == {"code": 401, "message": "Missing or invalid API keys"}


def test_onboarding_the_references_example_creates_a_workspace(
    client: TestClient, shop: VoiceTenant
) -> None:
    response = client.post(ONBOARD, json=STORE_EXAMPLE, headers=shop.headers)
    assert response.status_code == 201, response.text
    body = response.json()
    assert len(body["workspace"]) == 24 and body["status"] == "active"
    assert body["billing"] == {
        "type": "prepaid",
        "creditBalance": 100,
        "negativeCreditAllowance": 100,
    }


def test_the_same_store_twice_is_the_same_workspace(
    client: TestClient, shop: VoiceTenant, runtime: Runtime
) -> None:
    first = client.post(ONBOARD, json=STORE_EXAMPLE, headers=shop.headers).json()
    again = copy.deepcopy(STORE_EXAMPLE)
    again["name"] = f"  {STORE_EXAMPLE['name'].upper()} "
    repeat = client.post(ONBOARD, json=again, headers=shop.headers)
    assert repeat.status_code == 200 and repeat.json() == first
    elsewhere = client.post(ONBOARD, json=STORE_EXAMPLE, headers=make_voice_tenant(runtime).headers)
    assert elsewhere.status_code == 201 and elsewhere.json()["workspace"] != first["workspace"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currencyCode": "RUPEE"}, "currencyCode"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"supportContacts": {}}, "phoneNumber"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_an_invalid_store_is_a_400_naming_the_field(
    client: TestClient, shop: VoiceTenant, change: dict[str, Any], field: str
) -> None:
    response = client.post(ONBOARD, json=STORE_EXAMPLE | change, headers=shop.headers)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 400 and field in body["message"]
