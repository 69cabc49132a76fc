"""POST /v2/call/initiate, /web and /abort; GET /v2/call/get and /list; a call's deliveries.

Connexion passes no header parameters to handlers: `workspace` and `Idempotency-Key` are read
from the request (the spec has validated them).
"""

from __future__ import annotations

from typing import Any

from handlers.auth import voice_caller, workspace_header
from mira.pagination import Page
from mira.request_scope import request_header, request_session, request_settings
from mira.timestamps import parse_timestamp
from mira.voice import call_deliveries, calls
from mira.voice.web_calls import LiveKitServer, start_web_call
from models.base import utcnow

Answer = tuple[dict[str, Any], int] | tuple[dict[str, Any], int, dict[str, str]]


def _listed(message: str, found: Page) -> dict[str, Any]:
    return {"message": message, "data": list(found.items), "meta": found.voice_meta}


def initiate_call(token_info: dict[str, Any], body: dict[str, Any]) -> Answer:
    caller = voice_caller(token_info)
    initiated = calls.initiate_call(
        request_session(),
        caller.organization_id,
        workspace_header(),
        body,
        request_header("Idempotency-Key"),
        request_settings().webhook_allow_private,
        utcnow(),
    )
    answer = {"callId": initiated.call_id, "status": initiated.status}
    if initiated.replayed:
        return answer, 200, {"Idempotent-Replayed": "true"}
    return answer, 200


def initiate_web_call(token_info: dict[str, Any], body: dict[str, Any]) -> Answer:
    caller = voice_caller(token_info)
    settings = request_settings()
    server = LiveKitServer.configured(
        settings.livekit_url, settings.livekit_api_key, settings.livekit_api_secret
    )
    started = start_web_call(
        request_session(), caller.organization_id, workspace_header(), body, server
    )
    return started, 201


def abort_call(token_info: dict[str, Any], body: dict[str, Any]) -> Answer:
    caller = voice_caller(token_info)
    calls.abort_call(
        request_session(), caller.organization_id, workspace_header(), body["callId"], utcnow()
    )
    return {"message": "Call aborted successfully"}, 200


def get_call(token_info: dict[str, Any], call_id: str) -> Answer:
    caller = voice_caller(token_info)
    found = calls.get_call(request_session(), caller.organization_id, workspace_header(), call_id)
    return {"message": "Call fetched successfully", "data": found}, 200


def list_calls(
    token_info: dict[str, Any],
    page: int,
    limit: int,
    status: str | None = None,
    assistant: str | None = None,
    phone_number: str | None = None,
    from_: str | None = None,
    to: str | None = None,
) -> Answer:
    caller = voice_caller(token_info)
    filters = calls.CallFilter(
        status=status,
        assistant=assistant,
        phone_number=phone_number,
        created_from=parse_timestamp(from_, "query parameter 'from'"),
        created_to=parse_timestamp(to, "query parameter 'to'"),
    )
    found = calls.list_calls(
        request_session(),
        caller.organization_id,
        workspace_header(),
        filters,
        page=page,
        limit=limit,
    )
    return _listed("Calls fetched successfully", found), 200


def list_call_deliveries(
    token_info: dict[str, Any], call_id: str, page: int, limit: int, status: str | None = None
) -> Answer:
    caller = voice_caller(token_info)
    found = call_deliveries.list_call_deliveries(
        request_session(),
        caller.organization_id,
        workspace_header(),
        call_id,
        page=page,
        limit=limit,
        status=status,
    )
    return _listed("Deliveries fetched successfully", found), 200


def resend_call_delivery(token_info: dict[str, Any], delivery_id: str) -> Answer:
    caller = voice_caller(token_info)
    queued = call_deliveries.resend_call_delivery(
        request_session(), caller.organization_id, workspace_header(), delivery_id, utcnow()
    )
    return {"message": "Delivery queued", "data": queued}, 200
