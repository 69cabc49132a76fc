"""The analysis queue: a queued meeting becomes reports and insights, at least once, never half."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from mira.coach.analyser import Analyser
from mira.coach.metrics import Segment
from mira.db import session_scope
from mira.runtime import Runtime
from mira.webhooks import RetryPolicy
from mira.worker import Worker
from models import Insight, Meeting, Report, Template, WebhookDelivery
from models.base import utcnow
from tests.factories import SEGMENTS, Tenant
from tests.receivers import loopback_worker, run_until

PLAIN_TRANSCRIPT = (
    "Rep 0: How do you handle renewals today?\n"
    "Pat: Manually, and it's frustrating.\n"
    "Rep 0: Understood. Shall we schedule a demo as a next step?\n"
)


class Crash(BaseException):
    """What a worker dying mid-analysis looks like to its transaction: not an `Exception`."""


@dataclass
class FailingFor(Analyser):
    """The built-in analyser, except that the `fail_on`-th report of one meeting raises."""

    meeting_id: uuid.UUID | None = None
    error: BaseException = RuntimeError("model exploded")
    fail_on: int = 1
    calls: int = 0

    def report(self, template: Template, segments: list[Segment], **owner: Any) -> Report:
        if owner.get("meeting_id") == self.meeting_id:
            self.calls += 1
            if self.calls >= self.fail_on:
                raise self.error
        return super().report(template, segments, **owner)


def queue_meeting(client: TestClient, tenant: Tenant) -> uuid.UUID:
    body = {
        "user_id": str(tenant.users[0]),
        "title": "Acme — discovery",
        "call_type": "discovery",
        "started_at": "2026-11-02T15:00:00Z",
        "prospect": {"name": "Pat", "title": "CFO", "industry": "SaaS"},
        "transcript": SEGMENTS,
    }
    response = client.post("/api/v1/meetings", json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["status"] == "fetched"
    return uuid.UUID(response.json()["data"]["id"])


def meeting(tenant: Tenant, meeting_id: uuid.UUID) -> Meeting:
    with session_scope(tenant.runtime.sessions) as session:
        return session.get_one(Meeting, meeting_id)


def reports(client: TestClient, tenant: Tenant, meeting_id: uuid.UUID) -> list[dict[str, Any]]:
    url = f"/api/v1/meetings/{meeting_id}/report?limit=100"
    response = client.get(url, headers=tenant.headers)
    assert response.status_code == 200, response.text
    return sorted(response.json()["data"], key=lambda r: r["template_id"])


def outbox(tenant: Tenant, event: str) -> list[WebhookDelivery]:
    with session_scope(tenant.runtime.sessions) as session:
        return list(
            session.scalars(
                select(WebhookDelivery).where(
                    WebhookDelivery.organization_id == tenant.organization_id,
                    WebhookDelivery.event == event,
                )
            )
        )


def subscribe(client: TestClient, tenant: Tenant, events: list[str]) -> None:
    # Nothing listens on port 9: only the outbox rows matter here.
    body = {"url": "http://127.0.0.1:9/never", "events": events}
    response = client.post("/api/v1/webhooks/subscriptions", json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text


def analyse_at(worker: Worker, tenant: Tenant, meeting_id: uuid.UUID, now: datetime) -> Meeting:
    """Let the worker, at `now`, work until this meeting is no longer waiting."""
    worker.clock = lambda: now
    before = meeting(tenant, meeting_id).analysis_attempts

    def settled() -> bool:
        row = meeting(tenant, meeting_id)
        return row.status not in ("fetched", "processing") or row.analysis_attempts > before

    run_until(worker.analyse_due_meetings, settled)
    return meeting(tenant, meeting_id)


def test_worker_turns_a_queued_meeting_into_reports_and_insights(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    discovery = tenant.template(version=3)
    general = tenant.template(name="Basics", call_type=None)
    tenant.template(name="Off", is_active=False)
    tenant.template(name="Other", call_type="negotiation")
    tenant.template(name="Gone", deleted_at=utcnow())
    worker = loopback_worker(runtime)
    assert worker.analyser.llm is None
    assert worker.policy == RetryPolicy(max_attempts=8, base_seconds=0.05, allow_private=True)
    meeting_id = queue_meeting(client, tenant)

    assert analyse_at(worker, tenant, meeting_id, utcnow()).status == "completed"
    first = reports(client, tenant, meeting_id)
    by_template = {r["template_id"]: r for r in first}
    assert set(by_template) == {str(discovery.id), str(general.id)}
    assert by_template[str(discovery.id)]["template_version"] == 3
    assert by_template[str(general.id)]["template_version"] == 1
    for report in first:
        assert report["produced_by"] == "builtin" and report["user_id"] == str(tenant.users[0])
        assert [c["name"] for c in report["criteria_scores"]] == ["Questions"]
        assert report["metrics"]["questions_asked"] == 1
    insights = client.get("/api/v1/insights", headers=tenant.headers).json()["data"]
    assert [(i["category"], i["quote"]) for i in insights] == [
        ("pain_point", "Manually, it's slow.")
    ]

    # The same transcript gives the same reports, replacing the old ones.
    response = client.post(f"/api/v1/meetings/{meeting_id}/analysis", headers=tenant.headers)
    assert response.status_code == 200 and response.json()["data"]["status"] == "fetched"
    assert analyse_at(worker, tenant, meeting_id, utcnow()).status == "completed"
    second = reports(client, tenant, meeting_id)

    def content(report: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in report.items() if k not in ("id", "created_at")}

    assert [content(r) for r in second] == [content(r) for r in first]
    assert {r["id"] for r in second}.isdisjoint(r["id"] for r in first)
    with session_scope(runtime.sessions) as session:
        where = Insight.meeting_id == meeting_id
        assert session.scalar(select(func.count()).select_from(Insight).where(where)) == 1


def test_a_plain_text_transcript_is_queued_and_analysed(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    tenant.template()
    pending = tenant.meeting(status="pending", ended_at=None, duration_seconds=None)
    response = client.put(
        f"/api/v1/meetings/{pending.id}/transcript",
        content=PLAIN_TRANSCRIPT,
        headers={**tenant.headers, "Content-Type": "text/plain"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["status"] == "fetched"
    done = analyse_at(loopback_worker(runtime), tenant, pending.id, utcnow())
    assert done.status == "completed"
    (report,) = reports(client, tenant, pending.id)
    assert report["metrics"]["questions_asked"] == 2
    insights = client.get("/api/v1/insights", headers=tenant.headers).json()["data"]
    assert [i["quote"] for i in insights] == ["Manually, and it's frustrating."]


def test_a_crash_mid_analysis_writes_nothing_and_the_lease_hands_the_meeting_on(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    tenant.template()
    tenant.template(name="Basics", call_type="general")
    subscribe(client, tenant, ["report.completed"])
    worker = loopback_worker(runtime)
    meeting_id = queue_meeting(client, tenant)
    analyse_at(worker, tenant, meeting_id, utcnow())
    before = reports(client, tenant, meeting_id)
    assert len(before) == 2 and len(outbox(tenant, "report.completed")) == 2
    client.post(f"/api/v1/meetings/{meeting_id}/analysis", headers=tenant.headers)

    # The worker dies while scoring the second template, after the old rows were deleted.
    t0 = utcnow()
    worker.analyser = FailingFor(meeting_id=meeting_id, error=Crash(), fail_on=2)
    worker.clock = lambda: t0
    for _ in range(10):
        try:
            worker.analyse_due_meetings()
        except Crash:
            break
    else:
        raise AssertionError("the meeting was never claimed")
    crashed = meeting(tenant, meeting_id)
    assert crashed.status == "processing" and crashed.lease_expires_at is not None
    # Counted at the claim: a crash that kills the worker still uses up an attempt.
    assert crashed.lease_expires_at > t0 and crashed.analysis_attempts == 1
    assert reports(client, tenant, meeting_id) == before
    assert len(outbox(tenant, "report.completed")) == 2
    busy = client.put(
        f"/api/v1/meetings/{meeting_id}/transcript",
        json={"segments": SEGMENTS},
        headers=tenant.headers,
    )
    assert busy.status_code == 409

    # While the lease holds, another worker leaves the meeting alone.
    worker.analyser = Analyser()
    worker.clock = lambda: t0 + timedelta(minutes=4)
    for _ in range(5):
        worker.analyse_due_meetings()
    assert meeting(tenant, meeting_id).status == "processing"
    assert reports(client, tenant, meeting_id) == before

    # Once it has expired, the meeting is claimed again and completed, once.
    done = analyse_at(worker, tenant, meeting_id, t0 + timedelta(minutes=6))
    assert done.status == "completed" and done.lease_expires_at is None
    after = reports(client, tenant, meeting_id)
    assert [r["overall_score"] for r in after] == [r["overall_score"] for r in before]
    assert {r["id"] for r in after}.isdisjoint(r["id"] for r in before)
    assert len(outbox(tenant, "report.completed")) == 4


def test_an_analysis_that_keeps_killing_its_worker_ends_failed(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    tenant.template()
    subscribe(client, tenant, ["meeting.failed"])
    meeting_id = queue_meeting(client, tenant)
    worker = loopback_worker(runtime)
    worker.analyser = FailingFor(meeting_id=meeting_id, error=Crash(), fail_on=1)
    t0 = utcnow()
    for crash in range(3):
        worker.clock = lambda crash=crash: t0 + crash * timedelta(minutes=6)
        with pytest.raises(Crash):
            for _ in range(10):
                worker.analyse_due_meetings()
        assert meeting(tenant, meeting_id).analysis_attempts == crash + 1
    worker.analyser = Analyser()
    given_up = analyse_at(worker, tenant, meeting_id, t0 + timedelta(minutes=18))
    assert (given_up.status, given_up.analysis_attempts) == ("failed", 4)
    assert given_up.failure_reason == "no analysis finished in 3 attempts"
    assert len(outbox(tenant, "meeting.failed")) == 1
    assert reports(client, tenant, meeting_id) == []


def test_an_analysis_that_keeps_failing_ends_failed_and_says_so(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    tenant.template()
    subscribe(client, tenant, ["meeting.failed"])
    meeting_id = queue_meeting(client, tenant)
    worker = loopback_worker(runtime)
    worker.analyser = FailingFor(meeting_id=meeting_id)
    t0 = utcnow()

    first = analyse_at(worker, tenant, meeting_id, t0)
    assert (first.status, first.analysis_attempts) == ("processing", 1)
    assert first.failure_reason == "RuntimeError: model exploded"
    # Backing off: not retried before its lease runs out.
    worker.clock = lambda: t0 + timedelta(seconds=30)
    worker.analyse_due_meetings()
    assert meeting(tenant, meeting_id).analysis_attempts == 1

    second = analyse_at(worker, tenant, meeting_id, t0 + timedelta(minutes=2))
    assert (second.status, second.analysis_attempts) == ("processing", 2)
    assert outbox(tenant, "meeting.failed") == []
    third = analyse_at(worker, tenant, meeting_id, t0 + timedelta(minutes=10))
    assert (third.status, third.analysis_attempts) == ("failed", 3)
    assert third.lease_expires_at is None
    (event,) = outbox(tenant, "meeting.failed")
    assert event.payload["event"] == "meeting.failed"
    assert event.payload["data"] == {
        "meeting_id": str(meeting_id),
        "user_id": str(tenant.users[0]),
        "reason": "RuntimeError: model exploded",
    }
    assert reports(client, tenant, meeting_id) == []
    got = client.get(f"/api/v1/meetings/{meeting_id}", headers=tenant.headers).json()["data"]
    assert got["status"] == "failed"
    # It stays failed until someone asks again.
    worker.clock = lambda: t0 + timedelta(hours=1)
    worker.analyse_due_meetings()
    assert meeting(tenant, meeting_id).analysis_attempts == 3
    response = client.post(f"/api/v1/meetings/{meeting_id}/analysis", headers=tenant.headers)
    assert response.json()["data"]["status"] == "fetched"
    again = meeting(tenant, meeting_id)
    assert (again.analysis_attempts, again.failure_reason) == (0, None)


def test_a_meeting_without_words_ends_no_transcript(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    tenant.template()
    silent = tenant.meeting(status="fetched")
    tenant.transcript(silent, [{**SEGMENTS[0], "text": "   "}])
    missing = tenant.meeting(status="fetched")
    worker = loopback_worker(runtime)
    for row in (silent, missing):
        assert analyse_at(worker, tenant, row.id, utcnow()).status == "no_transcript"
        assert reports(client, tenant, row.id) == []


def test_run_works_until_stopped(client: TestClient, runtime: Runtime, tenant: Tenant) -> None:
    tenant.template()
    meeting_id = queue_meeting(client, tenant)
    worker = loopback_worker(runtime)
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while meeting(tenant, meeting_id).status != "completed":
            assert time.monotonic() < deadline, "the running worker never analysed the meeting"
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=5)
    assert not thread.is_alive()
    assert len(reports(client, tenant, meeting_id)) == 1
