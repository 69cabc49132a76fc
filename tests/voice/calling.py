"""What the call tests share: a shop with a workspace, its assistants, and the spec's examples."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from mira.db import session_scope
from mira.runtime import Runtime
from models import Assistant, Call, CallEvent
from models.base import utcnow
from tests.factories import VoiceTenant, make_voice_tenant
from tests.voice.test_foundation import ONBOARD, SPEC, STORE_EXAMPLE

INITIATE = "/v2/call/initiate"
EXAMPLES = SPEC["paths"][INITIATE]["post"]["requestBody"]["content"]["application/json"]["examples"]
# The G2 guide's abandoned-cart request and the reference's custom payload (§7.2), as written.
ABANDONED_CART_REQUEST: dict[str, Any] = EXAMPLES["abandonedCart"]["value"]
CUSTOM_REQUEST: dict[str, Any] = EXAMPLES["custom"]["value"]
ASSISTANT_CREATE = "/v1/admin/assistant/create"
ASSISTANT_EXAMPLES = SPEC["paths"][ASSISTANT_CREATE]["post"]["requestBody"]["content"][
    "application/json"
]["examples"]
# What the custom example's payload supplies, declared as a custom assistant would.
ORDER_VARIABLES = [
    {"name": "orderId", "type": "string", "isRequired": True},
    {"name": "customerName", "type": "string", "isRequired": True},
    {"name": "orderValue", "type": "number", "isRequired": True},
    {"name": "notes", "type": "string", "isRequired": False},
]


@dataclass
class Shop:
    """A voice tenant with one onboarded workspace; `headers` carry the workspace."""

    client: TestClient
    runtime: Runtime
    tenant: VoiceTenant
    workspace: str

    @property
    def headers(self) -> dict[str, str]:
        return self.tenant.headers | {"workspace": self.workspace}

    def assistant(
        self,
        variant: str = "custom",
        variables: list[dict[str, Any]] | None = None,
        config: dict[str, Any] | None = None,
        archived: bool = False,
    ) -> str:
        """An assistant created through the v1/admin API from the spec's example of its variant.

        A custom one declares `variables` (none by default), or `config` replaces its config.
        """
        example = ASSISTANT_EXAMPLES["abandonedCart" if variant == "abandoned_cart" else "custom"]
        body = copy.deepcopy(example["value"]) | {"name": f"Agent {uuid.uuid4().hex[:8]}"}
        if variant == "custom":
            body["variant"]["config"] = config or {"inputSchema": variables or []}
        response = self.client.post(ASSISTANT_CREATE, json=body, headers=self.headers)
        assert response.status_code == 200, response.text
        assistant_id: str = response.json()["data"]["assistantId"]
        if archived:  # archiving reaches an assistant through its workspace; only this one here
            with session_scope(self.runtime.sessions) as session:
                session.get_one(Assistant, assistant_id).archived_at = utcnow()
        return assistant_id

    def initiate(
        self, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        response = self.client.post(INITIATE, json=body, headers=self.headers | (headers or {}))
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def call(self, call_id: str) -> dict[str, Any]:
        response = self.client.get(f"/v2/call/get/{call_id}", headers=self.headers)
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()["data"]
        return found

    def set_status(self, call_id: str, status: str) -> None:
        """The call in `status` with no attempt pending, as the dialer leaves it."""
        with session_scope(self.runtime.sessions) as session:
            call = session.get_one(Call, call_id)
            call.status, call.next_attempt_at = status, None

    def event_types(self, call_id: str) -> list[str]:
        with session_scope(self.runtime.sessions) as session:
            query = select(CallEvent.type).where(CallEvent.call_id == call_id)
            return list(session.scalars(query.order_by(CallEvent.sequence)))


def open_shop(client: TestClient, runtime: Runtime, store: str | None = None) -> Shop:
    tenant = make_voice_tenant(runtime)
    return add_workspace(client, runtime, tenant, store)


def add_workspace(
    client: TestClient, runtime: Runtime, tenant: VoiceTenant, store: str | None = None
) -> Shop:
    body = STORE_EXAMPLE | {"name": store or f"Store {uuid.uuid4().hex[:8]}"}
    response = client.post(ONBOARD, json=body, headers=tenant.headers)
    assert response.status_code == 201, response.text
    return Shop(client, runtime, tenant, response.json()["workspace"])


def request_for(example: dict[str, Any], assistant: str, **changes: Any) -> dict[str, Any]:
    """The example as written, addressed to our assistant, with `changes` on top."""
    return copy.deepcopy(example) | {"assistant": assistant} | changes
