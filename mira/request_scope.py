"""A request's unit of work: one database session and one transaction, from the security
function that reads the caller's key to the handler, committed when the handler succeeds.

`RequestScopeMiddleware` opens the scope for every HTTP request and ends whatever the handler did
not (a request refused by validation rolls back). Connexion runs each synchronous handler in a
worker thread; `in_request_scope` makes the scope current there and commits before the response
is serialised. The session passes from the event loop to that thread, never used by two at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
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


def in_request_scope(handler: Callable[..., Any]) -> Callable[..., Any]:
    """`handler` inside its request's unit of work: committed if it answers a success, rolled
    back otherwise."""

    @functools.wraps(handler)
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

    return run
