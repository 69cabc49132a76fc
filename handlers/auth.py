"""Connexion security functions.

They read the key in the request's own transaction (mira.request_scope), which the handler then
continues, and where the handler runs: one connection and one transaction per request.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from connexion.lifecycle import ConnexionRequest

from mira.keys import authenticate
from mira.request_scope import request_header, scope_of
from mira.voice.keys import PUBLIC_KEY, VoiceCaller, authenticate_pair

Info = dict[str, Any] | None
# The caller's token info, or for a write a coroutine finding it off the event loop.
TokenInfo = Info | Coroutine[Any, Any, Info]


def bearer_info(token: str, request: ConnexionRequest) -> TokenInfo:
    request_scope = scope_of(request.scope)

    def check() -> Info:
        caller = authenticate(request_scope.session, token)
        return None if caller is None else {"sub": str(caller.key_id), "caller": caller}

    return request_scope.where_it_runs(check)


def public_key_info(key: str, request: ConnexionRequest) -> dict[str, Any] | None:
    """Only the format: the pair is checked together, by `private_key_info`."""
    return {"sub": key} if PUBLIC_KEY.match(key) else None


def private_key_info(key: str, request: ConnexionRequest) -> TokenInfo:
    request_scope = scope_of(request.scope)
    public_key = request.headers.get("x-public-key", "")

    def check() -> Info:
        caller = authenticate_pair(request_scope.session, public_key, key)
        return None if caller is None else {"sub": str(caller.key_pair_id), "caller": caller}

    return request_scope.where_it_runs(check)


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
