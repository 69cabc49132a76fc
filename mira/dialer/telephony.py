"""The telephony provider interface: place a dial, ask whether one was placed, hear back carrier
events.

A provider places an attempt and answers with its reference; the dialer calls it outside any
database transaction, after the attempt is committed. The provider keeps the dial's token with the
dial (a real carrier: in its status-callback URL or a custom parameter), and `find_dial` answers
from what it kept: a worker that finds an attempt placed by a worker that died before recording it
asks, rather than dial the callee a second time. What happens next reaches the dialer
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

    def to_json(self) -> dict[str, Any]:
        return {"event": self.event, "at": self.at.isoformat(), "details": self.details}

    @classmethod
    def from_json(cls, kept: dict[str, Any]) -> CarrierEvent:
        return cls(kept["event"], datetime.fromisoformat(kept["at"]), kept["details"])


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

    @property
    def token(self) -> str:
        """Ours, one per attempt: what the provider is asked about after a crash."""
        return f"{self.call_id}/{self.attempt_number}"


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

    def find_dial(self, token: str) -> Placement | None:
        """The dial placed with this token, or None if there was none."""
        ...
