"""Calls: queue one (checked, idempotent), abort it, read one, list them.

A valid new call is `queued` until the dialer takes it; a well-formed call that cannot be placed
is stored `validation-failed` with its reasons (decisions 29–31). Every change of status records
its events in the same transaction (mira.voice.call_events).
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import orjson
from sqlalchemy import Select, Table, bindparam, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from mira.errors import BadRequest, Conflict, NotFound
from mira.pagination import Page, paginate
from mira.timestamps import to_wire
from mira.voice.call_checks import validation_errors
from mira.voice.call_events import LIFECYCLE_ENDED, attempts_of, has_ended, record_event, report
from mira.voice.workspaces import find_workspace, workspace_id_of
from mira.webhooks import UnsafeReceiver, check_receiver_url
from models import Assistant, Call, CallAttempt, CallEvent
from models.base import object_id

IDEMPOTENCY_WINDOW = timedelta(hours=24)
# `metadata` is copied into every event of its call (decision 52); the schema bounds its shape.
METADATA_MAX_BYTES = 16 * 1024
# Before the dialer takes the call, and after an attempt that did not connect. A call waiting to
# be tried again (`next_attempt_at` set) is abortable whatever its last attempt's status.
ABORTABLE = (
    "queued",
    "busy",
    "failed",
    "no-answer",
    "rescheduled",
    "validation-failed",
    "skip",
)
ABORT_REFUSALS = {
    "initiate": "Call is already in progress",
    "in-progress": "Call is already in progress",
    "ended": "Call already completed",
    "completed": "Call already completed",
    "timeout": "Call already completed",
    "aborted": "Call already aborted",
}


@dataclass(frozen=True)
class Initiated:
    call_id: str
    status: str
    # True when an Idempotency-Key repeat answered with the first call.
    replayed: bool


def request_hash(body: dict[str, Any]) -> str:
    """The body as parsed JSON: key order and spacing do not make another request."""
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _replay(call: Call, body_hash: str) -> Initiated:
    if call.request_hash != body_hash:
        raise Conflict("Idempotency-Key was already used with a different request body")
    return Initiated(call.id, call.status, replayed=True)


ASSISTANTS = Assistant.__table__.c
ASSISTANT_IN_WORKSPACE = select(
    ASSISTANTS.id, ASSISTANTS.variant, ASSISTANTS.document, ASSISTANTS.archived_at
).where(
    ASSISTANTS.id == bindparam("assistant_id"), ASSISTANTS.workspace_id == bindparam("workspace_id")
)


@dataclass(frozen=True)
class LiveAssistant:
    id: str
    variant: str
    document: dict[str, Any]


def find_live_assistant(session: Session, workspace_id: str, assistant_id: str) -> LiveAssistant:
    """The workspace's assistant, which must not be archived to take calls (decision 35)."""
    params = {"assistant_id": assistant_id.lower(), "workspace_id": workspace_id}
    assistant = session.connection().execute(ASSISTANT_IN_WORKSPACE, params).first()
    if assistant is None:
        raise NotFound("Assistant not found")
    if assistant.archived_at is not None:
        raise BadRequest("Assistant is archived.")
    return LiveAssistant(assistant.id, assistant.variant, assistant.document)


def _remembered(session: Session, workspace_id: str, key: str) -> Call | None:
    return session.scalar(
        select(Call).where(Call.workspace_id == workspace_id, Call.idempotency_key == key)
    )


def initiate_call(
    session: Session,
    organization_id: uuid.UUID,
    workspace_id: str,
    body: dict[str, Any],
    idempotency_key: str | None,
    allow_private: bool,
    now: datetime,
) -> Initiated:
    """Queue the call, or store it `validation-failed`; a repeated key answers the first call."""
    if len(orjson.dumps(body.get("metadata"))) > METADATA_MAX_BYTES:
        raise BadRequest(f"body field 'metadata': larger than {METADATA_MAX_BYTES} bytes as JSON")
    workspace = workspace_id_of(session, organization_id, workspace_id)
    body_hash = request_hash(body)
    if idempotency_key is not None:
        remembered = _remembered(session, workspace, idempotency_key)
        if remembered is not None and remembered.created_at > now - IDEMPOTENCY_WINDOW:
            return _replay(remembered, body_hash)
        if remembered is not None:
            remembered.idempotency_key = None  # forgotten after 24 hours: the key is free again
            session.flush()
    assistant = find_live_assistant(session, workspace, body["assistant"])
    callback_url = body.get("callbackUrl")
    if callback_url is not None:
        try:
            check_receiver_url(callback_url, allow_private)
        except UnsafeReceiver as exc:
            raise BadRequest(f"body field 'callbackUrl': {exc}") from None
    reasons = validation_errors(body["phoneNumber"], assistant, body.get("payload"))
    call_id = object_id()
    inserted = _insert_unless_remembered(
        session,
        id=call_id,
        organization_id=organization_id,
        workspace_id=workspace,
        assistant_id=assistant.id,
        phone_number=body["phoneNumber"],
        payload=body.get("payload"),
        callback_url=callback_url,
        priority=body.get("priority", False),
        metadata=body.get("metadata"),
        status="validation-failed" if reasons else "queued",
        validation_errors=reasons,
        idempotency_key=idempotency_key,
        request_hash=body_hash,
        next_attempt_at=None if reasons else now,
        created_at=now,
        updated_at=now,
    )
    if not inserted:  # a concurrent repeat of the key won; a call without a key always inserts
        winner = _remembered(session, workspace, str(idempotency_key))
        if winner is None:
            raise Conflict("Idempotency-Key is in use by a concurrent request; retry")
        return _replay(winner, body_hash)
    if not reasons:
        return Initiated(call_id, "queued", replayed=False)
    call = session.get_one(Call, call_id)
    record_event(session, call, "call.validation-failed", now)
    record_event(session, call, LIFECYCLE_ENDED, now)
    return Initiated(call.id, call.status, replayed=False)


@functools.cache
def _insert(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING on the (workspace, Idempotency-Key) index, every column
    a parameter of its own name."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, Call.__table__)
    columns = table.c
    statement = insert(table).values({column.key: bindparam(column.key) for column in columns})
    statement = statement.on_conflict_do_nothing(index_elements=["workspace_id", "idempotency_key"])
    return statement.returning(columns.id)


def _insert_unless_remembered(session: Session, **values: Any) -> bool:
    """Of concurrent repeats of a key one inserts; the others wait for it, insert nothing and
    answer with its call. There is no exception to recover from, so no savepoint: pysqlite lets
    a SAVEPOINT begin the transaction, and releasing it would then commit the request's work
    early."""
    connection = session.connection()
    return connection.execute(_insert(connection.dialect.name), values).first() is not None


def _find_call(
    session: Session, organization_id: uuid.UUID, workspace_id: str, call_id: str
) -> Call:
    workspace = find_workspace(session, organization_id, workspace_id)
    call = session.scalar(
        select(Call).where(Call.id == call_id.lower(), Call.workspace_id == workspace.id)
    )
    if call is None:
        raise NotFound("Call not found")
    return call


def abort_call(
    session: Session, organization_id: uuid.UUID, workspace_id: str, call_id: str, now: datetime
) -> None:
    """Abort a call the dialer has not taken (decision 36), ending any retry chain.

    The status changes by a conditional UPDATE, as the dialer's does (mira.dialer.claiming): of an
    abort and a dial that race, or two aborts, one wins and the other is refused for the status
    the winner left.
    """
    call = _find_call(session, organization_id, workspace_id, call_id)
    aborted = session.execute(
        update(Call)
        .where(
            Call.id == call.id, or_(Call.status.in_(ABORTABLE), Call.next_attempt_at.is_not(None))
        )
        .values(status="aborted", next_attempt_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(call)
    if aborted.rowcount == 0:  # type: ignore[attr-defined]
        raise BadRequest(ABORT_REFUSALS[call.status])
    ended = has_ended(session, call)
    record_event(session, call, "call.aborted", now)
    if not ended:
        record_event(session, call, LIFECYCLE_ENDED, now)


def _summary(call: Call, attempts: Sequence[CallAttempt]) -> dict[str, Any]:
    last = attempts[-1] if attempts else None
    return {
        "_id": call.id,
        "assistant": call.assistant_id,
        "workspace": call.workspace_id,
        "phoneNumber": call.phone_number,
        "status": call.status,
        "priority": call.priority,
        "callbackUrl": call.callback_url,
        "metadata": call.call_metadata or {},
        "validationErrors": call.validation_errors or [],
        "report": report(attempts),
        "nextAttemptAt": to_wire(call.next_attempt_at),
        "startedAt": to_wire(last.started_at) if last else None,
        "endedAt": to_wire(last.ended_at) if last else None,
        "durationSeconds": last.duration_seconds if last else None,
        "recordingUrl": None,
        "createdAt": to_wire(call.created_at),
        "updatedAt": to_wire(call.updated_at),
    }


def _attempt_to_wire(attempt: CallAttempt) -> dict[str, Any]:
    return {
        "number": attempt.number,
        "status": attempt.status,
        "startedAt": to_wire(attempt.started_at),
        "endedAt": to_wire(attempt.ended_at),
        "durationSeconds": attempt.duration_seconds,
        "reason": attempt.reason,
        "transcript": attempt.transcript,
    }


def get_call(
    session: Session, organization_id: uuid.UUID, workspace_id: str, call_id: str
) -> dict[str, Any]:
    call = _find_call(session, organization_id, workspace_id, call_id)
    attempts = attempts_of(session, [call.id])[call.id]
    events = session.scalars(
        select(CallEvent).where(CallEvent.call_id == call.id).order_by(CallEvent.sequence)
    )
    return _summary(call, attempts) | {
        "payload": call.payload,
        "attempts": [_attempt_to_wire(attempt) for attempt in attempts],
        "events": [
            {"type": event.type, "data": event.data, "createdAt": to_wire(event.created_at)}
            for event in events
        ],
    }


@dataclass(frozen=True)
class CallFilter:
    status: str | None = None
    assistant: str | None = None
    phone_number: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        """Equality filters first: each has a (workspace_id, it, created_at, id) index."""
        if self.status is not None:
            query = query.where(Call.status == self.status)
        if self.assistant is not None:
            query = query.where(Call.assistant_id == self.assistant.lower())
        if self.phone_number is not None:
            query = query.where(Call.phone_number == self.phone_number)
        if self.created_from is not None:
            query = query.where(Call.created_at >= self.created_from)
        if self.created_to is not None:
            query = query.where(Call.created_at <= self.created_to)
        return query


def list_calls(
    session: Session,
    organization_id: uuid.UUID,
    workspace_id: str,
    filters: CallFilter,
    *,
    page: int,
    limit: int,
) -> Page:
    """The workspace's calls, newest first, the id breaking ties."""
    workspace = find_workspace(session, organization_id, workspace_id)
    query = filters.apply(select(Call).where(Call.workspace_id == workspace.id))
    query = query.order_by(Call.created_at.desc(), Call.id.desc())
    found = paginate(session, query, page, limit, lambda call: call)
    attempts = attempts_of(session, [call.id for call in found.items])
    items = [_summary(call, attempts[call.id]) for call in found.items]
    return Page(items, found.page, found.limit, found.total)
