"""Credits (decision 51): a connected call is charged to its workspace and says so in `end-of-call`;
a prepaid workspace past its overdraft is not dialled until a top-up."""

from __future__ import annotations

import uuid

import pytest

from mira.dialer.credits import charge
from mira.runtime import Runtime
from mira.worker import Worker
from models import Workspace
from tests.receivers import Receiver
from tests.voice.calling import CUSTOM_REQUEST, Shop, request_for
from tests.voice.dialing import Clock, dial_each, drive, ended, number, verify
from tests.voice.test_foundation import ONBOARD, STORE_EXAMPLE


def balance(runtime: Runtime, workspace: str) -> float:
    with runtime.sessions.begin() as session:
        return session.get_one(Workspace, workspace).credit_balance


def set_balance(runtime: Runtime, workspace: str, credits: float, billing: str = "prepaid") -> None:
    with runtime.sessions.begin() as session:
        found = session.get_one(Workspace, workspace)
        found.credit_balance, found.billing_type = credits, billing


def test_each_connected_call_is_charged_and_reports_the_balance_after(
    runtime: Runtime, shop: Shop, worker: Worker, clock: Clock
) -> None:
    assistant = shop.assistant()
    before = balance(runtime, shop.workspace)
    with Receiver() as receiver:
        path = f"/hooks/{uuid.uuid4()}"
        # completed, timeout, busy (never connected)
        calls = dial_each(shop, assistant, (0, 6, 2), receiver.url + path)
        drive(worker, clock, lambda: all(ended(shop, c) for c in calls), step=120)
        events = [verify(shop, r, clock)["event"] for r in receiver.at(path)]
    charged = [e["data"]["credits"] for e in events if e["type"] == "end-of-call"]
    # the busy call never connected; the calls end in either order, each charge on the last
    charged.sort(key=lambda credits: -credits["available"])
    assert sorted(c["used"] for c in charged) == [1.0, pytest.approx(200 / 60, abs=0.01)]
    assert charged[0]["available"] == pytest.approx(before - charged[0]["used"])
    assert charged[1]["available"] == pytest.approx(charged[0]["available"] - charged[1]["used"])
    assert balance(runtime, shop.workspace) == pytest.approx(charged[1]["available"])


def test_a_prepaid_workspace_past_its_overdraft_waits_until_topped_up(
    runtime: Runtime, shop: Shop, worker: Worker, clock: Clock
) -> None:
    set_balance(runtime, shop.workspace, -100.0)  # the allowance is 100: not one credit more
    call_id = shop.initiate(request_for(CUSTOM_REQUEST, shop.assistant(), phoneNumber=number(0)))[
        "callId"
    ]
    for _ in range(3):
        worker.run_once()
        clock.advance(600)
    assert shop.call(call_id)["status"] == "queued" and shop.event_types(call_id) == []
    with runtime.sessions.begin() as session:
        store = STORE_EXAMPLE | {"name": session.get_one(Workspace, shop.workspace).name}
    again = shop.client.post(ONBOARD, json=store, headers=shop.tenant.headers)
    assert again.status_code == 200 and again.json()["status"] == "suspended"
    with runtime.sessions.begin() as session:
        assert charge(session, shop.workspace, -0.5) == -99.5  # a top-up: dialled again
    drive(worker, clock, lambda: ended(shop, call_id))
    assert shop.call(call_id)["status"] == "completed"
    assert balance(runtime, shop.workspace) == pytest.approx(-100.5)  # a connected call runs on


def test_a_postpaid_workspace_is_dialled_whatever_its_balance(
    runtime: Runtime, shop: Shop, worker: Worker, clock: Clock
) -> None:
    set_balance(runtime, shop.workspace, -5000.0, billing="postpaid")
    call_id = shop.initiate(request_for(CUSTOM_REQUEST, shop.assistant(), phoneNumber=number(0)))[
        "callId"
    ]
    drive(worker, clock, lambda: ended(shop, call_id))
    assert balance(runtime, shop.workspace) == pytest.approx(-5001.0)
