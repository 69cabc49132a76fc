"""The worker: claims due work from the database — analyses, roleplay scoring, calls to dial and
attempts to advance, webhook deliveries, v2 assistant updates.

Each unit commits on its own. Run one per machine or many: on PostgreSQL claims skip rows other
workers hold (`FOR UPDATE SKIP LOCKED`), and expired leases hand a dead worker's rows to the rest.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from mira.coach.analyser import Analyser
from mira.coach.pipeline import (
    analyse_meeting,
    claim_due_meetings,
    claim_due_roleplays,
    record_failure,
    score_roleplay,
)
from mira.dialer.attempts import advance_due_attempts, record_carrier_event
from mira.dialer.claiming import claim_due_calls, claim_unrecorded_dials, record_placement
from mira.dialer.simulator import Simulator
from mira.dialer.telephony import Dial, Placement, Telephony
from mira.runtime import Runtime
from mira.voice.assistants import apply_due_updates
from mira.webhooks import RetryPolicy, deliver_due, delivery_client
from models.base import utcnow

log = logging.getLogger("mira.worker")
BATCH = 20


@dataclass
class Worker:
    runtime: Runtime
    analyser: Analyser
    client: httpx.Client
    policy: RetryPolicy
    telephony: Telephony
    clock: Callable[[], datetime] = utcnow
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def start(cls, runtime: Runtime) -> Worker:
        settings = runtime.settings
        return cls(
            runtime=runtime,
            analyser=Analyser.from_settings(settings),
            client=delivery_client(settings.webhook_timeout, settings.webhook_allow_private),
            policy=RetryPolicy(
                max_attempts=settings.webhook_max_attempts,
                base_seconds=settings.webhook_retry_base_seconds,
                allow_private=settings.webhook_allow_private,
            ),
            telephony=Simulator(runtime.sessions, settings.simulator_seconds),
        )

    def analyse_due_meetings(self) -> int:
        sessions, now = self.runtime.sessions, self.clock()
        with sessions.begin() as session:
            ids = claim_due_meetings(session, now, BATCH)
        for meeting_id in ids:
            try:
                with sessions.begin() as session:
                    analyse_meeting(session, meeting_id, self.analyser, now)
            except Exception as exc:
                log.exception("analysis of meeting %s failed", meeting_id)
                with sessions.begin() as session:
                    record_failure(session, meeting_id, f"{type(exc).__name__}: {exc}", now)
        return len(ids)

    def score_due_roleplays(self) -> int:
        sessions, now = self.runtime.sessions, self.clock()
        with sessions.begin() as session:
            ids = claim_due_roleplays(session, now, BATCH)
        for roleplay_id in ids:
            try:
                with sessions.begin() as session:
                    score_roleplay(session, roleplay_id, self.analyser, now)
            except Exception:
                # The lease expires and the session is tried again.
                log.exception("scoring roleplay session %s failed", roleplay_id)
        return len(ids)

    def deliver_webhooks(self) -> int:
        return deliver_due(
            self.runtime.sessions,
            self.client,
            self.clock(),
            self.policy,
            self.rng,
            self.runtime.settings.secret_key,
        )

    def dial_due_calls(self) -> int:
        """Claim due calls, and the intents dead workers left unrecorded, then place them while
        the claim's lease lasts (mira.dialer.claiming); an intent's dial is asked about first."""
        settings, now = self.runtime.settings, self.clock()
        ring_timeout = timedelta(seconds=settings.ring_timeout_seconds)
        lease = timedelta(seconds=settings.dial_lease_seconds)
        with self.runtime.sessions.begin() as session:
            unrecorded = claim_unrecorded_dials(session, now, BATCH, ring_timeout, lease)
            dials = claim_due_calls(session, now, BATCH, ring_timeout, lease)
        placed: list[tuple[Dial, Placement]] = []
        for dial, asked in [(d, True) for d in unrecorded] + [(d, False) for d in dials]:
            if self.clock() >= now + lease:
                break  # the lease is over: placing now could race the worker that recovers it
            try:
                found = self.telephony.find_dial(dial.token) if asked else None
            except Exception:
                log.exception("asking about the dial of call %s failed", dial.call_id)
                continue  # asked again once the lease runs out
            try:
                placed.append((dial, self.telephony.place(dial) if found is None else found))
            except Exception as exc:
                log.exception("placing call %s failed", dial.call_id)
                reason = f"the carrier refused the dial: {type(exc).__name__}"
                with self.runtime.sessions.begin() as session:
                    record_carrier_event(
                        session,
                        dial.call_id,
                        dial.attempt_number,
                        "failed",
                        self.clock(),
                        {"reason": reason},
                    )
        with self.runtime.sessions.begin() as session:
            for dial, placement in placed:
                record_placement(session, dial, placement)
        return len(unrecorded) + len(dials)

    def advance_attempts(self) -> int:
        with self.runtime.sessions.begin() as session:
            return advance_due_attempts(session, self.clock(), BATCH)

    def apply_assistant_updates(self) -> int:
        with self.runtime.sessions.begin() as session:
            return apply_due_updates(session, self.clock(), BATCH)

    def run_once(self) -> int:
        """Do what is due now; the number of units handled (0 means idle)."""
        return (
            self.analyse_due_meetings()
            + self.score_due_roleplays()
            + self.advance_attempts()
            + self.dial_due_calls()
            + self.deliver_webhooks()
            + self.apply_assistant_updates()
        )

    def run(self, stop: threading.Event) -> None:
        poll = self.runtime.settings.worker_poll_seconds
        log.info("worker started")
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:
                log.exception("worker cycle failed; retrying")
                busy = 0
            if not busy:
                stop.wait(poll)
        log.info("worker stopped")
