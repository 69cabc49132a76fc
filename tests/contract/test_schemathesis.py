"""Schemathesis against the app in-process: every operation, every check, responses validated."""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import CHECKS, load_all_checks

from mira.coach.analyser import Analyser
from mira.db import session_scope
from mira.demo import create_demo
from mira.keys import create_api_key
from mira.runtime import Runtime
from tests.contract import schemathesis_hooks  # noqa: F401  (registers the hooks)

load_all_checks()
ALL_CHECKS = CHECKS.get_all()
SETTINGS = hypothesis.settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)


KEYS: dict[str, str] = {}


@schemathesis.auth().apply_to(operation_id_regex=r"^handlers\.coaching\.")
class DemoKey:
    """Schemathesis's own auth hook, so that it knows which header is auth and can drop it."""

    def get(self, case, ctx):  # type: ignore[no-untyped-def]
        return KEYS["current"]

    def set(self, case, data, ctx):  # type: ignore[no-untyped-def]
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture(scope="session")
def demo_key(runtime: Runtime) -> str:
    """The demo organization (so responses carry real rows) and an admin key to it."""
    with session_scope(runtime.sessions) as session:
        organization, _ = create_demo(session, Analyser(), meetings=30, progress=lambda _n: None)
        _, plaintext = create_api_key(session, organization, "schemathesis", "admin")
    return plaintext


@pytest.fixture
def seeded_headers(demo_key: str) -> dict[str, str]:
    KEYS["current"] = demo_key
    return {"Authorization": f"Bearer {demo_key}"}


@pytest.fixture(scope="session")
def api_schema(app):  # type: ignore[no-untyped-def]
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@SETTINGS
def test_every_operation_honours_the_contract(case, seeded_headers) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(checks=ALL_CHECKS)


def test_stateful_links_chain_create_read_update_delete(api_schema, seeded_headers) -> None:  # type: ignore[no-untyped-def]
    class Workflow(api_schema.as_state_machine()):  # type: ignore[misc]
        def validate_response(self, response, case, **kwargs):  # type: ignore[no-untyped-def]
            case.validate_response(response, checks=ALL_CHECKS)

    Workflow.run(settings=hypothesis.settings(SETTINGS, max_examples=25, stateful_step_count=6))
