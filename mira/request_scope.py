"""A request's unit of work: one database session and one transaction, from the security
function that reads the caller's key to the handler, committed when the handler succeeds.

`RequestScopeMiddleware` opens the scope for every HTTP request and ends whatever the handler did
not (a request refused by validation rolls back). `in_request_scope` makes the scope current
where the handler runs (the event loop; on SQLite a thread for writes) and commits before the
response is serialised. The session may pass from the loop to that thread, never used by two at
once.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import Executor
from contextvars import ContextVar
from typing import Any

from connexion import request
from connexion.context import scope as connexion_scope
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Receive, Scope, Send

from mira.runtime import Runtime
from mira.settings import Settings

SCOPE_KEY = "mira.request"


class RequestScope:
    __slots__ = ("runtime", "read_only", "_session")

    def __init__(self, runtime: Runtime, read_only: bool) -> None:
        self.runtime = runtime
        # GET requests write nothing: their session reads without a transaction.
        self.read_only = read_only
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            factory = self.runtime.readers if self.read_only else self.runtime.sessions
            self._session = factory()
        return self._session

    def end(self, commit: bool) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            if commit:
                session.commit()
        finally:
            # Closing rolls back whatever was not committed.
            session.close()


def scope_of(asgi_scope: Scope) -> RequestScope:
    request_scope: RequestScope = asgi_scope[SCOPE_KEY]
    return request_scope


class RequestScopeMiddleware:
    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_scope = scope[SCOPE_KEY] = RequestScope(self.runtime, scope["method"] == "GET")
        try:
            await self.app(scope, receive, send)
        finally:
            request_scope.end(commit=False)


_current: ContextVar[RequestScope] = ContextVar("mira.request_scope")


def request_session() -> Session:
    return _current.get().session


def request_settings() -> Settings:
    return _current.get().runtime.settings


def request_content_type() -> str:
    mimetype: str = request.mimetype
    return mimetype


def request_header(name: str) -> str | None:
    """A header the spec has validated: Connexion passes handlers no header parameters."""
    value: str | None = request.headers.get(name)
    return value


def _succeeded(answer: Any) -> bool:
    return not isinstance(answer, tuple) or answer[1] < 400


def in_request_scope(
    handler: Callable[..., Any], reads_only: bool, writers: Executor | None
) -> Callable[..., Any]:
    """`handler` inside its request's unit of work: committed if it answers a success, rolled
    back otherwise.

    It runs on the event loop itself, as a coroutine to Connexion (which would otherwise hop
    through anyio's pool): handlers wait on nothing but the database, and a hop to a thread,
    with the GIL passed back and forth, costs more than the wait (a third of the throughput of
    an initiated call). A handler that writes runs in `writers` when there are any: where a
    write may wait long for a lock (SQLite's one writer, up to its busy timeout), so that the
    waiting holds up no other request."""

    def run(*args: Any, **kwargs: Any) -> Any:
        request_scope = scope_of(connexion_scope)
        token = _current.set(request_scope)
        succeeded = False
        try:
            answer = handler(*args, **kwargs)
            succeeded = _succeeded(answer)
            return answer
        finally:
            request_scope.end(commit=succeeded)
            _current.reset(token)

    @functools.wraps(handler)
    async def run_on_loop(*args: Any, **kwargs: Any) -> Any:
        return run(*args, **kwargs)

    if reads_only or writers is None:
        return run_on_loop
    pool = writers

    @functools.wraps(handler)
    async def run_in_thread(*args: Any, **kwargs: Any) -> Any:
        call = functools.partial(contextvars.copy_context().run, run, *args, **kwargs)
        done = asyncio.get_running_loop().run_in_executor(pool, call)
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            # The client went away: the unit of work ends in its thread before the request's
            # scope is closed on the loop, never both at once.
            await asyncio.wait([done])
            raise

    return run_in_thread
