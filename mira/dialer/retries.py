"""`retryProtocol` (decision 47): which outcomes are tried again, how often, and when.

No pickup is `busy`, `no-answer` or `failed` (the phone was never answered by a person), tried
again `maxAttemptsNoPickup` times; low engagement is an answered call the customer cut short,
tried again `maxAttemptsLowEngagement` times; each `reAttemptPeriod` seconds after the attempt
ended. A callback the customer asked for is honoured `maxRescheduleCount` times. `skip`,
`timeout` and a completed conversation end the chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from models import CallAttempt

NO_PICKUP = ("busy", "no-answer", "failed")
LOW_ENGAGEMENT = "low engagement"
CALLBACK_REFUSED = "callback requested; maxRescheduleCount reached"


def _low_engagement(attempt: CallAttempt) -> bool:
    return attempt.reason == LOW_ENGAGEMENT


def retry_at(
    attempts: Sequence[CallAttempt], protocol: dict[str, Any], ended_at: datetime
) -> datetime | None:
    """When the attempt after the last one is due, or None when the chain ends with it."""
    last = attempts[-1]
    if last.status in NO_PICKUP:
        used = sum(1 for attempt in attempts if attempt.status in NO_PICKUP)
        allowed = protocol["maxAttemptsNoPickup"]
    elif _low_engagement(last):
        used = sum(1 for attempt in attempts if _low_engagement(attempt))
        allowed = protocol["maxAttemptsLowEngagement"]
    else:
        return None
    if used > allowed:
        return None
    return ended_at + timedelta(seconds=protocol["reAttemptPeriod"])


def may_reschedule(attempts: Sequence[CallAttempt], protocol: dict[str, Any]) -> bool:
    done = sum(1 for attempt in attempts if attempt.status == "rescheduled")
    return bool(done < protocol["maxRescheduleCount"])
