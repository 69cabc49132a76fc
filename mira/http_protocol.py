"""The HTTP/1.1 connection as gunicorn's uvicorn workers serve it, with the bounds uvicorn lacks.

uvicorn's httptools protocol accepts a request line and headers of any size (a 64 MB header
holds a worker for seconds and grows it by a hundred MiB) and waits for them for ever. Here the
head of a request is bounded before anything else reads it: `max_header_bytes` for the request
line and headers together, `max_header_field_bytes` for any one header (431), and
`header_timeout_seconds` from the connection's first byte, or the previous response, to the end
of the headers (408). The refusal is a JSON error in the shape of the API the path belongs to,
and the connection is closed. Bodies are bounded in time by mira.edge.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn_worker import UvicornWorker

from mira.apis import Api, api_for
from mira.app import edge_apis
from mira.settings import Settings

_REASONS = {408: b"Request Timeout", 431: b"Request Header Fields Too Large"}


class HeadRefused(Exception):
    """Raised from a parser callback: the parser stops, and the refusal is answered."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    settings: Settings
    apis: Sequence[Api]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.url = b""
        # Bytes received of a head not yet parsed whole, and the sizes the parser reported.
        self._head_received = 0
        self._head_parsed = 0
        self._awaiting_head = True
        self._refusal: tuple[int, str] | None = None
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def _await_head(self) -> None:
        self._awaiting_head = True
        self._head_received = self._head_parsed = 0
        self._stop_head_timer()
        self._head_timer = self.loop.call_later(
            self.settings.header_timeout_seconds, self._head_timed_out
        )

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self._head_received == 0:
            # An idle connection between requests: closed without a word, as keep-alive does.
            self.transport.close()
            return
        seconds = self.settings.header_timeout_seconds
        self._refuse(408, f"The request's headers did not arrive within {seconds:g} s")

    def data_received(self, data: bytes) -> None:
        head_before = self._awaiting_head
        super().data_received(data)
        if head_before and self._awaiting_head and not self.transport.is_closing():
            # Bytes the parser holds for headers it has not finished: bounded before they grow.
            self._head_received += len(data)
            if self._head_received > self.settings.max_header_bytes:
                self._refuse(431, self._too_large())

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        self._count(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        if len(name) + len(value) > self.settings.max_header_field_bytes:
            self._refusal = (
                431,
                f"Header '{name.decode('latin-1')[:64]}' is larger than"
                f" {self.settings.max_header_field_bytes} bytes",
            )
            raise HeadRefused
        super().on_header(name, value)
        self._count(len(name) + len(value) + 4)

    def _count(self, size: int) -> None:
        # Exact sizes, for a head whose last bytes came in the same read as its end.
        self._head_parsed += size
        if self._head_parsed > self.settings.max_header_bytes:
            self._refusal = (431, self._too_large())
            raise HeadRefused

    def _too_large(self) -> str:
        return f"Request line and headers are larger than {self.settings.max_header_bytes} bytes"

    def on_headers_complete(self) -> None:
        self._awaiting_head = False
        self._stop_head_timer()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._await_head()

    def send_400_response(self, msg: str) -> None:
        """uvicorn answers every parser failure here; a refused head answers its own status."""
        if self._refusal is None:
            super().send_400_response(msg)
            return
        self._refuse(*self._refusal)

    def _refuse(self, status: int, message: str) -> None:
        self._stop_head_timer()
        path = self.url.split(b"?", 1)[0].decode("latin-1") or "/"
        body = orjson.dumps(api_for(self.apis, path).body(status, message))
        head = (
            b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n" % (status, _REASONS[status], len(body))
        )
        self.transport.write(head + body)
        self.transport.close()


class MiraUvicornWorker(UvicornWorker):  # type: ignore[misc]
    """gunicorn's uvicorn worker, serving HTTP with `BoundedHttpToolsProtocol`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        protocol = type(
            "BoundedHttpToolsProtocol",
            (BoundedHttpToolsProtocol,),
            {"settings": Settings.from_env(), "apis": edge_apis()},
        )
        self.CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "http": protocol}
        super().__init__(*args, **kwargs)
