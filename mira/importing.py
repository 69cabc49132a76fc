"""Transcript files into meetings: `mira import`, the CLI's counterpart of `POST /meetings`
followed by `PUT /meetings/{id}/transcript` with the file, through the same domain functions.

Each file is parsed (by the API's parsers) before anything is written, so a broken one leaves no
meeting behind, and is parsed once: its segments go to `attach_transcript` as the JSON body would.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from mira.coach.transcripts import assign_roles, parse_transcript, sniff_format
from mira.coaching.meetings import attach_transcript, create_meeting
from mira.errors import BadRequest, NotFound
from mira.timestamps import to_wire
from models import User

CONTRACT = Path(__file__).resolve().parent.parent / "spec" / "coaching.openapi.json"
SCHEMAS = json.loads(CONTRACT.read_text())["components"]["schemas"]
# The call types the API accepts, so that an imported meeting is one the API could have recorded.
CALL_TYPES: list[str] = SCHEMAS["CallType"]["enum"]
TRANSCRIPT_SUFFIXES = (".vtt", ".srt", ".txt")


def transcript_files(paths: Iterable[Path]) -> list[Path]:
    """The files named, and the transcripts found under the directories named; each once."""
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in TRANSCRIPT_SUFFIXES:
                    found[child] = None
        else:
            found[path] = None
    return list(found)


def find_rep(session: Session, organization_id: uuid.UUID, who: str) -> User:
    """A user of the organization by email, else by name; a shared name must be given as email."""
    matches = session.scalars(
        select(User)
        .where(
            User.organization_id == organization_id,
            or_(func.lower(User.email) == who.lower(), func.lower(User.name) == who.lower()),
        )
        .order_by(User.email)
    ).all()
    by_email = [user for user in matches if user.email.lower() == who.lower()]
    if by_email:
        return by_email[0]
    if not matches:
        raise NotFound(f"No user '{who}' in this organization")
    if len(matches) > 1:
        emails = ", ".join(user.email for user in matches)
        raise BadRequest(f"{len(matches)} users are named '{who}' ({emails}); give the email")
    return matches[0]


def import_transcript(
    session: Session,
    rep: User,
    path: Path,
    meeting: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """One file as one meeting of `rep`, queued for analysis exactly as the API queues it.

    `meeting` holds the `call_type`, and optionally `started_at` and `prospect`, of the API's
    meeting body; the title is the file's name, the start its modification time, and the
    prospect the first speaker who is not the rep. Raises TranscriptError naming the line.
    """
    content = path.read_bytes().decode("utf-8", errors="replace")
    segments = assign_roles(parse_transcript(content, sniff_format(path.name, content)), [rep.name])
    speaker = next((s["speaker"] for s in segments if s["role"] == "prospect"), "Prospect")
    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0)
    fields = {
        "user_id": str(rep.id),
        "title": path.stem,
        "started_at": to_wire(modified),
        **meeting,
        "prospect": {"name": speaker, **meeting.get("prospect", {})},
    }
    created = create_meeting(session, rep.organization_id, fields, now)
    return attach_transcript(
        session,
        rep.organization_id,
        uuid.UUID(created["id"]),
        {"segments": segments},
        "application/json",
        now,
    )
