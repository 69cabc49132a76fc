"""Webhook subscriptions over the API: admin only, one tenant's own, no private receivers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mira.app import create_app
from mira.runtime import Runtime
from mira.settings import Settings
from tests.factories import Tenant

BASE = "/api/v1/webhooks"
PUBLIC = "https://hooks.example.com/mira"
# Where queued test events go: nothing listens there, and it is not the internet.
NOBODY = "http://127.0.0.1:9/nobody"


def subscribe(
    client: TestClient, tenant: Tenant, url: str = PUBLIC, **fields: Any
) -> dict[str, Any]:
    body = {"url": url, "events": ["report.completed"], **fields}
    response = client.post(f"{BASE}/subscriptions", json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def queue_test_event(client: TestClient, tenant: Tenant, subscription_id: str) -> str:
    response = client.post(f"{BASE}/subscriptions/{subscription_id}/test", headers=tenant.headers)
    assert response.status_code == 200, response.text
    return str(response.json()["data"]["id"])


@pytest.fixture(scope="module")
def strict_client(database_url: str) -> Iterator[TestClient]:
    """The same database served as production would: private receivers refused."""
    settings = Settings(database_url=database_url, rate_limit="off", validate_responses=True)
    assert settings.webhook_allow_private is False
    app = create_app(settings)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            yield client
    finally:
        runtime: Runtime = app.runtime
        runtime.engine.dispose()


def test_subscribe_list_get_and_delete(client: TestClient, tenant: Tenant) -> None:
    first = subscribe(client, tenant, description="CRM sync")
    assert first["secret"].startswith("whsec_") and len(first["secret"]) > 30
    assert (first["url"], first["events"], first["description"]) == (
        PUBLIC,
        ["report.completed"],
        "CRM sync",
    )
    second = subscribe(client, tenant, events=["meeting.failed", "roleplay.completed"])
    assert second["secret"] != first["secret"]
    listed = client.get(f"{BASE}/subscriptions", headers=tenant.headers).json()
    assert [s["id"] for s in listed["data"]] == [second["id"], first["id"]]
    assert listed["meta"]["total"] == 2
    got = client.get(f"{BASE}/subscriptions/{first['id']}", headers=tenant.headers).json()
    assert got["data"] == first

    deleted = client.delete(f"{BASE}/subscriptions/{first['id']}", headers=tenant.headers)
    assert deleted.status_code == 200
    assert deleted.json()["data"] == {"id": first["id"], "deleted": True}
    gone = client.get(f"{BASE}/subscriptions/{first['id']}", headers=tenant.headers)
    assert gone.status_code == 404 and gone.json()["error"] == "Webhook subscription not found"
    listed = client.get(f"{BASE}/subscriptions", headers=tenant.headers).json()
    assert [s["id"] for s in listed["data"]] == [second["id"]]


@pytest.mark.parametrize(
    "body",
    [
        {"url": PUBLIC, "events": ["meeting.exploded"]},
        {"url": PUBLIC, "events": []},
        {"url": "not a url", "events": ["report.completed"]},
        {"events": ["report.completed"]},
    ],
)
def test_invalid_subscriptions_are_400(
    client: TestClient, tenant: Tenant, body: dict[str, Any]
) -> None:
    response = client.post(f"{BASE}/subscriptions", json=body, headers=tenant.headers)
    assert response.status_code == 400 and response.json()["data"] is None


def test_deleting_a_subscription_fails_its_pending_deliveries(
    client: TestClient, tenant: Tenant
) -> None:
    subscription = subscribe(client, tenant, NOBODY)
    delivery_id = queue_test_event(client, tenant, subscription["id"])
    pending = client.get(
        f"{BASE}/subscriptions/{subscription['id']}/deliveries?status=pending",
        headers=tenant.headers,
    ).json()["data"]
    assert [(d["id"], d["event"], d["attempts"]) for d in pending] == [
        (delivery_id, "webhook.test", [])
    ]
    assert pending[0]["payload"]["data"] == {"subscription_id": subscription["id"]}
    client.delete(f"{BASE}/subscriptions/{subscription['id']}", headers=tenant.headers)
    # Gone with its subscription, like every deleted resource (Schemathesis checks this).
    log = client.get(
        f"{BASE}/subscriptions/{subscription['id']}/deliveries", headers=tenant.headers
    )
    assert log.status_code == 404
    resend = client.post(f"{BASE}/deliveries/{delivery_id}/resend", headers=tenant.headers)
    assert resend.status_code == 409
    test = client.post(f"{BASE}/subscriptions/{subscription['id']}/test", headers=tenant.headers)
    assert test.status_code == 404


def test_another_tenant_sees_nothing(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    subscription = subscribe(client, tenant, NOBODY)
    delivery_id = queue_test_event(client, tenant, subscription["id"])
    theirs = other_tenant.headers
    assert client.get(f"{BASE}/subscriptions", headers=theirs).json()["data"] == []
    for method, url in [
        ("GET", f"{BASE}/subscriptions/{subscription['id']}"),
        ("GET", f"{BASE}/subscriptions/{subscription['id']}/deliveries"),
        ("POST", f"{BASE}/subscriptions/{subscription['id']}/test"),
        ("DELETE", f"{BASE}/subscriptions/{subscription['id']}"),
        ("POST", f"{BASE}/deliveries/{delivery_id}/resend"),
        ("GET", f"{BASE}/subscriptions/{uuid.uuid4()}"),
        ("POST", f"{BASE}/deliveries/{uuid.uuid4()}/resend"),
    ]:
        response = client.request(method, url, headers=theirs)
        assert response.status_code == 404, (method, url, response.text)
        assert response.json()["error"].endswith("not found")
    # ...and nothing of it changed.
    got = client.get(f"{BASE}/subscriptions/{subscription['id']}", headers=tenant.headers)
    assert got.status_code == 200


@pytest.mark.parametrize("permission", ["read", "write"])
def test_everything_needs_admin(client: TestClient, tenant: Tenant, permission: str) -> None:
    subscription = subscribe(client, tenant, NOBODY)
    delivery_id = queue_test_event(client, tenant, subscription["id"])
    headers = tenant.key_with(permission)
    for method, url, body in [
        ("GET", f"{BASE}/subscriptions", None),
        ("POST", f"{BASE}/subscriptions", {"url": PUBLIC, "events": ["report.completed"]}),
        ("GET", f"{BASE}/subscriptions/{subscription['id']}", None),
        ("GET", f"{BASE}/subscriptions/{subscription['id']}/deliveries", None),
        ("POST", f"{BASE}/subscriptions/{subscription['id']}/test", None),
        ("DELETE", f"{BASE}/subscriptions/{subscription['id']}", None),
        ("POST", f"{BASE}/deliveries/{delivery_id}/resend", None),
    ]:
        response = client.request(method, url, json=body, headers=headers)
        assert response.status_code == 403, (method, url, response.text)
        assert response.json()["error"] == "This API key lacks the 'admin' permission"
    listed = client.get(f"{BASE}/subscriptions", headers=tenant.headers).json()["data"]
    assert [s["id"] for s in listed] == [subscription["id"]]


REFUSED = [
    ("http://hooks.example.com/mira", "must use https"),
    ("https://127.0.0.1/hook", "private or loopback"),
    ("https://127.0.0.1:8443/hook", "private or loopback"),
    ("https://10.0.0.8/hook", "private or loopback"),
    ("https://192.168.1.20/hook", "private or loopback"),
    ("https://169.254.169.254/latest/meta-data", "private or loopback"),
    ("https://localhost/hook", "this machine"),
    ("https://[::1]/hook", "url"),  # not even an ASCII host name to the contract
]


@pytest.mark.parametrize(("url", "reason"), REFUSED)
def test_private_receivers_are_refused_unless_allowed(
    client: TestClient, strict_client: TestClient, tenant: Tenant, url: str, reason: str
) -> None:
    body = {"url": url, "events": ["report.completed"]}
    response = strict_client.post(f"{BASE}/subscriptions", json=body, headers=tenant.headers)
    assert response.status_code == 400, response.text
    assert "url" in response.json()["error"] and reason in response.json()["error"]
    listed = client.get(f"{BASE}/subscriptions", headers=tenant.headers).json()["data"]
    assert listed == []
    if "[" not in url:  # the operator allowed private receivers on the other app
        assert client.post(f"{BASE}/subscriptions", json=body, headers=tenant.headers).is_success


def test_public_receivers_are_accepted_when_private_ones_are_not(
    strict_client: TestClient, tenant: Tenant
) -> None:
    subscription = subscribe(strict_client, tenant, "https://93.184.215.14:8443/hook")
    assert subscription["url"] == "https://93.184.215.14:8443/hook"


@pytest.mark.parametrize(
    "url",
    [
        "https://127.1/hook",
        "https://2130706433/hook",
        "https://0x7f.1/hook",
        "https://localhost./hook",
    ],
)
def test_loopback_in_other_spellings_is_refused_too(
    strict_client: TestClient, tenant: Tenant, url: str
) -> None:
    body = {"url": url, "events": ["report.completed"]}
    response = strict_client.post(f"{BASE}/subscriptions", json=body, headers=tenant.headers)
    assert response.status_code == 400, response.text
