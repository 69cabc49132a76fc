"""The simulator's log of the dials it placed: what a worker asks about a dial that another
worker, killed since, placed."""

from __future__ import annotations

from mira.dialer.simulator import Simulator
from mira.dialer.telephony import Dial
from mira.runtime import Runtime
from models.base import object_id
from tests.voice.dialing import Clock, number


def test_the_simulator_finds_a_dial_another_instance_placed(runtime: Runtime, clock: Clock) -> None:
    dial = Dial(object_id(), 1, number(2), "custom", None, None, clock.now)
    placement = Simulator(runtime.sessions).place(dial)
    assert Simulator(runtime.sessions).find_dial(dial.token) == placement
    assert Simulator(runtime.sessions).find_dial(f"{dial.call_id}/2") is None
