"""A worker killed between claiming a dial and recording it: the next worker asks the provider,
records the dial the provider placed and places the one it never did, so the callee is dialled
once and the call ends as if nothing had happened. The simulator's own log, not the killed
worker's memory, answers."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from mira.dialer.simulator import Simulator
from mira.dialer.telephony import Dial, Placement, Telephony
from mira.runtime import Runtime
from mira.worker import Worker
from models.base import object_id
from tests.receivers import loopback_worker
from tests.voice.calling import CUSTOM_REQUEST, Shop, request_for
from tests.voice.dialing import COMPLETED, Clock, drive, ended, number


class Killed(BaseException):
    """The worker's process dying: nothing after it runs, not even an `except Exception`."""


@dataclass
class Provider:
    """The simulator, counting the dials it placed; it kills its worker before or after placing
    while `dies` says so."""

    simulator: Telephony
    placed: list[str] = field(default_factory=list)
    dies: str | None = None

    def place(self, dial: Dial) -> Placement:
        if self.dies == "before placing":
            raise Killed
        placement = self.simulator.place(dial)
        self.placed.append(dial.call_id)
        if self.dies == "after placing":
            raise Killed
        return placement

    def find_dial(self, token: str) -> Placement | None:
        return self.simulator.find_dial(token)


@dataclass
class Slow:
    """A provider that takes `seconds` of our clock to place a dial (a carrier API that hangs)."""

    provider: Provider
    clock: Clock
    seconds: float

    def place(self, dial: Dial) -> Placement:
        self.clock.advance(self.seconds)
        return self.provider.place(dial)

    def find_dial(self, token: str) -> Placement | None:
        return self.provider.find_dial(token)


def restarted(runtime: Runtime, clock: Clock, provider: Provider) -> Worker:
    """A new worker with a simulator of its own: nothing the killed one knew is in memory."""
    worker = loopback_worker(runtime)
    worker.clock = clock
    provider.simulator, provider.dies = worker.telephony, None
    worker.telephony = provider
    return worker


@pytest.mark.parametrize("dies", ["after placing", "before placing"])
def test_a_dial_its_worker_never_recorded_is_dialled_once(
    runtime: Runtime, shop: Shop, worker: Worker, clock: Clock, dies: str
) -> None:
    provider = Provider(worker.telephony, dies=dies)
    worker.telephony = provider
    call_id = shop.initiate(request_for(CUSTOM_REQUEST, shop.assistant(), phoneNumber=number(0)))[
        "callId"
    ]
    with pytest.raises(Killed):
        worker.run_once()
    assert shop.call(call_id)["attempts"][0]["status"] == "initiate"
    drive(restarted(runtime, clock, provider), clock, lambda: ended(shop, call_id), step=10)
    assert provider.placed == [call_id]
    call = shop.call(call_id)
    assert call["status"] == "completed" and len(call["attempts"]) == 1
    assert shop.event_types(call_id) == COMPLETED


def test_a_worker_past_its_lease_leaves_its_other_dials_to_the_next(
    runtime: Runtime, shop: Shop, worker: Worker, clock: Clock
) -> None:
    """Placing them late could race the worker that found them unrecorded and asked first."""
    provider = Provider(worker.telephony)
    worker.telephony = Slow(provider, clock, runtime.settings.dial_lease_seconds)
    assistant = shop.assistant()
    calls = [
        shop.initiate(request_for(CUSTOM_REQUEST, assistant, phoneNumber=number(0)))["callId"]
        for _ in range(2)
    ]
    assert worker.dial_due_calls() == 2
    assert provider.placed == calls[:1]
    worker.telephony = provider
    drive(worker, clock, lambda: all(ended(shop, call_id) for call_id in calls), step=10)
    assert provider.placed == calls
    assert all(shop.event_types(call_id) == COMPLETED for call_id in calls)


def test_the_simulator_finds_a_dial_another_instance_placed(runtime: Runtime, clock: Clock) -> None:
    dial = Dial(object_id(), 1, number(2), "custom", None, None, clock.now)
    placement = Simulator(runtime.sessions).place(dial)
    assert Simulator(runtime.sessions).find_dial(dial.token) == placement
    assert Simulator(runtime.sessions).find_dial(f"{dial.call_id}/2") is None
