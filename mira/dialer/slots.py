"""Calling slots: daily `HH:MM`–`HH:MM` windows in a time zone.

An end before the start runs past midnight; equal times mean the whole day. A slot opens at its
start and closes at its end (exclusive). A start a daylight-saving jump skips is read with the
offset before the jump, as zoneinfo reads it (02:30 is 03:30 new time); of a repeated hour the
first occurrence counts (decision 45).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as number_zones

DEFAULT_ZONE = "UTC"


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _is_open(start: time, end: time, local: time) -> bool:
    if start == end:
        return True
    if start < end:
        return start <= local < end
    return local >= start or local < end


def next_opening(slots: Iterable[Mapping[str, str]], zone: str, now: datetime) -> datetime:
    """`now` when a slot is open, else the earliest moment one opens (UTC)."""
    tz = ZoneInfo(zone)
    local = now.astimezone(tz)
    windows = [(_clock(slot["startTime"]), _clock(slot["endTime"])) for slot in slots]
    if any(_is_open(start, end, local.time()) for start, end in windows):
        return now
    # Compared in UTC: aware datetimes sharing a tzinfo compare by wall clock, which is wrong
    # across a daylight-saving change.
    openings = [
        datetime.combine(local.date() + timedelta(days=days), start, tzinfo=tz).astimezone(UTC)
        for days in (0, 1, 2)
        for start, _ in windows
    ]
    return min(moment for moment in openings if moment > now)


def callee_zone(phone_number: str) -> str:
    """The callee's time zone from the number, for a workspace without one: the first zone
    `phonenumbers` knows for it (a country with several zones gets its most populous listed)."""
    try:
        number = phonenumbers.parse(phone_number)
    except phonenumbers.NumberParseException:
        return DEFAULT_ZONE
    zones = [z for z in number_zones.time_zones_for_number(number) if z != "Etc/Unknown"]
    return zones[0] if zones else DEFAULT_ZONE
