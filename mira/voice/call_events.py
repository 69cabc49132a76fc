"""A call's events (decisions 29–31, 36, 41): recorded on the call, and queued for its callbackUrl.

Each event is a CallEvent row, numbered in order, written in the transaction of the change it
reports; when the call has a callbackUrl the same transaction adds the delivery to the outbox,
which the worker sends signed (mira.webhooks) and in that order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mira.timestamps import to_wire
from models import Call, CallAttempt, CallEvent, WebhookDelivery
from models.base import object_id

LIFECYCLE_ENDED = "call.lifecycle-ended"


def attempts_of(session: Session, call_ids: Iterable[str]) -> dict[str, list[CallAttempt]]:
    """The calls' attempts, in order, for a page of calls in one query."""
    found: dict[str, list[CallAttempt]] = defaultdict(list)
    ids = list(call_ids)
    if ids:
        query = select(CallAttempt).where(CallAttempt.call_id.in_(ids))
        for attempt in session.scalars(query.order_by(CallAttempt.call_id, CallAttempt.number)):
            found[attempt.call_id].append(attempt)
    return found


def report(attempts: Sequence[CallAttempt]) -> dict[str, int]:
    return {
        "reAttemptCount": max(len(attempts) - 1, 0),
        "rescheduledCount": sum(1 for attempt in attempts if attempt.status == "rescheduled"),
    }


def call_event_data(call: Call, attempts: Sequence[CallAttempt], event: str) -> dict[str, Any]:
    """`CallEventData` (§8.5): the call as it stands, its latest attempt, its counters."""
    last = attempts[-1] if attempts else None
    described: dict[str, Any] = {
        "id": call.id,
        "status": call.status,
        "startedAt": to_wire(last.started_at) if last else None,
        "endedAt": to_wire(last.ended_at) if last else None,
        "recordingUrl": None,
    }
    if last is not None and last.duration_seconds is not None:
        described["durationSeconds"] = last.duration_seconds
    if call.validation_errors:
        described["validationErrors"] = call.validation_errors
    counters: dict[str, Any] = report(attempts)
    if event == LIFECYCLE_ENDED:
        counters["finalStatus"] = call.status
    return {"call": described, "report": counters}


def record_event(
    session: Session,
    call: Call,
    event: str,
    now: datetime,
    extra: Mapping[str, Any] | None = None,
) -> CallEvent:
    """Record `event` (`CallEventData`, plus `extra`: an analysis, credits) and queue its delivery.

    Callers hold the call row (a new call, or one they just updated), so numbering is not raced.
    """
    data = call_event_data(call, call.attempts, event)
    return _record(session, call, event, data | dict(extra or {}), now)


def record_action(
    session: Session, call: Call, action: Mapping[str, Any], now: datetime
) -> CallEvent:
    """An `action` event (`ActionEventData`, §8.6): `action`, `reason`, `payload` of the call."""
    data = {"action": action["action"], "call": {"id": call.id}} | dict(action)
    return _record(session, call, "action", data, now)


def _latest_sequences(session: Session) -> dict[str, int]:
    """Each call's last event number, as this unit of work has it (the caller holds the calls'
    rows, so no other transaction numbers their events meanwhile)."""
    transaction = session.get_transaction()
    kept = session.info.get("latest_event_sequence")
    if kept is None or kept[0] is not transaction:
        kept = session.info["latest_event_sequence"] = (transaction, {})
    latest: dict[str, int] = kept[1]
    return latest


def read_event_sequences(session: Session, call_ids: Iterable[str]) -> None:
    """Read the calls' last event numbers in one query, before recording events of many calls."""
    latest = _latest_sequences(session)
    ids = [call_id for call_id in call_ids if call_id not in latest]
    latest.update(dict.fromkeys(ids, 0))
    query = select(CallEvent.call_id, func.max(CallEvent.sequence)).group_by(CallEvent.call_id)
    latest.update(dict(session.execute(query.where(CallEvent.call_id.in_(ids))).tuples().all()))


def _next_sequence(session: Session, call: Call) -> int:
    latest = _latest_sequences(session)
    if call.id not in latest:
        read_event_sequences(session, [call.id])
    latest[call.id] += 1
    return latest[call.id]


def _record(
    session: Session, call: Call, event: str, data: dict[str, Any], now: datetime
) -> CallEvent:
    recorded = CallEvent(
        call_id=call.id,
        sequence=_next_sequence(session, call),
        type=event,
        data=data,
        created_at=now,
    )
    session.add(recorded)
    if call.callback_url is not None:
        session.add(
            WebhookDelivery(
                organization_id=call.organization_id,
                call_id=call.id,
                sequence=recorded.sequence,
                object_id=object_id(),
                url=call.callback_url,
                event=event,
                payload={
                    "metadata": call.call_metadata or {},
                    "event": {"type": event, "data": data},
                },
                next_attempt_at=now,
                created_at=now,
            )
        )
    return recorded


def has_ended(session: Session, call: Call) -> bool:
    """Whether `call.lifecycle-ended` was already sent: it is the final event, sent once."""
    ended = select(CallEvent.sequence).where(
        CallEvent.call_id == call.id, CallEvent.type == LIFECYCLE_ENDED
    )
    return session.scalar(ended.limit(1)) is not None
