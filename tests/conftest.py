"""Every test runs on SQLite and, when MIRA_TEST_POSTGRES_URL is set, on PostgreSQL too.

With MIRA_REQUIRE_POSTGRES=1 (as .ci/run sets) a run in which no PostgreSQL test passed fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mira.app import create_app
from mira.db import throwaway_database
from mira.migrations import upgrade_database
from mira.runtime import Runtime
from mira.settings import Settings
from tests.factories import Tenant, make_tenant

POSTGRES_URL = os.environ.get("MIRA_TEST_POSTGRES_URL")
_postgres_passed = 0


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'mira.db'}"
        upgrade_database(Settings(database_url=url))
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip("set MIRA_TEST_POSTGRES_URL to run on PostgreSQL")
    with throwaway_database(POSTGRES_URL, "mira_test") as url:
        upgrade_database(Settings(database_url=url))
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    # The limiter has tests of its own; everything else must not trip over it. Webhook receivers
    # in tests listen on 127.0.0.1, which production refuses.
    return Settings(
        database_url=database_url,
        rate_limit="off",
        validate_responses=True,
        webhook_allow_private=True,
        webhook_retry_base_seconds=0.05,
        # as set in production, so that worker processes given it sign what the tests' app stored
        secret_key="mira-tests-secret-key",
    )


@pytest.fixture(scope="session")
def app(settings: Settings):  # type: ignore[no-untyped-def]
    return create_app(settings)


@pytest.fixture(scope="session")
def runtime(app) -> Runtime:  # type: ignore[no-untyped-def]
    runtime: Runtime = app.runtime
    return runtime


@pytest.fixture(scope="session")
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def tenant(runtime: Runtime) -> Tenant:
    """A fresh organization with an admin key: tests never see each other's rows."""
    return make_tenant(runtime, "admin")


@pytest.fixture
def other_tenant(runtime: Runtime) -> Tenant:
    return make_tenant(runtime, "admin")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    global _postgres_passed
    if report.when == "call" and report.passed and "postgresql" in report.nodeid:
        _postgres_passed += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("MIRA_REQUIRE_POSTGRES") == "1" and _postgres_passed == 0:
        print("\nMIRA_REQUIRE_POSTGRES=1 but no PostgreSQL test passed")
        session.exitstatus = 1


def pytest_report_header() -> str:
    where = POSTGRES_URL or "off (set MIRA_TEST_POSTGRES_URL)"
    return f"mira: SQLite always; PostgreSQL: {where}; repo {Path(__file__).parent.parent}"
