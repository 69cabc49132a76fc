"""The voice side of `mira demo`: the reference's own store, assistants and calls, from the
documented request examples, so a newcomer can curl the voice agents API at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mira.voice.assistants import create_from_admin
from mira.voice.calls import initiate_call
from mira.voice.contract import request_example
from mira.voice.keys import create_key_pair
from mira.voice.workspaces import onboard_shopify_store
from models import Assistant, Organization

ONBOARD = "/v2/workspace/onboard/shopify"
ASSISTANT_CREATE = "/v1/admin/assistant/create"
INITIATE = "/v2/call/initiate"
VARIANTS = ("abandonedCart", "custom")


@dataclass(frozen=True)
class VoiceDemo:
    public_key: str
    private_key: str
    workspace: str
    # The assistant of each documented example, by example name.
    assistants: dict[str, str]


def create_voice_demo(
    session: Session, organization: Organization, secret_key: str, now: datetime
) -> VoiceDemo:
    """The demo store once, with an assistant and a queued call per variant, and a new admin key
    pair every time. The calls have no callback URL: the demo sends nothing off this machine."""
    onboarded, created = onboard_shopify_store(
        session, organization.id, request_example(ONBOARD, "reference"), now
    )
    workspace = onboarded["workspace"]
    assistants = {}
    for variant in VARIANTS:
        body = request_example(ASSISTANT_CREATE, variant)
        if created:
            assistant = create_from_admin(session, organization.id, workspace, body, now)
            call = request_example(INITIATE, variant) | {"assistant": assistant.id}
            call.pop("callbackUrl", None)
            initiate_call(session, organization.id, workspace, call, None, False, now)
        else:
            assistant = session.scalars(
                select(Assistant).where(
                    Assistant.workspace_id == workspace, Assistant.name == body["name"]
                )
            ).one()
        assistants[variant] = assistant.id
    public_key, private_key = create_key_pair(session, organization, "admin", secret_key)
    return VoiceDemo(public_key, private_key, workspace, assistants)
