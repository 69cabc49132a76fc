"""Turning spec-validated parameters into domain values, where the spec cannot say it all."""

from __future__ import annotations

import uuid
from datetime import datetime

from mira.timestamps import parse_timestamp


def optional_uuid(value: str | None) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(value)


def optional_timestamp(value: str | None, name: str) -> datetime | None:
    return parse_timestamp(value, f"query parameter '{name}'")
