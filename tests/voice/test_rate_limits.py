"""The voice API's limit counts per key pair (per client IP without a well-formed pair)."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from mira.rate_limits import LIMIT_EXCEEDED
from mira.runtime import Runtime
from mira.settings import Settings
from tests.coaching.test_rate_limits import (
    LIMIT,
    limited_client,
    redis_up,
    second_limited_client,
)
from tests.factories import VoiceTenant, make_voice_tenant

GALLERY = "/v1/admin/voice-gallery"


def an_ip() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


@pytest.fixture
def shop(runtime: Runtime) -> VoiceTenant:
    return make_voice_tenant(runtime)


@pytest.fixture
def limited(settings: Settings) -> Iterator[TestClient]:
    with limited_client(settings, an_ip()) as client:
        yield client


def test_over_the_limit_is_429_in_the_voice_error_shape(limited, shop: VoiceTenant) -> None:  # type: ignore[no-untyped-def]
    for remaining in range(LIMIT - 1, -1, -1):
        response = limited.get(GALLERY, headers=shop.headers)
        assert response.status_code == 200
        assert response.headers["RateLimit-Limit"] == str(LIMIT)
        assert response.headers["RateLimit-Remaining"] == str(remaining)
    refused = limited.get(GALLERY, headers=shop.headers)
    assert refused.status_code == 429
    assert refused.json() == {"code": 429, "message": LIMIT_EXCEEDED}
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["RateLimit-Remaining"] == "0"


def test_the_pair_limit_holds_across_ips(settings: Settings, shop: VoiceTenant) -> None:
    statuses = []
    for _ in range(LIMIT + 1):
        with limited_client(settings, an_ip()) as client:
            statuses.append(client.get(GALLERY, headers=shop.headers).status_code)
    assert statuses == [200] * LIMIT + [429]


def test_pairs_behind_one_ip_keep_their_own_budgets(
    limited: TestClient, runtime: Runtime, shop: VoiceTenant
) -> None:
    """An integration server placing calls for many stores is not throttled as one client."""
    others = [make_voice_tenant(runtime) for _ in range(LIMIT + 1)]
    assert [limited.get(GALLERY, headers=o.headers).status_code for o in others] == [200] * (
        LIMIT + 1
    )
    assert limited.get(GALLERY, headers=shop.headers).status_code == 200


def test_a_wrong_private_key_spends_nobody_elses_budget(
    limited: TestClient, shop: VoiceTenant
) -> None:
    forged = {**shop.headers, "x-private-key": "sk_" + "0" * 64}
    assert [limited.get(GALLERY, headers=forged).status_code for _ in range(LIMIT + 1)] == [
        401
    ] * LIMIT + [429]
    assert limited.get(GALLERY, headers=shop.headers).status_code == 200


def test_requests_without_a_pair_count_per_ip_and_docs_are_not_limited(
    limited: TestClient,
) -> None:
    for _ in range(LIMIT + 2):
        assert limited.get("/health").status_code == 200
        assert limited.get("/openapi.json").status_code == 200
    statuses = [limited.get(GALLERY).status_code for _ in range(LIMIT + 1)]
    assert statuses == [401] * LIMIT + [429]


def test_counters_are_shared_between_server_processes(
    settings: Settings, shop: VoiceTenant
) -> None:
    ip = an_ip()
    with limited_client(settings, ip) as first, second_limited_client(settings, ip) as second:
        statuses = [
            (first if n % 2 else second).get(GALLERY, headers=shop.headers).status_code
            for n in range(LIMIT + 1)
        ]
    assert statuses == [200] * LIMIT + [429]


@pytest.mark.skipif(not redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_redis_storage_is_shared_too(settings: Settings, shop: VoiceTenant) -> None:
    storage, ip = "redis://127.0.0.1:6379/15", an_ip()
    with (
        limited_client(settings, ip, storage) as first,
        second_limited_client(settings, ip, storage) as second,
    ):
        statuses = [
            (first if n % 2 else second).get(GALLERY, headers=shop.headers).status_code
            for n in range(LIMIT + 1)
        ]
    assert statuses == [200] * LIMIT + [429]


def test_a_repeated_key_header_is_refused(limited, shop: VoiceTenant, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    """The pair authenticated and the pair counted must be one pair: a random well-formed pair
    repeated after the real one got 160 of 160 requests through a limit of 100."""
    other = make_voice_tenant(runtime).headers | {"workspace": "b" * 24}
    mine = shop.headers | {"workspace": "a" * 24}
    for name in ("x-public-key", "x-private-key", "workspace"):
        refused = limited.get("/v2/call/list", headers=[*mine.items(), (name, other[name])])
        assert refused.status_code == 400
        assert refused.json() == {
            "code": 400,
            "message": f"header '{name}' is given more than once",
        }
