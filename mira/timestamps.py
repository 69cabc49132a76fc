"""Timestamps on the wire: RFC 3339 in, UTC ISO 8601 with `Z` out."""

from __future__ import annotations

from datetime import UTC, datetime

from mira.errors import BadRequest


def to_wire(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_timestamp(value: str | None, where: str) -> datetime | None:
    """A spec-validated date-time; RFC 3339 admits moments Python cannot hold, a 400 too."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.upper())
        if parsed.tzinfo is None:
            raise ValueError("no offset")
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadRequest(
            f"{where}: '{value}' is not a supported date-time "
            "(use RFC 3339 with an offset, e.g. 2025-01-15T10:30:00Z)"
        ) from None
