"""Schemathesis against the voice agents API in-process: every operation, every check, responses
validated, and the links chaining onboarding → assistant → call → abort."""

from __future__ import annotations

from dataclasses import replace

import hypothesis
import pytest
import schemathesis
from sqlalchemy import func, select
from starlette.testclient import TestClient

from mira.app import create_app
from mira.db import session_scope
from mira.runtime import Runtime
from mira.settings import Settings
from models import Call
from tests.contract import voice_hooks
from tests.contract.test_schemathesis import ALL_CHECKS, SETTINGS
from tests.factories import make_voice_tenant
from tests.voice.test_calls import LIVEKIT
from tests.voice.test_foundation import STORE_EXAMPLE

PAIR: dict[str, str] = {}


@schemathesis.auth(refresh_interval=None).apply_to(operation_id_regex=r"^handlers\.voice\.")
class VoiceKeys:
    """Both key headers as one auth: Schemathesis drops them together for its auth checks."""

    def get(self, case, ctx):  # type: ignore[no-untyped-def]
        return PAIR

    def set(self, case, data, ctx):  # type: ignore[no-untyped-def]
        case.headers = {**(case.headers or {}), **data}


@pytest.fixture(scope="session")
def voice_app(settings: Settings):  # type: ignore[no-untyped-def]
    """With LiveKit configured, so that web calls answer 201 (their 503 is tested on its own), and
    no update cooldown, whose 429 depends on the clock (it is tested on its own too)."""
    return create_app(replace(settings, voice_update_cooldown_seconds=0, **LIVEKIT))


@pytest.fixture(scope="session")
def voice_seed(runtime: Runtime, voice_app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A store with a `custom` assistant that declares no required variables, so that any
    generated payload is a valid one."""
    shop = make_voice_tenant(runtime, "member")
    client = TestClient(voice_app)
    onboarded = client.post(
        "/v2/workspace/onboard/shopify", json=STORE_EXAMPLE, headers=shop.headers
    )
    workspace = onboarded.json()["workspace"]
    created = client.post(
        "/v1/admin/assistant/create",
        headers=shop.headers | {"workspace": workspace},
        json={
            "name": "Schemathesis",
            "variant": {"type": "custom", "config": {}},
            "agent": {
                "identity": {"name": "Asha", "voice": "priya", "gender": "female"},
                "systemPrompt": "You follow up on orders.",
            },
            "icpContext": {"language": "english"},
        },
    )
    assert created.status_code == 200, created.text
    return {
        **shop.headers,
        "workspace": workspace,
        "assistant": created.json()["data"]["assistantId"],
    }


@pytest.fixture
def seeded(voice_seed: dict[str, str]) -> None:
    PAIR.update({k: voice_seed[k] for k in ("x-public-key", "x-private-key")})
    voice_hooks.SEEDED.update(workspace=voice_seed["workspace"], assistant=voice_seed["assistant"])


@pytest.fixture(scope="session")
def voice_schema(voice_app):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_asgi("/openapi.json", voice_app)


schema = schemathesis.pytest.from_fixture("voice_schema")
# Fewer than the coaching API's 40: the voice bodies are large and slow to generate; the live run
# in CI draws 60 per operation.
VOICE_SETTINGS = hypothesis.settings(SETTINGS, max_examples=20)


@pytest.fixture
def on_sqlite(database_url: str) -> None:
    """Every operation on SQLite here; on PostgreSQL, .ci/run's live run does the same, longer."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL is fuzzed by the live run in .ci/run")


@schema.parametrize()
@VOICE_SETTINGS
def test_every_voice_operation_honours_the_contract(case, on_sqlite, seeded) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(checks=ALL_CHECKS)


def test_stateful_links_chain_onboarding_assistant_call_abort(  # type: ignore[no-untyped-def]
    voice_schema, seeded, runtime: Runtime
) -> None:
    class Workflow(voice_schema.as_state_machine()):  # type: ignore[misc]
        def validate_response(self, response, case, **kwargs):  # type: ignore[no-untyped-def]
            case.validate_response(response, checks=ALL_CHECKS)

    Workflow.run(settings=hypothesis.settings(SETTINGS, max_examples=60, stateful_step_count=6))
    # Each link did chain: onboarding → assistant (in the new workspace), assistant → call, and
    # call → abort (a generated call id would be unknown: an aborted call was reached by its link).
    onboarded = voice_hooks.WORKSPACES - {voice_hooks.SEEDED["workspace"]}
    assert onboarded & set(voice_hooks.ASSISTANTS.values())
    with session_scope(runtime.sessions) as session:
        calls_of_new_assistants = select(func.count()).where(
            Call.assistant_id.in_(voice_hooks.ASSISTANTS)
        )
        assert session.scalar(calls_of_new_assistants)
        in_this_run = Call.workspace_id.in_(onboarded | {voice_hooks.SEEDED["workspace"]})
        aborted = select(func.count()).where(Call.status == "aborted", in_this_run)
        assert session.scalar(aborted)
