"""The telephony provider interface: place a dial, hear back carrier events.

A provider places an attempt and answers with its reference; the dialer calls it outside any
database transaction, after the attempt is committed. What happens next reaches the dialer
as carrier events (`CARRIER_EVENTS`) through one entry, `mira.dialer.attempts.record_carrier_event`:
a real carrier's HTTP status callback will call it, and a provider that knows the timeline at
placement (the simulator) returns it as a script the worker plays back when due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

# ringing ends in one of these: answered, or a failure the retry protocol judges
RING_OUTCOMES = ("busy", "no-answer", "failed", "dnd")
CARRIER_EVENTS = ("answered", "ended", *RING_OUTCOMES)


@dataclass(frozen=True)
class CarrierEvent:
    event: str
    at: datetime
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Dial:
    """What a provider needs to place one attempt of a call."""

    call_id: str
    attempt_number: int
    phone_number: str
    variant: str
    payload: dict[str, Any] | None
    metadata: dict[str, Any] | None
    placed_at: datetime


@dataclass(frozen=True)
class Placement:
    reference: str
    # Events the provider already knows will happen, in order; empty for a carrier that reports
    # over HTTP as they happen.
    script: list[CarrierEvent] = field(default_factory=list)
    # When an attempt not answered yet counts as `no-answer` (the carrier's own ring timeout);
    # None: the dialer's default.
    answer_by: datetime | None = None


class Telephony(Protocol):
    def place(self, dial: Dial) -> Placement: ...
