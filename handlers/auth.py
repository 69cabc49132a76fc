"""Connexion security functions."""

from __future__ import annotations

from typing import Any

from connexion.lifecycle import ConnexionRequest
from flask import request as flask_request
from starlette.concurrency import run_in_threadpool

from mira.db import session_scope
from mira.keys import Caller, authenticate
from mira.runtime import RUNTIME_SCOPE_KEY, Runtime
from mira.voice.keys import PUBLIC_KEY, VoiceCaller, authenticate_pair


def _authenticate(runtime: Runtime, token: str) -> Caller | None:
    with session_scope(runtime.sessions) as session:
        return authenticate(session, token)


async def bearer_info(token: str, request: ConnexionRequest) -> dict[str, Any] | None:
    runtime: Runtime = request.scope[RUNTIME_SCOPE_KEY]
    caller = await run_in_threadpool(_authenticate, runtime, token)
    if caller is None:
        return None
    return {"sub": str(caller.key_id), "caller": caller}


def _authenticate_pair(runtime: Runtime, public_key: str, private_key: str) -> VoiceCaller | None:
    with session_scope(runtime.sessions) as session:
        return authenticate_pair(session, public_key, private_key)


async def public_key_info(key: str, request: ConnexionRequest) -> dict[str, Any] | None:
    """Only the format: the pair is checked together, by `private_key_info`."""
    return {"sub": key} if PUBLIC_KEY.match(key) else None


async def private_key_info(key: str, request: ConnexionRequest) -> dict[str, Any] | None:
    runtime: Runtime = request.scope[RUNTIME_SCOPE_KEY]
    public_key = request.headers.get("x-public-key", "")
    caller = await run_in_threadpool(_authenticate_pair, runtime, public_key, key)
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
    return flask_request.headers["workspace"]
