"""What is answered at the edge, before Connexion routes a request.

Connexion and Starlette have their own answers to these cases — a 307 redirect with an empty body
for a trailing slash, a 500 for HEAD under response validation, the last of repeated query
parameters silently winning, a chunked body read as none, unbounded bodies — none of which the
contract documents. Here they become envelope errors, and the spec is served as written (with
its `$ref`s, which generated clients name their types after), not Connexion's resolved copy.

The body is read whole here, within `body_timeout_seconds` (408 after), before security and the
handler run: nothing downstream — a database connection above all — waits on a slow client.
Then at most `writes_in_flight` requests other than GETs go on at once; the rest wait their turn
(503 after `write_wait_seconds`), so that reads never queue behind a burst of writes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from urllib.parse import parse_qsl

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mira.apis import Api, api_for

# Headers that say who a request is for, or which request it is: given twice, one reader could
# take the first and another the last (authentication and the rate limit did).
SINGLE_HEADERS = frozenset(
    {b"authorization", b"x-public-key", b"x-private-key", b"workspace", b"idempotency-key"}
)


async def _answer(send: Send, api: Api, status: int, message: str, headers: dict[str, str]) -> None:
    body = orjson.dumps(api.body(status, message))
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in headers.items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


class ClientGone(Exception):
    """The client disconnected before its body arrived: nobody is left to answer."""


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """`receive` for the app downstream: the body already read, then the client's own
    messages (a disconnect)."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _has_body(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return bool(value != b"0")
    return False


class EdgeMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        apis: Sequence[Api],
        max_body_bytes: int,
        body_timeout_seconds: float,
        writes_in_flight: int,
        write_wait_seconds: float,
    ) -> None:
        self.app = app
        self.apis = apis
        self.max_body_bytes = max_body_bytes
        self.body_timeout_seconds = body_timeout_seconds
        # A burst of writes waits here, a few at a time, rather than as a hundred interleaved
        # tasks on the loop that every read would queue behind; reads pass straight on.
        self.writes = asyncio.Semaphore(writes_in_flight)
        self.write_wait_seconds = write_wait_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        api = api_for(self.apis, path)
        refusal = self._refusal(api, scope, path)
        if refusal is not None:
            await _answer(send, api, *refusal)
            return
        if path == api.spec_path:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": api.spec_bytes})
            return
        if _has_body(scope):
            try:
                async with asyncio.timeout(self.body_timeout_seconds):
                    body = await _read_body(receive)
            except TimeoutError:
                seconds = self.body_timeout_seconds
                message = f"The request body did not arrive within {seconds:g} s"
                await _answer(send, api, 408, message, {"Connection": "close"})
                return
            except ClientGone:
                return
            receive = _replaying(body, receive)
        if scope["method"] == "GET":
            await self.app(scope, receive, send)
            return
        try:
            async with asyncio.timeout(self.write_wait_seconds):
                await self.writes.acquire()
        except TimeoutError:
            seconds = self.write_wait_seconds
            message = (
                f"The server is busy: no write could start within {seconds:g} s. Retry shortly."
            )
            await _answer(send, api, 503, message, {"Retry-After": "1"})
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.writes.release()

    def _refusal(self, api: Api, scope: Scope, path: str) -> tuple[int, str, dict[str, str]] | None:
        method: str = scope["method"]
        if path.startswith(api.ui_path) or path == api.spec_path:
            if method != "GET":
                return 405, f"Method {method} is not allowed on {path}", {"Allow": "GET"}
            return None
        if path.endswith("/"):
            return 404, f"No endpoint at {path}", {}
        if method == "HEAD":
            allow = api.allowed.of(path)
            if allow is None:
                return 404, f"No endpoint at {path}", {}
            return 405, f"Method HEAD is not allowed on {path}", {"Allow": allow}
        query = scope.get("query_string", b"").decode("latin-1")
        seen: set[str] = set()
        for name, _ in parse_qsl(query, keep_blank_values=True):
            if name in seen:
                return 400, f"query parameter '{name}' is given more than once", {}
            seen.add(name)
        names = [name for name, _ in scope.get("headers", [])]
        for name in SINGLE_HEADERS.intersection(names):
            if names.count(name) > 1:
                return 400, f"header '{name.decode()}' is given more than once", {}
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length")
        if length is None and b"transfer-encoding" in headers:
            # Connexion reads a body without Content-Length as no body at all.
            return 411, "Send the request body with a Content-Length header", {}
        if length is not None and length.isdigit() and int(length) > self.max_body_bytes:
            return 413, f"Request body is larger than {self.max_body_bytes} bytes", {}
        return None
