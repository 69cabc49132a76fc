"""Claiming due calls and dialling them (decisions 45, 46).

A call is due when its `next_attempt_at` has come (queued, or waiting to be tried again) and its
assistant is not archived. Due calls are taken by `priority`, then first in, first out. One
outside its assistant's calling slots is deferred to the next opening; one whose assistant is at
its `concurrentCallCount` waits, and so do the calls of a prepaid workspace past its overdraft
(decision 51). Dialling moves the call to `initiate` by a conditional UPDATE, so an abort racing
it either wins or finds the call in progress (decision 36).

A dial is placed with the provider only after the transaction that claimed it commits, and its
placement is recorded in another: a carrier never hears of a dial the database forgot. The
claimed attempt is the intent, leased to its worker; a worker that dies before recording leaves
an intent whose lease runs out, and the next worker to find it asks the provider about the dial
by its token, records it if it was placed and places it if not: one dial per attempt.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from mira.db import claimable
from mira.dialer.attempts import UNRECORDED, refresh_due
from mira.dialer.capacity import release_slot, take_slot
from mira.dialer.credits import may_dial
from mira.dialer.slots import callee_zone, next_opening
from mira.dialer.telephony import Dial, Placement
from mira.voice.assistants import call_settings
from mira.voice.call_events import read_event_sequences, record_event
from models import Assistant, Call, CallAttempt, Workspace


def _start(session: Session, call: Call, now: datetime) -> bool:
    """Move the call to `initiate` unless an abort took it first."""
    result = session.execute(
        update(Call)
        .where(Call.id == call.id, Call.next_attempt_at.is_not(None))
        .values(status="initiate", next_attempt_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    if result.rowcount != 1:
        return False
    for name, value in (("status", "initiate"), ("next_attempt_at", None), ("updated_at", now)):
        set_committed_value(call, name, value)
    return True


def _dial_of(call: Call, assistant: Assistant, number: int, now: datetime) -> Dial:
    return Dial(
        call_id=call.id,
        attempt_number=number,
        phone_number=call.phone_number,
        variant=assistant.variant,
        payload=call.payload,
        metadata=call.call_metadata,
        placed_at=now,
    )


def _dial(
    session: Session,
    call: Call,
    assistant: Assistant,
    now: datetime,
    ring_timeout: timedelta,
    lease: timedelta,
) -> Dial | None:
    if not take_slot(session, assistant.id):
        return None  # at its cap: the call waits, still due
    if not _start(session, call, now):
        release_slot(session, assistant.id)
        return None
    number = 1 + len(call.attempts)
    attempt = CallAttempt(
        call_id=call.id,
        number=number,
        status="initiate",
        started_at=now,
        deadline_at=now + ring_timeout,
        due_at=now + lease,  # unrecorded by then: another worker asks the provider
    )
    call.attempts.append(attempt)
    record_event(session, call, "call.initiate", now)
    return _dial_of(call, assistant, number, now)


def claim_due_calls(
    session: Session, now: datetime, limit: int, ring_timeout: timedelta, lease: timedelta
) -> list[Dial]:
    """Start up to `limit` due calls; the dials to place once this transaction commits, within
    `lease`. Each counts as `no-answer` after `ring_timeout` unless its placement says otherwise
    (decision 49). Other workers skip the rows held here."""
    open_assistants = select(Assistant.id).where(
        Assistant.archived_at.is_(None), Assistant.active_calls < Assistant.call_cap
    )
    funded = select(Workspace.id).where(may_dial())
    due = (
        select(Call)
        .where(
            Call.next_attempt_at <= now,
            Call.assistant_id.in_(open_assistants),
            Call.workspace_id.in_(funded),
        )
        .order_by(Call.priority.desc(), Call.next_attempt_at, Call.created_at, Call.id)
        .limit(limit)
        # their attempts in one more query: each dial numbers its attempt and reports the others
        .options(selectinload(Call.attempts))
    )
    calls = session.scalars(claimable(session, due)).all()
    read_event_sequences(session, [call.id for call in calls])
    assistant_ids = {call.assistant_id for call in calls}
    assistants = {
        assistant.id: assistant
        for assistant in session.scalars(select(Assistant).where(Assistant.id.in_(assistant_ids)))
    }
    zones = dict(
        session.execute(
            select(Workspace.id, Workspace.timezone).where(
                Workspace.id.in_({call.workspace_id for call in calls})
            )
        ).all()
    )
    dials = []
    # Slots are taken in assistant id order (mira.dialer.capacity); the sort keeps each
    # assistant's calls in priority order.
    for call in sorted(calls, key=lambda call: call.assistant_id):
        assistant = assistants[call.assistant_id]
        zone = zones[call.workspace_id] or callee_zone(call.phone_number)
        opening = next_opening(call_settings(assistant)["slots"], zone, now)
        if opening > now:
            call.next_attempt_at = opening  # deferred, not skipped
        elif (dial := _dial(session, call, assistant, now, ring_timeout, lease)) is not None:
            dials.append(dial)
    return dials


def claim_unrecorded_dials(
    session: Session, now: datetime, limit: int, ring_timeout: timedelta, lease: timedelta
) -> list[Dial]:
    """Up to `limit` intents whose lease ran out unrecorded, leased again to this worker: the
    dials to ask the provider about once this transaction commits, and to place only if it never
    heard of them. The ring timeout counts from now, as a dial placed now would."""
    stale = (
        select(CallAttempt)
        .where(UNRECORDED, CallAttempt.due_at <= now)
        .order_by(CallAttempt.due_at, CallAttempt.call_id, CallAttempt.number)
        .limit(limit)
    )
    attempts = session.scalars(claimable(session, stale)).all()
    calls = {
        call.id: call
        for call in session.scalars(
            select(Call).where(Call.id.in_({attempt.call_id for attempt in attempts}))
        )
    }
    assistant_ids = {call.assistant_id for call in calls.values()}
    assistants = {
        assistant.id: assistant
        for assistant in session.scalars(select(Assistant).where(Assistant.id.in_(assistant_ids)))
    }
    dials = []
    for attempt in attempts:
        attempt.due_at, attempt.deadline_at = now + lease, now + ring_timeout
        call = calls[attempt.call_id]
        dials.append(_dial_of(call, assistants[call.assistant_id], attempt.number, now))
    return dials


def record_placement(session: Session, dial: Dial, placement: Placement) -> None:
    """Keep the provider's reference, its script and its ring deadline on the attempt."""
    attempt = session.get(CallAttempt, (dial.call_id, dial.attempt_number))
    if attempt is None or attempt.status != "initiate":
        return  # the ring timeout (or the carrier, over HTTP) got there first
    attempt.provider_ref = placement.reference
    attempt.script = [event.to_json() for event in placement.script]
    if placement.answer_by is not None:
        attempt.deadline_at = placement.answer_by
    refresh_due(attempt)
