"""100/minute per key and per IP in production; these tests set 5/minute explicitly."""

from __future__ import annotations

import functools
import random
import socket
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from mira.app import create_app
from mira.rate_limits import LIMIT_EXCEEDED, DatabaseStorage
from mira.settings import Settings
from models import RateLimitCounter
from tests.factories import Tenant

LIMIT = 5


@functools.cache
def _limited_app(settings: Settings, storage: str):  # type: ignore[no-untyped-def]
    """One app per storage: its counters live in the storage, so clients of one app stand for
    clients of many processes as well as the clients of several apps do (tested below)."""
    return create_app(replace(settings, rate_limit=f"{LIMIT}/minute", rate_limit_storage=storage))


def limited_client(settings: Settings, ip: str, storage: str = "database") -> TestClient:
    return TestClient(_limited_app(settings, storage), client=(ip, 40000))


def second_limited_client(settings: Settings, ip: str, storage: str = "database") -> TestClient:
    """A client of another app instance: another gunicorn worker, or another machine."""
    app = create_app(replace(settings, rate_limit=f"{LIMIT}/minute", rate_limit_storage=storage))
    return TestClient(app, client=(ip, 40000))


@pytest.fixture
def ip() -> str:
    """A client address of this test's own, so counters of other tests never interfere."""
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


@pytest.fixture
def limited(settings: Settings, ip: str) -> Iterator[TestClient]:
    with limited_client(settings, ip) as client:
        yield client


def test_over_the_limit_is_429_with_the_documented_message(limited, tenant: Tenant) -> None:
    for remaining in range(LIMIT - 1, -1, -1):
        response = limited.get("/api/v1/meetings", headers=tenant.headers)
        assert response.status_code == 200
        assert response.headers["RateLimit-Limit"] == str(LIMIT)
        assert response.headers["RateLimit-Remaining"] == str(remaining)
        assert 0 <= int(response.headers["RateLimit-Reset"]) <= 60
    refused = limited.get("/api/v1/meetings", headers=tenant.headers)
    assert refused.status_code == 429
    assert refused.json() == {"data": None, "error": LIMIT_EXCEEDED, "meta": None}
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit-Remaining"] == "0"


def test_the_ip_limit_holds_across_keys(limited, tenant: Tenant) -> None:
    keys = [tenant.key_with("read") for _ in range(LIMIT + 1)]
    statuses = [limited.get("/api/v1/meetings", headers=k).status_code for k in keys]
    assert statuses == [200] * LIMIT + [429]


def test_the_key_limit_holds_across_ips(settings: Settings, tenant: Tenant) -> None:
    statuses = []
    for n in range(LIMIT + 1):
        with limited_client(settings, f"10.250.{random.randrange(256)}.{n + 1}") as client:
            statuses.append(client.get("/api/v1/reports", headers=tenant.headers).status_code)
    assert statuses == [200] * LIMIT + [429]


def test_counters_are_shared_between_server_processes(
    settings: Settings, ip: str, tenant: Tenant
) -> None:
    """Two app instances on one database stand for two gunicorn workers or two machines."""
    with limited_client(settings, ip) as first, second_limited_client(settings, ip) as second:
        statuses = [
            (first if n % 2 else second)
            .get("/api/v1/templates", headers=tenant.headers)
            .status_code
            for n in range(LIMIT + 1)
        ]
    assert statuses == [200] * LIMIT + [429]


def test_docs_are_not_limited_and_unauthenticated_calls_count(limited) -> None:  # type: ignore[no-untyped-def]
    for _ in range(LIMIT + 2):
        assert limited.get("/api/v1/openapi.json").status_code == 200
    statuses = [limited.get("/api/v1/meetings").status_code for _ in range(LIMIT + 1)]
    assert statuses == [401] * LIMIT + [429]


def redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_redis_storage_is_shared_too(settings: Settings, ip: str, tenant: Tenant) -> None:
    storage = "redis://127.0.0.1:6379/15"
    with (
        limited_client(settings, ip, storage) as first,
        second_limited_client(settings, ip, storage) as second,
    ):
        statuses = [
            (first if n % 2 else second).get("/api/v1/insights", headers=tenant.headers).status_code
            for n in range(LIMIT + 1)
        ]
    assert statuses == [200] * LIMIT + [429]


def test_error_responses_carry_the_rate_limit_headers_too(limited, tenant: Tenant) -> None:
    bad = limited.get("/api/v1/meetings?limit=0", headers=tenant.headers)
    assert bad.status_code == 400
    assert bad.headers["RateLimit-Limit"] == str(LIMIT)
    assert bad.headers["RateLimit-Remaining"] == str(LIMIT - 1)
    missing = limited.get(
        "/api/v1/meetings/00000000-0000-4000-8000-000000000000", headers=tenant.headers
    )
    assert missing.status_code == 404 and missing.headers["RateLimit-Remaining"] == str(LIMIT - 2)


def test_the_key_limit_counts_the_token_however_the_header_is_spelled(
    settings: Settings, tenant: Tenant
) -> None:
    spellings = ["Bearer {}", "bearer {}", "Bearer  {}", "Bearer\t{}", "bearer {}", "BEARER {}"]
    statuses = []
    for n, spelling in enumerate(spellings):
        with limited_client(settings, f"10.251.{random.randrange(256)}.{n + 1}") as client:
            headers = {"Authorization": spelling.format(tenant.key)}
            statuses.append(client.get("/api/v1/reports", headers=headers).status_code)
    assert statuses == [200] * LIMIT + [429]


def test_ended_windows_are_pruned(runtime) -> None:  # type: ignore[no-untyped-def]
    storage = DatabaseStorage(runtime.engine)
    storage.PRUNE_EVERY = 3
    stale = f"stale-{random.random()}"
    storage.incr(stale, expiry=0)
    assert storage._row(stale) is None  # its window already ended, the row is still there
    with runtime.engine.connect() as connection:
        count = select(func.count()).where(RateLimitCounter.key == stale)
        assert connection.execute(count).scalar_one() == 1
        storage.incr(f"live-{random.random()}", expiry=60)
        storage.incr(f"live-{random.random()}", expiry=60)
        assert connection.execute(count).scalar_one() == 0


def test_a_repeated_authorization_header_is_refused(limited, tenant: Tenant) -> None:  # type: ignore[no-untyped-def]
    """Authentication reads the first of repeated headers and the limiter could count the
    last: a stranger's well-formed key in second place spent nobody's budget."""
    stranger = "Bearer mira_live_" + "0" * 40
    for headers in (
        [("Authorization", f"Bearer {tenant.key}"), ("Authorization", stranger)],
        [("Authorization", stranger), ("Authorization", f"Bearer {tenant.key}")],
    ):
        refused = limited.get("/api/v1/meetings", headers=headers)
        assert refused.status_code == 400
        assert refused.json() == {
            "data": None,
            "error": "header 'authorization' is given more than once",
            "meta": None,
        }


UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_an_unreachable_storage_fails_open_and_health_says_so(
    settings: Settings, ip: str, tenant: Tenant
) -> None:
    app = create_app(replace(settings, rate_limit="5/minute", rate_limit_storage=UNREACHABLE_REDIS))
    with TestClient(app, client=(ip, 40000)) as client:
        statuses = [
            client.get("/api/v1/meetings", headers=tenant.headers).status_code
            for _ in range(LIMIT + 2)
        ]
        health = client.get("/health")
    assert statuses == [200] * (LIMIT + 2)
    assert health.status_code == 200
    assert health.json()["data"] == {
        "underMaintenance": False,
        "status": "healthy",
        "rateLimits": "failing-open",
    }


def test_an_unreachable_storage_fails_closed_when_set(
    settings: Settings, ip: str, tenant: Tenant
) -> None:
    app = create_app(
        replace(
            settings,
            rate_limit="5/minute",
            rate_limit_storage=UNREACHABLE_REDIS,
            rate_limit_failure="closed",
        )
    )
    with TestClient(app, client=(ip, 40000)) as client:
        refused = client.get("/api/v1/meetings", headers=tenant.headers)
        health = client.get("/health")
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["error"] == "Rate limits cannot be counted right now. Retry shortly."
    assert health.status_code == 503
    assert health.json()["data"]["rateLimits"] == "failing-closed"


def test_health_reports_enforced_limits(limited) -> None:  # type: ignore[no-untyped-def]
    assert limited.get("/health").json()["data"]["rateLimits"] == "enforced"
