"""A request's unit of work: one database session and one transaction, from the security
function that reads the caller's key to the handler, committed when the handler succeeds.

The domain is synchronous; requests run it in a greenlet over the asyncio engine
(`RequestDatabase`), so that every wait on the database — a pool checkout, a statement, a
commit — is an `await` on the event loop and holds up no other request of the worker. The body
has arrived before any of it starts (mira.edge): no connection waits on a slow client.

`RequestScopeMiddleware` opens the scope for every HTTP request and ends whatever the handler did
not (a request refused by validation rolls back). `in_request_scope` makes the scope current
where the handler runs and commits before the response is serialised.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from connexion import request
from connexion.context import scope as connexion_scope
from sqlalchemy.exc import OperationalError, TimeoutError
from sqlalchemy.orm import Session
from sqlalchemy.util import await_, greenlet_spawn
from starlette.types import ASGIApp, Receive, Scope, Send

from mira.errors import Busy
from mira.rate_limits import SCOPE_KEY as RATE_LIMITER_KEY
from mira.runtime import Runtime
from mira.settings import Settings

log = logging.getLogger("mira.requests")

SCOPE_KEY = "mira.request"
Result = TypeVar("Result")


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
            database = self.runtime.requests
            self._session = (database.readers if self.read_only else database.sessions)()
        return self._session

    @property
    def is_open(self) -> bool:
        return self._session is not None

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

    async def run(self, work: Callable[..., Result], *args: Any, **kwargs: Any) -> Result:
        """`work` on this request's session, its database waits awaited on the loop. A pool
        that stays exhausted for `db_pool_timeout`, or a database that cannot be reached, is
        a 503 with Retry-After rather than a hang or a 500."""
        try:
            return await greenlet_spawn(work, *args, **kwargs)
        except TimeoutError as exhausted:
            timeout = self.runtime.settings.db_pool_timeout
            raise Busy(
                f"The server is busy: no database connection came free in {timeout:g} s."
                " Retry shortly."
            ) from exhausted
        except OperationalError as unreachable:
            # Refused or dropped connections, a restarting server, SQLite's writer held past
            # its busy timeout: the transaction is gone and a retry will do.
            log.warning("database unavailable to a request: %s", unreachable.orig)
            raise Busy("The database cannot be reached right now. Retry shortly.") from unreachable


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
            if request_scope.is_open:
                await greenlet_spawn(request_scope.end, False)


_current: ContextVar[RequestScope] = ContextVar("mira.request_scope")


def request_session() -> Session:
    return _current.get().session


def request_settings() -> Settings:
    return _current.get().runtime.settings


def request_rate_limits() -> str:
    """The rate limiter's state as /health reports it; its storage is asked in a thread."""
    limiter = connexion_scope.get(RATE_LIMITER_KEY)
    if limiter is None:
        return "off"
    state: str = await_(asyncio.to_thread(limiter.state))
    return state


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
    back otherwise. A coroutine to Connexion, which would otherwise hop through anyio's thread
    pool: the handler's waits are the loop's already."""

    def run(request_scope: RequestScope, *args: Any, **kwargs: Any) -> Any:
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
    async def run_in_scope(*args: Any, **kwargs: Any) -> Any:
        request_scope = scope_of(connexion_scope)
        return await request_scope.run(run, request_scope, *args, **kwargs)

    return run_in_scope
