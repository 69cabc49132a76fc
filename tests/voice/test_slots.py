"""Calling slots in a time zone: open now, or when they next open (pure functions, no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mira.dialer.slots import callee_zone, next_opening

DAY = [{"startTime": "09:00", "endTime": "21:00"}]
NIGHT = [{"startTime": "22:00", "endTime": "02:00"}]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("slots", "zone", "now", "opening"),
    [
        (DAY, "Asia/Kolkata", utc(2026, 3, 2, 6, 0), utc(2026, 3, 2, 6, 0)),  # 11:30, open
        (DAY, "Asia/Kolkata", utc(2026, 3, 2, 16, 0), utc(2026, 3, 3, 3, 30)),  # 21:30 → 09:00
        (DAY, "America/New_York", utc(2026, 3, 2, 6, 0), utc(2026, 3, 2, 14, 0)),  # 01:00 EST
        (NIGHT, "America/New_York", utc(2026, 3, 3, 5, 0), utc(2026, 3, 3, 5, 0)),  # 00:00, open
        (NIGHT, "America/New_York", utc(2026, 3, 3, 7, 0), utc(2026, 3, 4, 3, 0)),  # 02:00 closed
        (
            [
                {"startTime": "10:00", "endTime": "13:00"},
                {"startTime": "15:00", "endTime": "19:00"},
            ],
            "UTC",
            utc(2026, 3, 2, 13, 30),
            utc(2026, 3, 2, 15, 0),
        ),
        (
            [{"startTime": "00:00", "endTime": "00:00"}],
            "UTC",
            utc(2026, 3, 2, 3),
            utc(2026, 3, 2, 3),
        ),
        # Spring forward (8 March 2026): 09:00 EDT is 13:00 UTC, no longer 14:00.
        (DAY, "America/New_York", utc(2026, 3, 8, 6, 0), utc(2026, 3, 8, 13, 0)),
        # A start the jump skips (02:30) is read with the offset before it: 03:30 EDT.
        (
            [{"startTime": "02:30", "endTime": "02:45"}],
            "America/New_York",
            utc(2026, 3, 8, 5, 0),
            utc(2026, 3, 8, 7, 30),
        ),
        # Fall back (1 November 2026): 01:30 comes twice; the first one opens.
        (
            [{"startTime": "01:30", "endTime": "01:45"}],
            "America/New_York",
            utc(2026, 11, 1, 4, 0),
            utc(2026, 11, 1, 5, 30),
        ),
    ],
)
def test_next_opening(
    slots: list[dict[str, str]], zone: str, now: datetime, opening: datetime
) -> None:
    assert next_opening(slots, zone, now) == opening


def test_the_callee_zone_comes_from_the_number() -> None:
    assert callee_zone("+919876543210") in {"Asia/Calcutta", "Asia/Kolkata"}
    assert callee_zone("+12015550127") == "America/New_York"
    assert callee_zone("+999") == "UTC"  # unparseable: UTC
