"""Connexion security functions."""

from __future__ import annotations

from typing import Any

from connexion.lifecycle import ConnexionRequest
from starlette.concurrency import run_in_threadpool

from mira.db import session_scope
from mira.keys import Caller, authenticate
from mira.runtime import RUNTIME_SCOPE_KEY, Runtime


def _authenticate(runtime: Runtime, token: str) -> Caller | None:
    with session_scope(runtime.sessions) as session:
        return authenticate(session, token)


async def bearer_info(token: str, request: ConnexionRequest) -> dict[str, Any] | None:
    runtime: Runtime = request.scope[RUNTIME_SCOPE_KEY]
    caller = await run_in_threadpool(_authenticate, runtime, token)
    if caller is None:
        return None
    return {"sub": str(caller.key_id), "caller": caller}
