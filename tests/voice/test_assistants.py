"""Assistants through both APIs: one store, two views, variant rules, updates and their cooldown."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from mira.db import session_scope
from mira.runtime import Runtime
from mira.voice.assistant_shapes import DEFAULT_CALL_SETTINGS
from mira.voice.assistants import call_settings, declared_variables
from mira.worker import Worker
from models import Assistant
from models.base import utcnow
from tests.factories import VoiceTenant, make_voice_tenant
from tests.voice.test_foundation import ONBOARD, SPEC, STORE_EXAMPLE

V2_CREATE, V2_GET, V2_UPDATE = "/v2/assistant/create", "/v2/assistant/get", "/v2/assistant/update"
CREATE, GET = "/v1/admin/assistant/create", "/v1/admin/assistant/get"
UPDATE, LIST = "/v1/admin/assistant/update", "/v1/admin/assistant/list"
ARCHIVE = "/v1/admin/organization/archive"
DUPLICATE = {"code": 409, "message": "Assistant with this name already exists"}


def _request(path: str, method: str) -> dict[str, Any]:
    content: dict[str, Any] = SPEC["paths"][path][method]["requestBody"]["content"]
    return content["application/json"]


# The spec's own request examples, sent as written.
V2_EXAMPLES = {k: e["value"] for k, e in _request(V2_CREATE, "post")["examples"].items()}
ADMIN_EXAMPLES = {k: e["value"] for k, e in _request(CREATE, "post")["examples"].items()}
V2_UPDATE_EXAMPLE = _request(V2_UPDATE + "/{assistantId}", "put")["example"]
ADMIN_UPDATE_EXAMPLE = _request(UPDATE + "/{assistantId}", "put")["example"]
V2_CART, V2_CUSTOM = V2_EXAMPLES["abandonedCart"], V2_EXAMPLES["custom"]
CART, CUSTOM = ADMIN_EXAMPLES["abandonedCart"], ADMIN_EXAMPLES["custom"]


class Shop:
    """A voice tenant with an onboarded workspace; `headers` carry the workspace."""

    def __init__(self, client: TestClient, tenant: VoiceTenant) -> None:
        self.client, self.tenant = client, tenant
        store = STORE_EXAMPLE | {"name": f"Store {uuid.uuid4().hex[:8]}"}
        onboarded = client.post(ONBOARD, json=store, headers=tenant.headers).json()
        self.workspace: str = onboarded["workspace"]
        self.organization: str = onboarded["organization"]
        self.headers = tenant.headers | {"workspace": self.workspace}

    def create(self, path: str, body: dict[str, Any]) -> str:
        response = self.client.post(path, json=body, headers=self.headers)
        assert response.status_code == (201 if path == V2_CREATE else 200), response.text
        assistant_id: str = response.json()["data"]["assistantId"]
        return assistant_id

    def get(self, path: str, assistant_id: str) -> dict[str, Any]:
        response = self.client.get(f"{path}/{assistant_id}", headers=self.headers)
        assert response.status_code == 200, response.text
        assert response.json()["message"] == "Assistant fetched successfully"
        data: dict[str, Any] = response.json()["data"]
        return data

    def update(self, path: str, assistant_id: str, body: dict[str, Any]) -> httpx.Response:
        return self.client.put(f"{path}/{assistant_id}", json=body, headers=self.headers)


@pytest.fixture
def shop(client: TestClient, runtime: Runtime) -> Shop:
    return Shop(client, make_voice_tenant(runtime))


@pytest.fixture
def worker(runtime: Runtime) -> Iterator[Worker]:
    worker = Worker.start(runtime)
    yield worker
    worker.client.close()


def named(body: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    """A copy of the body under a name of its own."""
    return copy.deepcopy(body) | {"name": name or f"Agent {uuid.uuid4().hex[:8]}"}


def changed(body: dict[str, Any], *edits: tuple[str, Any]) -> dict[str, Any]:
    """A named copy of the body with the dotted fields set."""
    result = named(body)
    for dotted, value in edits:
        *parents, last = dotted.split(".")
        target = result
        for key in parents:
            target = target.setdefault(key, {})
        target[last] = value
    return result


def cool_down(runtime: Runtime, assistant_id: str) -> None:
    """Move the last accepted update back by the cooldown, as if its seconds had passed."""
    with session_scope(runtime.sessions) as session:
        assistant = session.get_one(Assistant, assistant_id)
        assert assistant.last_update_at is not None
        assistant.last_update_at -= timedelta(
            seconds=runtime.settings.voice_update_cooldown_seconds
        )


def stored(runtime: Runtime, assistant_id: str) -> Assistant:
    with session_scope(runtime.sessions) as session:
        return session.get_one(Assistant, assistant_id)


@pytest.mark.parametrize("example", sorted(V2_EXAMPLES))
def test_the_references_v2_examples_create_assistants_both_views_show(
    shop: Shop, example: str
) -> None:
    body = V2_EXAMPLES[example]
    response = shop.client.post(V2_CREATE, json=body, headers=shop.headers)
    assert response.status_code == 201, response.text
    assistant_id = response.json()["data"]["assistantId"]
    assert response.json() == {
        "message": "Assistant created successfully",
        "data": {"assistantId": assistant_id, "status": "active"},
    }

    v2 = shop.get(V2_GET, assistant_id)
    assert (v2["_id"], v2["name"], v2["variant"]) == (assistant_id, body["name"], body["variant"])
    assert v2["agentIdentity"] == body["agentIdentity"]
    assert v2["icpContext"] == body["icpContext"]
    assert v2["callSettings"] == body.get("callSettings", DEFAULT_CALL_SETTINGS)
    assert v2["variantConfigs"]["systemPrompt"] == body["variantConfigs"]["systemPrompt"]
    assert (v2["status"], v2["archivedAt"]) == ("active", None)
    assert v2["timezone"] == STORE_EXAMPLE["timezone"]

    admin = shop.get(GET, assistant_id)
    assert admin["variant"]["type"] == body["variant"]
    assert admin["agent"]["identity"] == body["agentIdentity"]
    assert admin["agent"]["systemPrompt"] == body["variantConfigs"]["systemPrompt"]
    assert admin["agent"]["tools"] == []
    assert admin["telephony"] == {"inbound": None, "outbound": None}
    assert admin["callSettings"] == v2["callSettings"]
    assert admin["variant"]["config"]["inputSchema"] == v2["variantConfigs"]["variables"]
    if body["variant"] == "custom":
        assert v2["variantConfigs"]["variables"] == body["variantConfigs"]["variables"]
    else:
        assert v2["variantConfigs"]["pitchFlow"] == body["variantConfigs"]["pitchFlow"]
        assert v2["variantConfigs"]["discountRules"] == body["variantConfigs"]["discountRules"]
        assert v2["analysisPlan"] == admin["analysisPlan"] == body["analysisPlan"]


@pytest.mark.parametrize("example", sorted(ADMIN_EXAMPLES))
def test_the_references_admin_examples_create_assistants_both_views_show(
    shop: Shop, example: str
) -> None:
    body = ADMIN_EXAMPLES[example]
    response = shop.client.post(CREATE, json=body, headers=shop.headers)
    assert response.status_code == 200, response.text
    assistant_id = response.json()["data"]["assistantId"]
    assert response.json() == {
        "message": "Assistant created successfully",
        "data": {"assistantId": assistant_id},
    }

    admin = shop.get(GET, assistant_id)
    assert (admin["name"], admin["variant"]["type"]) == (body["name"], body["variant"]["type"])
    assert admin["agent"]["identity"] == body["agent"]["identity"]
    assert admin["agent"]["systemPrompt"] == body["agent"].get("systemPrompt", "")
    assert admin["icpContext"] == body["icpContext"]
    assert admin["callSettings"] == body.get("callSettings", DEFAULT_CALL_SETTINGS)
    assert admin["knowledgeBase"]["faq"] == body.get("knowledgeBase", {}).get("faq", [])

    v2 = shop.get(V2_GET, assistant_id)
    assert v2["variant"] == body["variant"]["type"]
    assert v2["agentIdentity"] == body["agent"]["identity"]
    assert v2["trainingData"]["faq"] == admin["knowledgeBase"]["faq"]
    assert v2["variantConfigs"]["variables"] == admin["variant"]["config"]["inputSchema"]
    if body["variant"]["type"] == "abandoned_cart":
        # §4.5: an abandoned cart's variables are built in, the fields of its payload.
        variables = {v["name"]: v for v in admin["variant"]["config"]["inputSchema"]}
        assert variables["customer"]["isRequired"] and variables["lineItems"]["isRequired"]
        first_name = {"name": "firstName", "type": "string", "isRequired": True}
        assert first_name in variables["customer"]["fields"]


def test_each_shape_keeps_what_only_it_knows(shop: Shop) -> None:
    body = changed(
        V2_CART,
        ("agentIdentity.traits", ["persuasive", "high energy"]),
        ("trainingData.faq", [{"question": "COD?", "answer": "Yes."}]),
        ("trainingData.humanAgentAudioFiles", ["https://cdn.example.com/a.mp3"]),
        ("knowledgeBase.documents", [{"url": "https://example.com/p.pdf", "title": "P"}]),
    )
    assistant_id = shop.create(V2_CREATE, body)
    admin = shop.get(GET, assistant_id)
    assert "traits" not in admin["agent"]["identity"]
    assert admin["knowledgeBase"] == {
        "documents": body["knowledgeBase"]["documents"],
        "faq": body["trainingData"]["faq"],
    }
    v2 = shop.get(V2_GET, assistant_id)
    assert v2["agentIdentity"] == body["agentIdentity"]
    assert v2["trainingData"] == body["trainingData"]
    assert v2["knowledgeBase"] == body["knowledgeBase"]

    # The G2 guide puts a custom prompt in variant.config: it becomes the agent's prompt.
    prompt = CUSTOM["agent"]["systemPrompt"]
    agent = CUSTOM["agent"] | {"systemPrompt": "", "firstMessage": "Hi!", "endMessage": "Bye."}
    guide = changed(CUSTOM, ("agent", agent), ("variant.config.systemPrompt", prompt))
    custom_id = shop.create(CREATE, guide)
    admin = shop.get(GET, custom_id)
    assert admin["agent"] == agent | {"systemPrompt": prompt, "tools": []}
    assert "systemPrompt" not in admin["variant"]["config"]
    assert shop.get(V2_GET, custom_id)["variantConfigs"]["systemPrompt"] == prompt


def test_what_is_omitted_takes_the_documented_defaults(shop: Shop, runtime: Runtime) -> None:
    schemas = SPEC["components"]["schemas"]
    retry = schemas["RetryProtocol"]["properties"]
    assert DEFAULT_CALL_SETTINGS["retryProtocol"] == {k: p["default"] for k, p in retry.items()}
    for field in ("maxCallDuration", "concurrentCallCount"):
        assert (
            DEFAULT_CALL_SETTINGS[field] == schemas["CallSettings"]["properties"][field]["default"]
        )

    night = [{"startTime": "22:00", "endTime": "02:00"}]
    body = changed(
        CUSTOM, ("callSettings", {"slots": night, "retryProtocol": {"reAttemptPeriod": 60}})
    )
    del body["icpContext"]
    assistant_id = shop.create(CREATE, body)
    admin = shop.get(GET, assistant_id)
    assert admin["icpContext"] == {"language": "english"}
    expected = DEFAULT_CALL_SETTINGS | {
        "slots": night,
        "retryProtocol": DEFAULT_CALL_SETTINGS["retryProtocol"] | {"reAttemptPeriod": 60},
    }
    assert admin["callSettings"] == expected
    # What a call reads from its assistant.
    assistant = stored(runtime, assistant_id)
    assert call_settings(assistant) == expected
    assert declared_variables(assistant) == [
        {"name": "orderId", "type": "string", "isRequired": True},
        {"name": "customerName", "type": "string", "isRequired": True},
        {"name": "orderValue", "type": "number", "isRequired": False},
    ]


TWO_STEPS = ["discount_offer", "company_usp_pitch"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (V2_CREATE, changed(V2_CUSTOM, ("variantConfigs.systemPrompt", "")), "systemPrompt"),
        (V2_CREATE, changed(V2_CUSTOM, ("variantConfigs", {"variables": []})), "systemPrompt"),
        (V2_CREATE, changed(V2_CART, ("variantConfigs.pitchFlow", TWO_STEPS)), "pitchFlow"),
        (V2_CREATE, changed(V2_CART, ("variantConfigs.pitchFlow", TWO_STEPS[:1] * 3)), "pitchFlow"),
        (V2_CREATE, changed(V2_CART, ("variantConfigs.variables", [{"name": "x"}])), "variables"),
        (V2_CREATE, changed(V2_CART, ("variant", "cod_to_prepaid")), "variant"),
        (V2_CREATE, changed(V2_CUSTOM, ("agentIdentity.voice", "nobody")), "voice"),
        (CREATE, changed(CUSTOM, ("agent.systemPrompt", "")), "systemPrompt"),
        (CREATE, changed(CUSTOM, ("variant.config.variableSchema", {"properties": {}})), "config"),
        (CREATE, changed(CART, ("variant.config", {"inputSchema": []})), "inputSchema"),
        (CREATE, changed(CART, ("variant.type", "cod_to_prepaid")), "variant.type"),
        (CREATE, changed(CART, ("agent.tools", ["6690a1b2c3d4e5f600000009"])), "tools"),
        (CREATE, changed(CART, ("telephony", {"inbound": None, "outbound": None})), "telephony"),
        (CREATE, changed(CART, ("agent.identity.voice", "nobody")), "voice"),
    ],
)
def test_bodies_against_the_variant_rules_or_the_gallery_are_400_naming_the_field(
    shop: Shop, path: str, body: dict[str, Any], field: str
) -> None:
    response = shop.client.post(path, json=body, headers=shop.headers)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == 400 and field in response.json()["message"]
    assert shop.client.get(LIST, headers=shop.headers).json()["data"] == []


def test_updates_that_contradict_the_variant_are_409_naming_the_field(shop: Shop) -> None:
    custom = shop.create(CREATE, named(CUSTOM))
    cart = shop.create(V2_CREATE, named(V2_CART))
    one_variable = [{"name": "x"}]
    for path, assistant_id, body, field in [
        (
            V2_UPDATE,
            custom,
            {"variantConfigs": {"systemPrompt": ""}},
            "variantConfigs.systemPrompt",
        ),
        (UPDATE, custom, {"agent": {"systemPrompt": ""}}, "agent.systemPrompt"),
        (UPDATE, custom, {"variant": {"config": {"systemPrompt": ""}}}, "agent.systemPrompt"),
        (UPDATE, custom, {"variant": {"config": {"abandoned_cart": {}}}}, "config.abandoned_cart"),
        (
            UPDATE,
            cart,
            {"variant": {"config": {"inputSchema": one_variable}}},
            "config.inputSchema",
        ),
        (
            UPDATE,
            cart,
            {"variant": {"config": {"variableSchema": {"properties": {}}}}},
            "variableSchema",
        ),
        (
            V2_UPDATE,
            cart,
            {"variantConfigs": {"variables": one_variable}},
            "variantConfigs.variables",
        ),
        (V2_UPDATE, cart, {"additionalFields": one_variable}, "variantConfigs.variables"),
    ]:
        response = shop.update(path, assistant_id, body)
        assert response.status_code == 409, (body, response.text)
        assert response.json()["code"] == 409 and field in response.json()["message"]
    # Refused updates start no cooldown; a v2 `variables: []` is nothing to refuse.
    assert shop.update(V2_UPDATE, cart, {"variantConfigs": {"variables": []}}).status_code == 200
    assert shop.update(UPDATE, custom, {"agent": {"systemPrompt": "Be brief."}}).status_code == 200
    assert shop.get(GET, custom)["agent"]["systemPrompt"] == "Be brief."


def test_names_are_unique_in_a_workspace_across_both_apis(shop: Shop, client: TestClient) -> None:
    taken = f"Agent {uuid.uuid4().hex[:8]}"
    first = shop.create(V2_CREATE, named(V2_CUSTOM, taken))
    for path, body in ((V2_CREATE, named(V2_CART, taken)), (CREATE, named(CUSTOM, taken))):
        response = client.post(path, json=body, headers=shop.headers)
        assert (response.status_code, response.json()) == (409, DUPLICATE)
    second = shop.create(CREATE, named(CUSTOM))
    for path in (UPDATE, V2_UPDATE):
        response = shop.update(path, second, {"name": taken})
        assert (response.status_code, response.json()) == (409, DUPLICATE)
    # Names compare exactly; an assistant may keep its own; another workspace has its own names.
    assert shop.update(UPDATE, second, {"name": taken.upper()}).status_code == 200
    assert shop.update(UPDATE, first, {"name": taken}).status_code == 200
    assert Shop(client, shop.tenant).create(CREATE, named(CUSTOM, taken)) != first


def test_an_admin_update_merges_what_it_sends(shop: Shop, runtime: Runtime) -> None:
    intent = {"type": "boolean", "description": "Will buy?", "required": True}
    body = changed(CART, ("analysisPlan.callInsightPlan", {"intent": intent}))
    assistant_id = shop.create(CREATE, body)
    response = shop.update(UPDATE, assistant_id, ADMIN_UPDATE_EXAMPLE)
    assert (response.status_code, response.json()) == (200, {"assistantId": assistant_id})
    admin = shop.get(GET, assistant_id)
    assert admin["agent"]["identity"] == body["agent"]["identity"] | {"voice": "neha"}
    assert admin["callSettings"] == body["callSettings"] | {"concurrentCallCount": 3}
    assert admin["status"] == "active"

    cool_down(runtime, assistant_id)
    reason = {"type": "string", "description": "Why not?", "required": False}
    change = {
        "icpContext": {"locationTiers": ["rural"]},
        "analysisPlan": {"callInsightPlan": {"reason": reason}},
        "callSettings": {"retryProtocol": {"maxRescheduleCount": 5}},
    }
    assert shop.update(UPDATE, assistant_id, change).status_code == 200
    admin = shop.get(GET, assistant_id)
    # Objects merge; arrays and the insight map are replaced whole.
    assert admin["icpContext"] == body["icpContext"] | {"locationTiers": ["rural"]}
    assert admin["analysisPlan"] == body["analysisPlan"] | {"callInsightPlan": {"reason": reason}}
    retry = body["callSettings"]["retryProtocol"] | {"maxRescheduleCount": 5}
    assert admin["callSettings"]["retryProtocol"] == retry


def test_variables_are_declared_one_way(shop: Shop, runtime: Runtime) -> None:
    assistant_id = shop.create(CREATE, named(CUSTOM))
    properties = {"awb": {"type": "string"}, "attempt": {"type": "number"}}
    schema = {"properties": properties, "required": ["awb"]}
    response = shop.update(
        UPDATE, assistant_id, {"variant": {"config": {"variableSchema": schema}}}
    )
    assert response.status_code == 200
    assert shop.get(GET, assistant_id)["variant"]["config"] == {"variableSchema": schema}
    variables = [
        {"name": "awb", "type": "string", "isRequired": True},
        {"name": "attempt", "type": "number", "isRequired": False},
    ]
    assert shop.get(V2_GET, assistant_id)["variantConfigs"]["variables"] == variables
    assert declared_variables(stored(runtime, assistant_id)) == variables

    cool_down(runtime, assistant_id)
    inputs = [{"name": "orderId", "isRequired": True}]
    response = shop.update(UPDATE, assistant_id, {"variant": {"config": {"inputSchema": inputs}}})
    assert response.status_code == 200
    assert shop.get(GET, assistant_id)["variant"]["config"] == {"inputSchema": inputs}


def test_a_v2_update_is_in_process_until_the_worker_applies_it(
    shop: Shop, runtime: Runtime, worker: Worker
) -> None:
    body = named(V2_CART)
    assistant_id = shop.create(V2_CREATE, body)
    accepted = utcnow()
    response = shop.update(V2_UPDATE, assistant_id, V2_UPDATE_EXAMPLE)
    assert response.status_code == 200
    assert response.json() == {"assistantId": assistant_id, "status": "in-process"}
    before = shop.get(V2_GET, assistant_id)
    assert before["status"] == shop.get(GET, assistant_id)["status"] == "in-process"
    assert before["callSettings"] == body["callSettings"]

    worker.clock = lambda: accepted
    worker.apply_assistant_updates()
    assert shop.get(V2_GET, assistant_id) == before  # not due yet

    due = utcnow() + timedelta(seconds=runtime.settings.voice_update_apply_seconds)
    worker.clock = lambda: due
    worker.run_once()
    after = shop.get(V2_GET, assistant_id)
    assert after["status"] == "active"
    assert after["callSettings"] == body["callSettings"] | {"maxCallDuration": 180}
    assert after["variantConfigs"]["discountRules"] == {"canOffer": True, "maxPercent": 10}
    assert after["variantConfigs"]["pitchFlow"] == body["variantConfigs"]["pitchFlow"]
    assert shop.get(GET, assistant_id)["callSettings"] == after["callSettings"]


def test_a_pending_rename_to_a_name_taken_meanwhile_keeps_the_old_name(
    shop: Shop, worker: Worker
) -> None:
    body = named(V2_CUSTOM)
    assistant_id = shop.create(V2_CREATE, body)
    wanted = f"Wanted {uuid.uuid4().hex[:8]}"
    change = {"name": wanted, "icpContext": {"language": "hindi"}}
    assert shop.update(V2_UPDATE, assistant_id, change).status_code == 200
    shop.create(CREATE, named(CUSTOM, wanted))
    worker.clock = lambda: utcnow() + timedelta(minutes=1)
    worker.apply_assistant_updates()
    v2 = shop.get(V2_GET, assistant_id)
    assert (v2["name"], v2["icpContext"]["language"]) == (body["name"], "hindi")
    assert v2["status"] == "active"


def test_updates_inside_the_cooldown_are_429_with_retry_after(shop: Shop, runtime: Runtime) -> None:
    assistant_id = shop.create(CREATE, named(CUSTOM))
    hindi = {"icpContext": {"language": "hindi"}}
    assert shop.update(V2_UPDATE, assistant_id, hindi).status_code == 200
    goodbye = {"agent": {"endMessage": "Bye."}}
    for path, body in ((V2_UPDATE, {"name": "Later"}), (UPDATE, goodbye)):
        response = shop.update(path, assistant_id, body)
        assert response.status_code == 429
        seconds = int(response.headers["Retry-After"])
        assert 1 <= seconds <= runtime.settings.voice_update_cooldown_seconds
        assert response.json() == {
            "code": 429,
            "message": f"Assistant update in progress. Please retry after {seconds} seconds.",
        }
    # Past the cooldown, an update first applies the v2 one no worker has applied yet.
    cool_down(runtime, assistant_id)
    assert shop.update(UPDATE, assistant_id, goodbye).status_code == 200
    admin = shop.get(GET, assistant_id)
    assert (admin["icpContext"]["language"], admin["agent"]["endMessage"]) == ("hindi", "Bye.")
    assert admin["status"] == "active"


def test_archived_assistants_and_workspaces_refuse_changes_but_read(
    shop: Shop, client: TestClient
) -> None:
    assistant_id = shop.create(CREATE, named(CUSTOM))
    archive = {"type": "organization", "id": shop.organization}
    assert client.post(ARCHIVE, json=archive, headers=shop.tenant.headers).status_code == 200
    for path in (UPDATE, V2_UPDATE):
        response = shop.update(path, assistant_id, {"name": "Renamed"})
        assert (response.status_code, response.json()) == (
            400,
            {"code": 400, "message": "Assistant is archived."},
        )
    for path, body in ((CREATE, CUSTOM), (V2_CREATE, V2_CUSTOM)):
        response = client.post(path, json=named(body), headers=shop.headers)
        assert (response.status_code, response.json()) == (
            400,
            {"code": 400, "message": "Workspace is archived."},
        )
    admin = shop.get(GET, assistant_id)
    assert admin["status"] == "archived" and admin["archivedAt"] is not None
    assert shop.get(V2_GET, assistant_id)["status"] == "archived"


def test_another_tenants_or_workspaces_assistants_are_not_found(
    shop: Shop, client: TestClient, runtime: Runtime
) -> None:
    assistant_id = shop.create(CREATE, named(CUSTOM))
    other = Shop(client, make_voice_tenant(runtime))
    sibling = Shop(client, shop.tenant)
    # Another organization's keys with this workspace: it is not theirs.
    foreign = other.tenant.headers | {"workspace": shop.workspace}
    unknown = shop.tenant.headers | {"workspace": "0" * 24}
    for headers, message in [
        (foreign, "Workspace not found"),
        (unknown, "Workspace not found"),
        (other.headers, "Assistant not found"),
        (sibling.headers, "Assistant not found"),
    ]:
        for path in (GET, V2_GET):
            response = client.get(f"{path}/{assistant_id}", headers=headers)
            assert (response.status_code, response.json()) == (
                404,
                {"code": 404, "message": message},
            )
        for path in (UPDATE, V2_UPDATE):
            response = client.put(f"{path}/{assistant_id}", json={"name": "Mine"}, headers=headers)
            assert (response.status_code, response.json()) == (
                404,
                {"code": 404, "message": message},
            )
    for headers in (foreign, unknown):
        assert client.get(LIST, headers=headers).status_code == 404
        assert client.post(CREATE, json=named(CUSTOM), headers=headers).status_code == 404
        assert client.post(V2_CREATE, json=named(V2_CUSTOM), headers=headers).status_code == 404
    assert client.get(LIST, headers=sibling.headers).json()["data"] == []
    assert shop.get(GET, assistant_id)["name"] != "Mine"
    # Ids are accepted in either case.
    assert shop.get(GET, assistant_id.upper())["_id"] == assistant_id


def test_the_list_is_unpaginated_unless_a_page_is_asked_for(shop: Shop) -> None:
    ids = [shop.create(CREATE, named(CUSTOM)) for _ in range(3)]
    body = shop.client.get(LIST, headers=shop.headers).json()
    assert body["message"] == "Assistants fetched successfully" and "meta" not in body
    assert [a["_id"] for a in body["data"]] == ids
    assert body["data"][0] == shop.get(GET, ids[0])

    def page(**params: int) -> dict[str, Any]:
        response = shop.client.get(LIST, params=params, headers=shop.headers)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    second = page(page=2, limit=2)
    assert [a["_id"] for a in second["data"]] == ids[2:]
    assert second["meta"] == {"page": 2, "limit": 2, "total": 3, "totalPages": 2}
    first = page(limit=2)
    assert [a["_id"] for a in first["data"]] == ids[:2] and first["meta"]["page"] == 1
    assert page(page=1)["meta"] == {"page": 1, "limit": 20, "total": 3, "totalPages": 1}
    assert shop.client.get(LIST, params={"limit": 0}, headers=shop.headers).status_code == 400
