"""Real HTTP servers on 127.0.0.1 for tests, and an HTTP client that can reach nothing else.

`Receiver` records every request and answers from a script; `loopback_client` is what the tests'
workers post with, so that rows other tests left behind (Schemathesis subscribes random hosts)
never make a test contact the internet.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

import httpx
from sqlalchemy import update

from mira.runtime import Runtime
from mira.worker import Worker
from models import Call, CallAttempt, WebhookDelivery


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b"{}"
    # Seconds to hold the answer back (bounded: closing the receiver releases it at once).
    delay: float = 0.0


class Receiver:
    """An HTTP server on an ephemeral port of 127.0.0.1, answering each request with `reply`."""

    def __init__(self, reply: Callable[[Received], Reply] = lambda _r: Reply()) -> None:
        self.received: list[Received] = []
        self.released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            # The answer leaves in one segment, at once: a receiver that lets Nagle's algorithm
            # hold its body back behind the client's delayed ACK costs every delivery ~40 ms.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                request = Received(
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                receiver.received.append(request)
                answer = reply(request)
                if answer.delay:
                    receiver.released.wait(min(answer.delay, 5.0))
                self.send_response(answer.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that timed out and hung up is expected

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.timeout = 1.0
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=2.0)


def replies(*statuses: int) -> Callable[[Received], Reply]:
    """Answer with these statuses in turn, then 200 for ever."""
    remaining = list(statuses)
    return lambda _request: Reply(remaining.pop(0) if remaining else 200)


class _LoopbackOnly(httpx.BaseTransport):
    def __init__(self) -> None:
        self.transport = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host != "127.0.0.1":
            raise httpx.ConnectError("tests reach 127.0.0.1 only", request=request)
        return self.transport.handle_request(request)

    def close(self) -> None:
        self.transport.close()


def loopback_client(timeout: float = 2.0) -> httpx.Client:
    return httpx.Client(transport=_LoopbackOnly(), timeout=timeout)


def loopback_worker(runtime: Runtime) -> Worker:
    """The worker `mira worker` would start, posting through `loopback_client`."""
    worker = Worker.start(runtime)
    worker.client.close()
    worker.client = loopback_client()
    return worker


def run_until(step: Callable[[], object], done: Callable[[], bool], rounds: int = 10) -> None:
    """Call `step` until `done`: other tests' leftovers may share the worker's batches."""
    for _ in range(rounds):
        step()
        if done():
            return
    raise AssertionError(f"not done after {rounds} rounds")


def settle_queue(runtime: Runtime, rounds: int = 20) -> None:
    """Finish the analyses other tests left due, hold the calls they left queued, then retire
    every undelivered event.

    The whole run shares one database and the worker claims across tenants: without this, a
    test's delivery can wait behind thousands that Schemathesis queued for hosts that don't exist.
    """
    worker = loopback_worker(runtime)
    for _ in range(rounds):
        if not worker.analyse_due_meetings() + worker.score_due_roleplays():
            break
    with runtime.sessions.begin() as session:
        session.execute(update(Call).values(next_attempt_at=None))
        session.execute(update(CallAttempt).values(due_at=None))
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.status == "pending")
            .values(status="failed", next_attempt_at=None)
        )
