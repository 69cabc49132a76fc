"""The dialer tests' fixtures: a shop whose queue is ours alone, a clock, a worker on it. A module
that needs another shop or worker defines its own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from mira.runtime import Runtime
from mira.worker import Worker
from models.base import utcnow
from tests.receivers import loopback_worker, settle_queue
from tests.voice.calling import Shop, open_shop
from tests.voice.dialing import Clock


@pytest.fixture
def shop(client: TestClient, runtime: Runtime) -> Shop:
    settle_queue(runtime)  # other tests' queued calls are not ours to dial
    return open_shop(client, runtime)


@pytest.fixture
def clock() -> Clock:
    """Tomorrow 06:00 UTC: 11:30 in the example store's Asia/Kolkata, inside the default slot."""
    tomorrow = utcnow() + timedelta(days=1)
    return Clock(tomorrow.replace(hour=6, minute=0, second=0, microsecond=0))


@pytest.fixture
def worker(runtime: Runtime, clock: Clock) -> Worker:
    worker = loopback_worker(runtime)
    worker.clock = clock
    return worker
