"""POST /v2/workspace/onboard/shopify."""

from __future__ import annotations

from typing import Any

from handlers.auth import voice_caller
from mira.request_scope import request_session
from mira.voice.workspaces import onboard_shopify_store as onboard
from models.base import utcnow


def onboard_shopify_store(
    token_info: dict[str, Any], body: dict[str, Any]
) -> tuple[dict[str, Any], int]:
    caller = voice_caller(token_info)
    onboarded, created = onboard(request_session(), caller.organization_id, body, utcnow())
    return onboarded, 201 if created else 200
