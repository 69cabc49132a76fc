"""An attempt's life after it was placed: carrier events in, call events and retries out.

`record_carrier_event` is the one entry for what the carrier reports, whether it arrives over
HTTP or from a script stored at placement, which `advance_due_attempts` plays back when due: the
script lives on the attempt row, so a killed worker loses nothing and any worker carries on.
Each event changes the call, records its call events, frees the assistant's slot when the
attempt ends and charges the workspace for a connected one, all in the caller's transaction
(decisions 48, 51). An attempt still ringing at its deadline ends as `no-answer`: a carrier that
never reports does not hold a slot for ever.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, not_, select
from sqlalchemy.orm import Session, selectinload

from mira.db import claimable
from mira.dialer.capacity import release_slot
from mira.dialer.conversation import analysis, cart_actions, credits_used
from mira.dialer.credits import charge, lock_workspaces
from mira.dialer.retries import CALLBACK_REFUSED, LOW_ENGAGEMENT, may_reschedule, retry_at
from mira.dialer.telephony import RING_OUTCOMES
from mira.voice.assistants import call_settings
from mira.voice.call_events import (
    LIFECYCLE_ENDED,
    read_event_sequences,
    record_action,
    record_event,
)
from models import Assistant, Call, CallAttempt

ACTIVE = ("initiate", "in-progress")
RING_TIMED_OUT = "no answer reported by the carrier before the ring timeout"
# An intent: claimed, its dial maybe placed, nothing recorded or reported yet. It is due when its
# lease runs out, and then the dialer's (mira.dialer.claiming), not the timeline's.
UNRECORDED = and_(CallAttempt.status == "initiate", CallAttempt.provider_ref.is_(None))


def refresh_due(attempt: CallAttempt) -> None:
    """Due at its next scripted event or its deadline (to be answered, to hang up), whichever
    comes first; never once over."""
    moments = []
    if attempt.status in ACTIVE and attempt.script:
        moments.append(datetime.fromisoformat(attempt.script[0]["at"]))
    if attempt.status in ACTIVE and attempt.deadline_at is not None:
        moments.append(attempt.deadline_at)
    if attempt.status not in ACTIVE:
        attempt.script = None
    attempt.due_at = min(moments) if moments else None


def _status(session: Session, call: Call, status: str, at: datetime) -> None:
    call.status, call.updated_at = status, at
    record_event(session, call, f"call.{status}", at)


def _continue_or_end(
    session: Session, call: Call, next_attempt_at: datetime | None, at: datetime
) -> None:
    call.next_attempt_at = next_attempt_at
    if next_attempt_at is None:
        record_event(session, call, LIFECYCLE_ENDED, at)


def _end_ringing(
    session: Session,
    call: Call,
    assistant: Assistant,
    attempt: CallAttempt,
    event: str,
    at: datetime,
    reason: str | None,
) -> None:
    status = "skip" if event == "dnd" else event
    attempt.status, attempt.ended_at, attempt.reason = status, at, reason
    release_slot(session, assistant.id)
    _status(session, call, status, at)
    protocol = call_settings(assistant)["retryProtocol"]
    _continue_or_end(session, call, retry_at(call.attempts, protocol, at), at)


def _hang_up(
    session: Session,
    call: Call,
    assistant: Assistant,
    attempt: CallAttempt,
    status: str,
    at: datetime,
    transcript: list[dict[str, Any]] | None,
) -> float:
    """End a connected attempt: its duration, the slot back. Returns the talk time."""
    assert attempt.answered_at is not None
    duration = (at - attempt.answered_at).total_seconds()
    attempt.ended_at, attempt.duration_seconds, attempt.transcript = at, duration, transcript
    attempt.status = status
    release_slot(session, assistant.id)
    _status(session, call, status, at)
    return duration


def _end_of_call(
    session: Session,
    call: Call,
    conversation: str,
    duration: float,
    at: datetime,
    actions: list[dict[str, Any]],
) -> None:
    used = credits_used(duration)
    extra = {
        "analysis": analysis(conversation, actions),
        "credits": {"used": used, "available": charge(session, call.workspace_id, used)},
    }
    record_event(session, call, "end-of-call", at, extra)
    for action in actions:
        record_action(session, call, action, at)


def _time_out(session: Session, call: Call, assistant: Assistant, attempt: CallAttempt) -> None:
    """Still connected at maxCallDuration: hung up, `timeout`, analysed, and the chain ends."""
    at = attempt.deadline_at
    assert at is not None
    duration = _hang_up(session, call, assistant, attempt, "timeout", at, None)
    _end_of_call(session, call, "timeout", duration, at, [])
    _continue_or_end(session, call, None, at)


def _conclude(
    session: Session,
    call: Call,
    assistant: Assistant,
    attempt: CallAttempt,
    at: datetime,
    details: dict[str, Any],
) -> None:
    """The connection dropped: `ended`, then `completed` with the analysis, actions and what
    follows: a reschedule, a retry of a disengaged customer, or the end of the chain."""
    conversation = details["conversation"]
    duration = _hang_up(session, call, assistant, attempt, "ended", at, details.get("transcript"))
    attempt.status = "completed"
    _status(session, call, "completed", at)
    actions = []
    if conversation == "completed" and assistant.variant == "abandoned_cart" and call.payload:
        actions = cart_actions(call.payload, call.call_metadata, call.phone_number)
    _end_of_call(session, call, conversation, duration, at, actions)
    protocol = call_settings(assistant)["retryProtocol"]
    if conversation == "disengaged":
        attempt.reason = LOW_ENGAGEMENT
    attempts = call.attempts
    next_attempt_at = None
    if conversation == "callback" and may_reschedule(attempts, protocol):
        attempt.status = "rescheduled"
        _status(session, call, "rescheduled", at)
        after = details.get("callbackAfterSeconds", protocol["reAttemptPeriod"])
        next_attempt_at = at + timedelta(seconds=after)
    elif conversation == "callback":
        attempt.reason = CALLBACK_REFUSED
    elif conversation == "disengaged":
        next_attempt_at = retry_at(attempts, protocol, at)
    _continue_or_end(session, call, next_attempt_at, at)


def record_carrier_event(
    session: Session,
    call_id: str,
    attempt_number: int,
    event: str,
    at: datetime,
    details: dict[str, Any],
) -> bool:
    """Apply what the carrier reports about an attempt; False when it no longer applies (a
    repeat, or news of an attempt that already ended), so a carrier may report twice."""
    call = session.get(Call, call_id)
    if call is None:
        return False
    lock_workspaces(session, [call.workspace_id])  # before the assistant's row: see credits
    return _apply(session, call, attempt_number, event, at, details)


def _apply(
    session: Session,
    call: Call,
    attempt_number: int,
    event: str,
    at: datetime,
    details: dict[str, Any],
) -> bool:
    attempt = session.get(CallAttempt, (call.id, attempt_number))
    if attempt is None or attempt.status not in ACTIVE:
        return False
    assistant = session.get_one(Assistant, call.assistant_id)
    deadline = attempt.deadline_at
    if deadline is not None and at >= deadline:
        _pass_deadline(session, call, assistant, attempt)
    elif event == "answered" and attempt.status == "initiate":
        attempt.status, attempt.answered_at = "in-progress", at
        attempt.deadline_at = at + timedelta(seconds=call_settings(assistant)["maxCallDuration"])
        _status(session, call, "in-progress", at)
    elif event in RING_OUTCOMES and attempt.status == "initiate":
        _end_ringing(session, call, assistant, attempt, event, at, details.get("reason"))
    elif event == "ended" and attempt.status == "in-progress":
        _conclude(session, call, assistant, attempt, at, details)
    else:
        return False
    refresh_due(attempt)
    return True


def _pass_deadline(
    session: Session, call: Call, assistant: Assistant, attempt: CallAttempt
) -> None:
    """Ringing: nobody answered in time. Connected: hung up at maxCallDuration."""
    assert attempt.deadline_at is not None
    if attempt.status == "initiate":
        _end_ringing(
            session, call, assistant, attempt, "no-answer", attempt.deadline_at, RING_TIMED_OUT
        )
    else:
        _time_out(session, call, assistant, attempt)


def _play(session: Session, attempt: CallAttempt, now: datetime) -> None:
    """Apply the scripted events that are due, then end an attempt past its deadline."""
    while attempt.script and attempt.status in ACTIVE:
        head, *rest = attempt.script
        at = datetime.fromisoformat(head["at"])
        if at > now:
            break
        attempt.script = rest
        call = session.get_one(Call, attempt.call_id)
        _apply(session, call, attempt.number, head["event"], at, head["details"])
    deadline = attempt.deadline_at
    if attempt.status in ACTIVE and deadline is not None and deadline <= now:
        call = session.get_one(Call, attempt.call_id)
        _pass_deadline(session, call, session.get_one(Assistant, call.assistant_id), attempt)
    refresh_due(attempt)


def advance_due_attempts(session: Session, now: datetime, limit: int) -> int:
    """Play the due part of up to `limit` attempts' scripts; other workers skip these rows."""
    due = (
        select(CallAttempt)
        .where(CallAttempt.due_at <= now, not_(UNRECORDED))
        .order_by(CallAttempt.due_at, CallAttempt.call_id, CallAttempt.number)
        .limit(limit)
    )
    attempts = session.scalars(claimable(session, due)).all()
    # The calls with all their attempts, and their assistants, in three queries for the batch.
    calls = {
        call.id: call
        for call in session.scalars(
            select(Call)
            .where(Call.id.in_({a.call_id for a in attempts}))
            .options(selectinload(Call.attempts))
        )
    }
    assistant_ids = {call.assistant_id for call in calls.values()}
    session.scalars(select(Assistant).where(Assistant.id.in_(assistant_ids))).all()
    lock_workspaces(session, (call.workspace_id for call in calls.values()))
    read_event_sequences(session, calls)
    for attempt in sorted(attempts, key=lambda attempt: calls[attempt.call_id].assistant_id):
        _play(session, attempt, now)
    return len(attempts)
