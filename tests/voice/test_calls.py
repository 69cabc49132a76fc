"""The call endpoints: initiate (checks, validation-failed, idempotency), abort, get, list, web."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import jwt
import orjson
import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from mira.app import create_app
from mira.db import session_scope
from mira.runtime import Runtime
from mira.settings import Settings
from mira.voice.calls import METADATA_MAX_BYTES, initiate_call
from models import Call
from models.base import utcnow
from tests.voice.calling import (
    ABANDONED_CART_REQUEST,
    CUSTOM_REQUEST,
    INITIATE,
    ORDER_VARIABLES,
    Shop,
    add_workspace,
    open_shop,
    request_for,
)

LIVEKIT = {
    "livekit_url": "wss://livekit.example.test",
    "livekit_api_key": "APImira",
    "livekit_api_secret": "s" * 40,
}
VALID_NUMBER = "+919876543210"
# Pass the E.164 pattern, fail the numbering plans: 555-01xx is fiction, +1 000 is unassigned.
INVALID_NUMBERS = ["+15550100123", "+10000000000", "+99912345678"]


@pytest.fixture
def shop(client: TestClient, runtime: Runtime) -> Shop:
    return open_shop(client, runtime)


@pytest.fixture(scope="module")
def strict_client(settings: Settings) -> Iterator[TestClient]:
    """The server as deployed: https callbacks only, and LiveKit configured."""
    app = create_app(
        Settings(
            database_url=settings.database_url,
            rate_limit="off",
            validate_responses=True,
            **LIVEKIT,
        )
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_the_references_requests_are_queued(
    client: TestClient, runtime: Runtime, shop: Shop
) -> None:
    cart = shop.assistant("abandoned_cart")
    custom = shop.assistant(variables=ORDER_VARIABLES)
    for example, assistant in [(ABANDONED_CART_REQUEST, cart), (CUSTOM_REQUEST, custom)]:
        body = request_for(example, assistant)
        answer = shop.initiate(body)
        assert answer["status"] == "queued" and len(answer["callId"]) == 24
        call = shop.call(answer["callId"])
        assert call["status"] == "queued" and call["validationErrors"] == []
        assert call["payload"] == body["payload"] and call["metadata"] == body["metadata"]
        assert (call["priority"], call["callbackUrl"]) == (body["priority"], body["callbackUrl"])
        assert call["attempts"] == [] and call["events"] == []
        assert call["nextAttemptAt"] == call["createdAt"]
        assert call["report"] == {"reAttemptCount": 0, "rescheduledCount": 0}
        assert shop.event_types(answer["callId"]) == []


@pytest.mark.parametrize("number", INVALID_NUMBERS)
def test_a_well_formed_but_invalid_number_is_validation_failed(shop: Shop, number: str) -> None:
    custom = shop.assistant(variables=ORDER_VARIABLES)
    answer = shop.initiate(request_for(CUSTOM_REQUEST, custom, phoneNumber=number))
    assert answer["status"] == "validation-failed"
    call = shop.call(answer["callId"])
    assert call["validationErrors"] == [
        f"phoneNumber: {number} is not a valid number in any numbering plan"
    ]
    assert call["nextAttemptAt"] is None
    assert [e["type"] for e in call["events"]] == ["call.validation-failed", "call.lifecycle-ended"]
    failed, ended = (e["data"] for e in call["events"])
    assert failed["call"] == {
        "id": answer["callId"],
        "status": "validation-failed",
        "startedAt": None,
        "endedAt": None,
        "recordingUrl": None,
        "validationErrors": call["validationErrors"],
    }
    assert ended["report"] == {
        "reAttemptCount": 0,
        "rescheduledCount": 0,
        "finalStatus": "validation-failed",
    }


def test_a_number_that_fails_the_pattern_is_a_400(shop: Shop) -> None:
    body = request_for(CUSTOM_REQUEST, shop.assistant(), phoneNumber="9876543210")
    response = shop.client.post(INITIATE, json=body, headers=shop.headers)
    assert response.status_code == 400 and "phoneNumber" in response.json()["message"]


def errors_of(shop: Shop, body: dict[str, Any]) -> list[str]:
    answer = shop.initiate(body)
    errors: list[str] = shop.call(answer["callId"])["validationErrors"]
    assert answer["status"] == ("validation-failed" if errors else "queued")
    return errors


def test_an_abandoned_cart_call_needs_the_checkout(shop: Shop) -> None:
    cart = shop.assistant("abandoned_cart")
    without = {k: v for k, v in ABANDONED_CART_REQUEST.items() if k != "payload"}
    assert errors_of(shop, without | {"assistant": cart}) == [
        "payload: an abandoned_cart assistant's call needs the abandoned checkout"
    ]
    custom_payload = request_for(ABANDONED_CART_REQUEST, cart, payload=CUSTOM_REQUEST["payload"])
    errors = errors_of(shop, custom_payload)
    assert "payload: 'customer' is a required property" in errors
    assert any(e.startswith("payload: Additional properties are not allowed") for e in errors)
    broken = request_for(ABANDONED_CART_REQUEST, cart)
    broken["payload"]["lineItems"][0]["quantity"] = 0
    broken["payload"]["customer"]["lastName"] = None  # nullable in the spec: fine
    assert errors_of(shop, broken) == [
        "payload.lineItems.0.quantity: 0 is less than the minimum of 1"
    ]
    both = request_for(broken, cart, phoneNumber=INVALID_NUMBERS[0])
    assert len(errors_of(shop, both)) == 2


def test_a_custom_call_supplies_the_required_variables_with_their_types(shop: Shop) -> None:
    custom = shop.assistant(variables=ORDER_VARIABLES)
    payload = dict(CUSTOM_REQUEST["payload"])
    del payload["orderId"], payload["notes"]  # a required one and an optional one
    payload["orderValue"] = "2500"
    assert errors_of(shop, request_for(CUSTOM_REQUEST, custom, payload=payload)) == [
        "payload.orderId: required by the assistant",
        "payload.orderValue: must be of type number",
    ]
    assert errors_of(shop, request_for(CUSTOM_REQUEST, custom, payload={"orderValue": True})) == [
        "payload.orderId: required by the assistant",
        "payload.customerName: required by the assistant",
        "payload.orderValue: must be of type number",
    ]
    extra = request_for(CUSTOM_REQUEST, custom)
    extra["payload"]["unknown"] = {"any": "thing"}
    assert errors_of(shop, extra) == []
    # variableSchema declares them too; without a payload every required one is missing.
    schema = {
        "variableSchema": {
            "properties": {"flag": {"type": "boolean"}, "items": {"type": "array"}},
            "required": ["flag"],
        }
    }
    declared = shop.assistant(config=schema)
    without = {k: v for k, v in CUSTOM_REQUEST.items() if k != "payload"}
    assert errors_of(shop, without | {"assistant": declared}) == [
        "payload.flag: required by the assistant"
    ]
    typed = request_for(CUSTOM_REQUEST, declared, payload={"flag": False, "items": "x"})
    assert errors_of(shop, typed) == []
    # A custom assistant that declares nothing takes any payload, or none.
    assert errors_of(shop, without | {"assistant": shop.assistant()}) == []


def test_the_assistant_must_be_in_the_workspace_and_live(
    client: TestClient, runtime: Runtime, shop: Shop
) -> None:
    sibling = add_workspace(client, runtime, shop.tenant)
    stranger = open_shop(client, runtime)
    for assistant in [sibling.assistant(), stranger.assistant(), "0" * 24]:
        response = client.post(
            INITIATE, json=request_for(CUSTOM_REQUEST, assistant), headers=shop.headers
        )
        assert response.status_code == 404
        assert response.json() == {"code": 404, "message": "Assistant not found"}
    mine = shop.assistant(variables=ORDER_VARIABLES)
    foreign_workspace = shop.headers | {"workspace": stranger.workspace}
    response = client.post(
        INITIATE, json=request_for(CUSTOM_REQUEST, mine), headers=foreign_workspace
    )
    assert response.json() == {"code": 404, "message": "Workspace not found"}
    archived = shop.assistant(archived=True)
    response = client.post(
        INITIATE, json=request_for(CUSTOM_REQUEST, archived.upper()), headers=shop.headers
    )
    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": "Assistant is archived."}
    with session_scope(runtime.sessions) as session:
        count = select(func.count()).where(Call.workspace_id == shop.workspace)
        assert session.scalar(count) == 0


def test_callbacks_must_be_https_on_a_deployed_server(
    strict_client: TestClient, runtime: Runtime, shop: Shop
) -> None:
    custom = shop.assistant(variables=ORDER_VARIABLES)
    for url, reason in [
        ("http://your-app.com/hooks", "must use https"),
        ("https://127.0.0.1/hooks", "must not point at a private or loopback address"),
    ]:
        body = request_for(CUSTOM_REQUEST, custom, callbackUrl=url)
        response = strict_client.post(INITIATE, json=body, headers=shop.headers)
        assert response.status_code == 400
        assert response.json()["message"].startswith(f"body field 'callbackUrl': {reason}")
    response = strict_client.post(
        INITIATE, json=request_for(CUSTOM_REQUEST, custom), headers=shop.headers
    )
    assert response.status_code == 200 and response.json()["status"] == "queued"


def calls_in(runtime: Runtime, workspace: str) -> int:
    with session_scope(runtime.sessions) as session:
        return session.scalar(select(func.count()).where(Call.workspace_id == workspace)) or 0


def test_an_idempotency_key_replays_the_first_call(
    client: TestClient, runtime: Runtime, shop: Shop
) -> None:
    custom = shop.assistant(variables=ORDER_VARIABLES)
    body = request_for(CUSTOM_REQUEST, custom)
    key = {"Idempotency-Key": "order-12345-attempt-1"}
    first = client.post(INITIATE, json=body, headers=shop.headers | key)
    assert first.status_code == 200 and "Idempotent-Replayed" not in first.headers
    # The same body in another key order is the same request.
    reordered = dict(reversed(list(body.items())))
    again = client.post(INITIATE, json=reordered, headers=shop.headers | key)
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    # The replay answers the call's current status.
    shop.set_status(first.json()["callId"], "in-progress")
    again = client.post(INITIATE, json=body, headers=shop.headers | key)
    assert again.json() == {"callId": first.json()["callId"], "status": "in-progress"}
    other = client.post(INITIATE, json=body | {"priority": False}, headers=shop.headers | key)
    assert other.status_code == 409
    assert other.json() == {
        "code": 409,
        "message": "Idempotency-Key was already used with a different request body",
    }
    assert calls_in(runtime, shop.workspace) == 1
    # Scoped to the workspace: the same key elsewhere is another call.
    sibling = add_workspace(client, runtime, shop.tenant)
    elsewhere = request_for(CUSTOM_REQUEST, sibling.assistant(variables=ORDER_VARIABLES))
    there = client.post(INITIATE, json=elsewhere, headers=sibling.headers | key)
    assert there.status_code == 200 and there.json()["callId"] != first.json()["callId"]
    # Remembered 24 hours: after that the key starts a new call.
    with session_scope(runtime.sessions) as session:
        session.get_one(Call, first.json()["callId"]).created_at = utcnow() - timedelta(hours=25)
    later = client.post(INITIATE, json=body | {"priority": False}, headers=shop.headers | key)
    assert later.status_code == 200 and "Idempotent-Replayed" not in later.headers
    assert later.json()["callId"] != first.json()["callId"]
    assert calls_in(runtime, shop.workspace) == 2


def test_a_repeat_that_races_the_first_waits_and_replays_it(runtime: Runtime, shop: Shop) -> None:
    """The second request finds no call yet, inserts, waits on the first's lock, then replays."""
    body = request_for(CUSTOM_REQUEST, shop.assistant(variables=ORDER_VARIABLES))
    org, now = shop.tenant.organization_id, utcnow()
    first_session = runtime.sessions()
    first = initiate_call(first_session, org, shop.workspace, body, "race", True, now)
    outcome: dict[str, Any] = {}

    def second() -> None:
        with session_scope(runtime.sessions) as session:
            outcome["second"] = initiate_call(session, org, shop.workspace, body, "race", True, now)

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(timeout=0.5)
    assert thread.is_alive()  # waiting on the first's uncommitted row
    first_session.commit()
    first_session.close()
    thread.join(timeout=10)
    assert outcome["second"].call_id == first.call_id and outcome["second"].replayed
    assert calls_in(runtime, shop.workspace) == 1


def test_concurrent_identical_requests_make_one_call(
    client: TestClient, runtime: Runtime, shop: Shop
) -> None:
    body = request_for(CUSTOM_REQUEST, shop.assistant(variables=ORDER_VARIABLES))
    headers = shop.headers | {"Idempotency-Key": "burst"}
    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(
            pool.map(lambda _: client.post(INITIATE, json=body, headers=headers), range(6))
        )
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["callId"] for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 5
    assert calls_in(runtime, shop.workspace) == 1


ABORTABLE = [
    "queued",
    "busy",
    "failed",
    "no-answer",
    "rescheduled",
    "validation-failed",
    "skip",
]
REFUSED = {
    "initiate": "Call is already in progress",
    "in-progress": "Call is already in progress",
    "ended": "Call already completed",
    "completed": "Call already completed",
    "timeout": "Call already completed",
    "aborted": "Call already aborted",
}


def abort(shop: Shop, call_id: str) -> Any:
    return shop.client.post("/v2/call/abort", json={"callId": call_id}, headers=shop.headers)


@pytest.mark.parametrize("status", ABORTABLE)
def test_abort_is_allowed_until_the_call_connects(shop: Shop, status: str) -> None:
    call_id = shop.initiate(request_for(CUSTOM_REQUEST, shop.assistant()))["callId"]
    shop.set_status(call_id, status)
    response = abort(shop, call_id.upper())
    assert response.status_code == 200
    assert response.json() == {"message": "Call aborted successfully"}
    call = shop.call(call_id)
    assert call["status"] == "aborted" and call["nextAttemptAt"] is None
    aborted, ended = (e["data"] for e in call["events"])
    assert aborted["call"]["status"] == "aborted" and ended["report"]["finalStatus"] == "aborted"
    assert [e["type"] for e in call["events"]] == ["call.aborted", "call.lifecycle-ended"]
    again = abort(shop, call_id)
    assert again.status_code == 400
    assert again.json() == {"code": 400, "message": "Call already aborted"}


def test_aborting_a_validation_failed_call_does_not_end_it_twice(shop: Shop) -> None:
    body = request_for(CUSTOM_REQUEST, shop.assistant(), phoneNumber=INVALID_NUMBERS[0])
    call_id = shop.initiate(body)["callId"]
    assert abort(shop, call_id).status_code == 200
    assert shop.event_types(call_id) == [
        "call.validation-failed",
        "call.lifecycle-ended",
        "call.aborted",
    ]


@pytest.mark.parametrize(("status", "message"), REFUSED.items())
def test_abort_is_refused_once_the_dialer_took_the_call(
    shop: Shop, status: str, message: str
) -> None:
    call_id = shop.initiate(request_for(CUSTOM_REQUEST, shop.assistant()))["callId"]
    shop.set_status(call_id, status)
    response = abort(shop, call_id)
    assert response.status_code == 400
    assert response.json() == {"code": 400, "message": message}
    assert shop.call(call_id)["status"] == status and shop.event_types(call_id) == []


def test_another_tenants_call_is_not_found(
    client: TestClient, runtime: Runtime, shop: Shop
) -> None:
    call_id = shop.initiate(request_for(CUSTOM_REQUEST, shop.assistant()))["callId"]
    sibling = add_workspace(client, runtime, shop.tenant)
    stranger = open_shop(client, runtime)
    for other in [sibling, stranger]:
        for response in [
            abort(other, call_id),
            client.get(f"/v2/call/get/{call_id}", headers=other.headers),
            client.get(f"/v2/call/deliveries/{call_id}", headers=other.headers),
        ]:
            assert response.status_code == 404
            assert response.json() == {"code": 404, "message": "Call not found"}
        listed = client.get("/v2/call/list", headers=other.headers).json()
        assert call_id not in [c["_id"] for c in listed["data"]]
    # The stranger's keys with this shop's workspace: the workspace is not theirs.
    response = client.get(
        f"/v2/call/get/{call_id}", headers=stranger.tenant.headers | {"workspace": shop.workspace}
    )
    assert response.json() == {"code": 404, "message": "Workspace not found"}
    assert shop.call(call_id)["status"] == "queued"


def test_list_filters_and_pages_newest_first(client: TestClient, shop: Shop) -> None:
    first, second = shop.assistant(), shop.assistant()
    made = []
    for assistant, number in [
        (first, VALID_NUMBER),
        (second, VALID_NUMBER),
        (first, "+14155552671"),
        (first, INVALID_NUMBERS[0]),
        (second, "+14155552671"),
    ]:
        body = request_for(CUSTOM_REQUEST, assistant, phoneNumber=number)
        made.append(shop.initiate(body)["callId"])
        with session_scope(shop.runtime.sessions) as session:  # distinct, increasing times
            call = session.get_one(Call, made[-1])
            call.created_at = utcnow() - timedelta(minutes=10 - len(made))
    shop.set_status(made[1], "completed")

    def listed(query: str) -> dict[str, Any]:
        response = client.get(f"/v2/call/list{query}", headers=shop.headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert body["message"] == "Calls fetched successfully"
        return body

    everything = listed("")
    assert [c["_id"] for c in everything["data"]] == made[::-1]
    assert everything["meta"] == {"page": 1, "limit": 20, "total": 5, "totalPages": 1}
    assert "payload" not in everything["data"][0] and "events" not in everything["data"][0]
    paged = listed("?page=2&limit=2")
    assert [c["_id"] for c in paged["data"]] == [made[2], made[1]]
    assert paged["meta"] == {"page": 2, "limit": 2, "total": 5, "totalPages": 3}
    assert listed("?page=4&limit=2")["data"] == []
    assert [c["_id"] for c in listed(f"?assistant={first.upper()}")["data"]] == [
        made[3],
        made[2],
        made[0],
    ]
    assert [c["_id"] for c in listed("?status=completed")["data"]] == [made[1]]
    assert [c["_id"] for c in listed("?status=validation-failed")["data"]] == [made[3]]
    by_number = listed("?phoneNumber=%2B14155552671")["data"]
    assert [c["_id"] for c in by_number] == [made[4], made[2]]
    window = listed(f"?assistant={first}&status=queued")["data"]
    assert [c["_id"] for c in window] == [made[2], made[0]]
    with session_scope(shop.runtime.sessions) as session:
        moments = [session.get_one(Call, i).created_at for i in made]
    since = moments[2].isoformat().replace("+00:00", "Z")
    until = moments[3].isoformat().replace("+00:00", "Z")
    ranged = listed(f"?from={since}&to={until}")["data"]
    assert [c["_id"] for c in ranged] == [made[3], made[2]]
    assert client.get("/v2/call/list?sort=asc", headers=shop.headers).status_code == 400


def test_web_calls_answer_503_until_livekit_is_configured(client: TestClient, shop: Shop) -> None:
    response = client.post(
        "/v2/call/web", json={"assistant": shop.assistant()}, headers=shop.headers
    )
    assert response.status_code == 503
    assert response.json() == {
        "code": 503,
        "message": "Web calls are not configured on this server.",
    }


def test_a_web_call_is_a_livekit_token_for_a_room_of_its_own(
    strict_client: TestClient, runtime: Runtime, shop: Shop
) -> None:
    assistant = shop.assistant(variables=ORDER_VARIABLES)
    body = {
        "assistant": assistant,
        "systemPrompt": "Be brief.",
        "payload": {"orderId": "ORD-12345"},  # not checked against the variables
        "metadata": {"source": "dashboard"},
    }
    response = strict_client.post("/v2/call/web", json=body, headers=shop.headers)
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["success"] is True and answer["error"] is None
    assert answer["url"] == LIVEKIT["livekit_url"] and assistant in answer["roomName"]
    claims = jwt.decode(answer["token"], LIVEKIT["livekit_api_secret"], algorithms=["HS256"])
    assert claims["iss"] == LIVEKIT["livekit_api_key"] and claims["sub"]
    assert claims["video"]["roomJoin"] is True and claims["video"]["room"] == answer["roomName"]
    context = json.loads(claims["metadata"])
    assert context["assistant"] == assistant and context["workspace"] == shop.workspace
    assert (context["payload"], context["systemPrompt"]) == (body["payload"], "Be brief.")
    assert claims["exp"] > utcnow().timestamp()
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(answer["token"], "another secret" * 3, algorithms=["HS256"])
    again = strict_client.post("/v2/call/web", json=body, headers=shop.headers).json()
    assert again["roomName"] != answer["roomName"]
    assert calls_in(runtime, shop.workspace) == 0  # no call record
    for assistant_id, status in [(shop.assistant(archived=True), 400), ("0" * 24, 404)]:
        refused = strict_client.post(
            "/v2/call/web", json={"assistant": assistant_id}, headers=shop.headers
        )
        assert refused.status_code == status


def nested(depth: int) -> Any:
    """Objects nested `depth` deep, counting the outermost."""
    return {"level": nested(depth - 1)} if depth > 1 else {"level": "deepest"}


ROOMY = {
    **{f"key{i}": "x" * 2000 for i in range(62)},
    "list": [1, 2.5, True, None, "x" * 2000, [[1]], {"a": {"b": None}}] + ["y"] * 93,
    "deep": nested(3),
}
TOO_BIG = {
    "deeper than four levels": {"payload": nested(5), "metadata": {"order": nested(4)}},
    "65 keys": {f"key{i}": i for i in range(65)},
    "a 2,001-character string": {"notes": "x" * 2001},
    "a list of 101 items": {"items": list(range(101))},
    "101 items one level down": {"order": {"items": list(range(101))}},
    "a NUL": {"notes": "a\u0000b"},
}


def test_a_payload_up_to_its_bounds_is_queued(shop: Shop) -> None:
    body = request_for(CUSTOM_REQUEST, shop.assistant(), payload=ROOMY)
    call = shop.call(shop.initiate(body)["callId"])
    assert call["payload"] == ROOMY


def test_metadata_copied_into_every_event_is_at_most_16_kib(shop: Shop) -> None:
    metadata: dict[str, Any] = {f"key{i}": "x" * 2000 for i in range(8)}
    metadata["pad"] = "x" * (METADATA_MAX_BYTES - len(orjson.dumps(metadata)) - len(',"pad":""'))
    assert len(orjson.dumps(metadata)) == METADATA_MAX_BYTES
    body = request_for(CUSTOM_REQUEST, shop.assistant(), metadata=metadata)
    assert shop.call(shop.initiate(body)["callId"])["metadata"] == metadata

    metadata["pad"] += "x"
    response = shop.client.post(INITIATE, json={**body, "metadata": metadata}, headers=shop.headers)
    assert response.status_code == 400
    assert response.json() == {
        "code": 400,
        "message": "body field 'metadata': larger than 16384 bytes as JSON",
    }


@pytest.mark.parametrize("field", ["payload", "metadata"])
@pytest.mark.parametrize("case", TOO_BIG)
def test_free_form_objects_beyond_their_bounds_are_a_400(shop: Shop, field: str, case: str) -> None:
    value = TOO_BIG[case]
    if case == "deeper than four levels":
        value = value[field]
    body = request_for(CUSTOM_REQUEST, shop.assistant(), **{field: value})
    response = shop.client.post(INITIATE, json=body, headers=shop.headers)
    assert response.status_code == 400, response.text
    answer = response.json()
    assert set(answer) == {"code", "message"} and answer["code"] == 400
    assert answer["message"].startswith(f"body field '{field}"), answer


@pytest.mark.parametrize("field", ["payload", "metadata"])
def test_a_web_calls_free_form_objects_are_bounded_too(
    strict_client: TestClient, shop: Shop, field: str
) -> None:
    body = {"assistant": shop.assistant(), field: {"order": nested(4)}}
    response = strict_client.post("/v2/call/web", json=body, headers=shop.headers)
    assert response.status_code == 400 and response.json()["code"] == 400
    assert response.json()["message"].startswith(f"body field '{field}")


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        (
            {"order": nested(4)},
            "body field 'metadata.order.level.level.level': {'level': 'deepest'} is not of type"
            " 'string', 'number', 'boolean'",
        ),
        ({"notes": "a\u0000b"}, "body field 'metadata.notes': 'a\\x00b' does not match"),
        ({"notes": "x" * 2001}, f"body field 'metadata.notes': '{'x' * 2001}' is too long"),
    ],
)
def test_a_free_form_value_out_of_bounds_is_named_by_what_is_wrong(
    shop: Shop, metadata: dict[str, Any], message: str
) -> None:
    body = request_for(CUSTOM_REQUEST, shop.assistant(), metadata=metadata)
    response = shop.client.post(INITIATE, json=body, headers=shop.headers)
    assert response.status_code == 400
    assert response.json()["message"].startswith(message)
