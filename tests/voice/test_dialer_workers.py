"""Four `mira worker` processes on PostgreSQL dial 5,000 queued calls of 50 assistants: no call is
dialled twice, no assistant is ever above its cap, every call ends, and a worker killed with
SIGKILL mid-run loses nothing — its calls, attempts and webhook deliveries are finished by the
others, and the dials it placed without recording them are found with the simulator, not rung
out and dialled again. The simulator runs 500 times faster than real time; nothing here sleeps
to wait for an outcome, it polls the database."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import func, insert, select

from mira.dialer.attempts import RING_TIMED_OUT
from mira.runtime import Runtime
from models import Assistant, Call, CallAttempt, CallEvent, SimulatedDial, WebhookDelivery
from models.base import object_id, utcnow
from tests.receivers import Receiver
from tests.voice.calling import Shop
from tests.voice.dialing import number, set_call_settings

CALLS, ASSISTANTS, CAP, WORKERS = 5000, 50, 3, 4
# Every 10th call reports to a receiver: its deliveries must all arrive too.
CALLBACK_EVERY = 10
# The simulator's outcomes (digit 6 waits out maxCallDuration in real seconds: tested elsewhere)
# with one retry for no pickup and low engagement, none for a callback: (final status, attempts).
EXPECTED = {
    0: ("completed", 1),
    1: ("completed", 2),
    2: ("busy", 2),
    3: ("no-answer", 2),
    4: ("failed", 2),
    5: ("completed", 1),
    7: ("skip", 1),
    8: ("completed", 1),
    9: ("completed", 1),
}
DIGITS = list(EXPECTED)
SETTINGS = {
    "concurrentCallCount": CAP,
    "slots": [{"startTime": "00:00", "endTime": "00:00"}],  # the whole day
    "maxCallDuration": 10,
    "retryProtocol": {
        "maxAttemptsNoPickup": 1,
        "maxAttemptsLowEngagement": 1,
        "reAttemptPeriod": 0,
        "maxRescheduleCount": 0,
    },
}
UNDER_WAY = ("initiate", "in-progress")
REFUSED = "the carrier refused the dial: IntegrityError"
DEADLINE_SECONDS = 240


def start_workers(runtime: Runtime, count: int, log: IO[bytes]) -> list[subprocess.Popen[bytes]]:
    env = os.environ | {
        "MIRA_DATABASE_URL": runtime.settings.database_url,
        "MIRA_SECRET_KEY": runtime.settings.secret_key,
        "MIRA_SIMULATOR_SECONDS": "0.002",
        "MIRA_RING_TIMEOUT_SECONDS": "3",
        "MIRA_DIAL_LEASE_SECONDS": "2",
        "MIRA_WORKER_POLL_SECONDS": "0.05",
        "MIRA_WEBHOOK_ALLOW_PRIVATE": "1",
        "MIRA_WEBHOOK_RETRY_BASE_SECONDS": "0.2",
        "MIRA_LOG_LEVEL": "warning",
    }
    command = [sys.executable, "-c", "from mira.cli import main; main()", "worker"]
    return [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
        for _ in range(count)
    ]


@pytest.fixture
def workers(runtime: Runtime) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in started:
        process.wait(timeout=30)


def queue_calls(shop: Shop, assistants: list[str], callback_url: str) -> dict[str, int]:
    """Insert the calls in bulk, as `initiate` stores them; their digit by id."""
    now = utcnow()
    rows, digits = [], {}
    for index in range(CALLS):
        call_id, digit = object_id(), DIGITS[index % len(DIGITS)]
        digits[call_id] = digit
        rows.append(
            {
                "id": call_id,
                "organization_id": shop.tenant.organization_id,
                "workspace_id": shop.workspace,
                "assistant_id": assistants[index % len(assistants)],
                "phone_number": number(digit),
                "callback_url": callback_url if index % CALLBACK_EVERY == 0 else None,
                "priority": False,
                "status": "queued",
                "next_attempt_at": now,
                "created_at": now,
                "updated_at": now,
            }
        )
    with shop.runtime.sessions.begin() as session:
        session.execute(insert(Call), rows)
    return digits


def peak_under_way(runtime: Runtime, assistants: list[str]) -> int:
    """The most attempts under way for one assistant in this snapshot, checked against the
    counters the dialer keeps."""
    with runtime.sessions.begin() as session:
        counts = session.execute(
            select(Call.assistant_id, func.count())
            .join(CallAttempt, CallAttempt.call_id == Call.id)
            .where(Call.assistant_id.in_(assistants), CallAttempt.status.in_(UNDER_WAY))
            .group_by(Call.assistant_id)
        ).all()
        counters = session.execute(
            select(Assistant.active_calls, Assistant.call_cap).where(Assistant.id.in_(assistants))
        ).all()
    assert all(active <= cap for active, cap in counters)
    return max((count for _, count in counts), default=0)


def finished(runtime: Runtime, workspace: str) -> int:
    with runtime.sessions.begin() as session:
        ended = (
            select(func.count())
            .select_from(CallEvent)
            .join(Call, Call.id == CallEvent.call_id)
            .where(Call.workspace_id == workspace, CallEvent.type == "call.lifecycle-ended")
        )
        return int(session.scalar(ended) or 0)


def undelivered(runtime: Runtime, workspace: str) -> int:
    with runtime.sessions.begin() as session:
        pending = (
            select(func.count())
            .select_from(WebhookDelivery)
            .join(Call, Call.id == WebhookDelivery.call_id)
            .where(Call.workspace_id == workspace, WebhookDelivery.status != "delivered")
        )
        return int(session.scalar(pending) or 0)


def most_at_once(intervals: list[tuple[datetime, datetime]]) -> int:
    """The most intervals open at one instant (an end and a start at the same instant: apart)."""
    moments = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    open_now = most = 0
    for _, step in moments:
        open_now += step
        most = max(most, open_now)
    return most


def test_four_workers_dial_five_thousand_calls_and_survive_a_sigkill(
    runtime: Runtime,
    shop: Shop,
    workers: list[subprocess.Popen[bytes]],
    database_url: str,
    tmp_path: Path,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("worker processes on many machines share PostgreSQL; SQLite is one machine")
    assistants = [shop.assistant() for _ in range(ASSISTANTS)]
    for assistant in assistants:
        set_call_settings(shop, assistant, SETTINGS)
    with Receiver() as receiver:
        path = f"/hooks/{uuid.uuid4()}"
        digits = queue_calls(shop, assistants, receiver.url + path)
        workers += start_workers(runtime, WORKERS, (tmp_path / "workers.log").open("wb"))
        killed_at, peak, started = None, 0, time.monotonic()
        while True:
            peak = max(peak, peak_under_way(runtime, assistants))
            done = finished(runtime, shop.workspace)
            if killed_at is None and done >= CALLS * 3 // 10:
                workers[0].send_signal(signal.SIGKILL)
                workers[0].wait(timeout=10)
                killed_at = done
            if done == CALLS and undelivered(runtime, shop.workspace) == 0:
                break
            assert time.monotonic() - started < DEADLINE_SECONDS, f"{done} of {CALLS} ended"
            assert all(w.poll() is None for w in workers[1:]), (
                tmp_path / "workers.log"
            ).read_text()
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        received = receiver.at(path)
    assert killed_at is not None and killed_at < CALLS
    assert peak == CAP  # the cap was reached, and never passed in any snapshot

    with runtime.sessions.begin() as session:
        calls = {c.id: c for c in session.scalars(select(Call).where(Call.id.in_(list(digits))))}
        attempts: dict[str, list[CallAttempt]] = defaultdict(list)
        for attempt in session.scalars(
            select(CallAttempt)
            .where(CallAttempt.call_id.in_(list(digits)))
            .order_by(CallAttempt.call_id, CallAttempt.number)
        ):
            attempts[attempt.call_id].append(attempt)
        events: dict[str, list[str]] = defaultdict(list)
        for call_id, kind in session.execute(
            select(CallEvent.call_id, CallEvent.type)
            .where(CallEvent.call_id.in_(list(digits)))
            .order_by(CallEvent.call_id, CallEvent.sequence)
        ):
            events[call_id].append(kind)
        slots = session.scalars(
            select(Assistant.active_calls).where(Assistant.id.in_(assistants))
        ).all()
        tokens = [f"{a.call_id}/{a.number}" for tried in attempts.values() for a in tried]
        simulated = session.scalar(
            select(func.count()).select_from(SimulatedDial).where(SimulatedDial.token.in_(tokens))
        )
    assert set(slots) == {0}
    assert simulated == len(tokens)  # every attempt placed; the log refuses a second dial of one

    by_assistant: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for call_id, digit in digits.items():
        call, tried = calls[call_id], attempts[call_id]
        # dialled once per attempt: each attempt one `call.initiate`, after the last one ended
        assert [a.number for a in tried] == list(range(1, len(tried) + 1))
        assert events[call_id].count("call.initiate") == len(tried)
        assert events[call_id].count("call.lifecycle-ended") == 1
        assert events[call_id][-1] == "call.lifecycle-ended"
        assert call.next_attempt_at is None
        assert all(a.status not in UNDER_WAY and a.ended_at is not None for a in tried)
        for before, after in zip(tried, tried[1:], strict=False):
            assert before.ended_at is not None and before.ended_at <= after.started_at
        by_assistant[call.assistant_id] += [(a.started_at, a.ended_at) for a in tried]  # type: ignore[misc]
        # the dials the killed worker placed but never recorded neither rang out nor were
        # refused as placed twice
        assert all(a.reason not in (RING_TIMED_OUT, REFUSED) for a in tried), call_id
        assert (call.status, len(tried)) == EXPECTED[digit], call_id
    assert max(most_at_once(spans) for spans in by_assistant.values()) <= CAP
    print(
        f"\n{CALLS} calls final in {elapsed:.1f} s with {WORKERS} workers, one killed after"
        f" {killed_at} had ended"
    )

    first_seen: dict[str, list[str]] = defaultdict(list)
    ids = set()
    for request in received:
        if request.headers["webhook-id"] not in ids:
            ids.add(request.headers["webhook-id"])
            event = json.loads(request.body)["event"]
            first_seen[event["data"]["call"]["id"]].append(event["type"])
    with_callback = [c for c in calls.values() if c.callback_url is not None]
    assert len(with_callback) == CALLS // CALLBACK_EVERY
    assert all(first_seen[c.id] == events[c.id] for c in with_callback)
    assert Counter(len(first_seen[c.id]) > 0 for c in with_callback) == {True: len(with_callback)}
