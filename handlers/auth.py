"""Connexion security functions.

They read the key in the request's own transaction (mira.request_scope), which the handler then
continues: one connection and one transaction per request.
"""

from __future__ import annotations

from typing import Any

from connexion.lifecycle import ConnexionRequest

from mira.keys import authenticate
from mira.request_scope import request_header, scope_of
from mira.voice.keys import PUBLIC_KEY, VoiceCaller, authenticate_pair


async def bearer_info(token: str, request: ConnexionRequest) -> dict[str, Any] | None:
    request_scope = scope_of(request.scope)
    caller = await request_scope.run(lambda: authenticate(request_scope.session, token))
    if caller is None:
        return None
    return {"sub": str(caller.key_id), "caller": caller}


def public_key_info(key: str, request: ConnexionRequest) -> dict[str, Any] | None:
    """Only the format: the pair is checked together, by `private_key_info`."""
    return {"sub": key} if PUBLIC_KEY.match(key) else None


async def private_key_info(key: str, request: ConnexionRequest) -> dict[str, Any] | None:
    public_key = request.headers.get("x-public-key", "")
    request_scope = scope_of(request.scope)
    caller = await request_scope.run(
        lambda: authenticate_pair(request_scope.session, public_key, key)
    )
    if caller is None:
        return None
    return {"sub": str(caller.key_pair_id), "caller": caller}


def voice_caller(token_info: dict[str, Any]) -> VoiceCaller:
    """The caller behind both key schemes (Connexion keys the result by scheme name)."""
    caller: VoiceCaller = token_info["privateKey"]["caller"]
    return caller


def workspace_header() -> str:
    """The validated `workspace` header: Connexion passes path, query and body parameters to
    handlers, never header parameters."""
    workspace = request_header("workspace")
    assert workspace is not None  # required by the spec
    return workspace
