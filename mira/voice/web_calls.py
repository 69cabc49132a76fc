"""Web calls (decision 39): a LiveKit token that admits a browser to a room of its own.

A web call is a browser test of an assistant: no call record, no events, no variant check. The
agent that joins the room reads the assistant, payload and prompt override from the caller's
participant metadata.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from livekit import api
from sqlalchemy.orm import Session

from mira.errors import ServiceUnavailable
from mira.voice.calls import find_live_assistant
from mira.voice.workspaces import find_workspace


@dataclass(frozen=True)
class LiveKitServer:
    url: str
    api_key: str
    api_secret: str

    @classmethod
    def configured(
        cls, url: str | None, api_key: str | None, api_secret: str | None
    ) -> LiveKitServer:
        if not (url and api_key and api_secret):
            raise ServiceUnavailable("Web calls are not configured on this server.")
        return cls(url, api_key, api_secret)


def start_web_call(
    session: Session,
    organization_id: uuid.UUID,
    workspace_id: str,
    body: dict[str, Any],
    server: LiveKitServer,
) -> dict[str, Any]:
    """A join token for a fresh room, bound to the assistant (which must be live)."""
    workspace = find_workspace(session, organization_id, workspace_id)
    assistant = find_live_assistant(session, workspace.id, body["assistant"])
    room = f"web-{assistant.id}-{secrets.token_hex(8)}"
    context = {
        "assistant": assistant.id,
        "workspace": workspace.id,
        "payload": body.get("payload", {}),
        "systemPrompt": body.get("systemPrompt"),
        "metadata": body.get("metadata", {}),
    }
    token = (
        api.AccessToken(server.api_key, server.api_secret)
        .with_identity(f"web-caller-{secrets.token_hex(8)}")
        .with_name("Web caller")
        .with_metadata(orjson.dumps(context).decode())
        .with_grants(api.VideoGrants(room_join=True, room=room))
        .to_jwt()
    )
    return {"success": True, "token": token, "error": None, "url": server.url, "roomName": room}
