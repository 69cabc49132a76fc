"""HTTP/1.1 clients over raw asyncio sockets, for bench.hostile: ordinary one-shot requests,
clients that dribble their head or body, header bombs, and the canary that watches latency
meanwhile. Raw sockets send what httpx will not (repeated credentials, `Bearer<TAB>key`, a head
that never ends) and cost the load generator little."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

HOST = "127.0.0.1"
# A client gives up on an answer after this long: a transport failure.
ANSWER_TIMEOUT = 30.0


@dataclass
class Tally:
    """Requests of one kind: how many were tried, their answers by status, how many failed on
    the wire (reset, closed unanswered, timed out), and how many were still open at the end."""

    tried: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failed: int = 0
    open: int = 0

    def record(self, status: int | None) -> None:
        self.tried += 1
        if status is None:
            self.failed += 1
        else:
            self.statuses[status] += 1

    def answered(self) -> str:
        return ", ".join(f"{s}×{n}" for s, n in sorted(self.statuses.items())) or "none"


def request_head(method: str, path: str, headers: list[tuple[str, str]], length: int) -> bytes:
    """A request line and headers as given (repeats kept), closing the connection after."""
    lines = [f"{method} {path} HTTP/1.1", f"host: {HOST}", "connection: close"]
    lines += [f"{name}: {value}" for name, value in headers]
    if length or method in {"POST", "PUT"}:
        lines.append(f"content-length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def status_of(head: bytes) -> int:
    return int(head.split(b" ", 2)[1])


async def _final_status(reader: asyncio.StreamReader) -> int:
    """The status of the first final (not 1xx) answer."""
    while True:
        status = status_of(await reader.readuntil(b"\r\n\r\n"))
        if status >= 200:
            return status


async def exchange(port: int, head: bytes, body: bytes = b"", expect: bool = False) -> int | None:
    """One request on a connection of its own; its status, or None when the wire failed.

    With `expect`, the head says `Expect: 100-continue` and the body follows the interim
    answer, or after a second without one, as curl does."""
    writer = None
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(head)
        if expect:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 1.0)
                if status_of(head) >= 200:
                    return status_of(head)
            except TimeoutError:
                pass
        writer.write(body)
        return await asyncio.wait_for(_final_status(reader), ANSWER_TIMEOUT)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
        return None
    finally:
        if writer is not None:
            writer.close()


async def _answer_within(reader: asyncio.StreamReader, seconds: float) -> int | None:
    try:
        return await asyncio.wait_for(_final_status(reader), seconds)
    except TimeoutError:
        return None


async def dribble(
    port: int, first: bytes, drip: Callable[[int], bytes], every: float, tally: Tally, until: float
) -> None:
    """Clients that send `first`, then `drip(n)` every `every` seconds until answered, one after
    another until `until` (monotonic); an attempt unanswered then counts as open."""
    while time.monotonic() < until:
        writer = None
        try:
            reader, writer = await asyncio.open_connection(HOST, port)
            writer.write(first)
            drops = 0
            while time.monotonic() < until:
                status = await _answer_within(reader, min(every, until - time.monotonic()))
                if status is not None:
                    tally.record(status)
                    break
                drops += 1
                writer.write(drip(drops))
                await writer.drain()
            else:
                tally.tried += 1
                tally.open += 1
        except (OSError, asyncio.IncompleteReadError, ValueError):
            tally.record(None)
        finally:
            if writer is not None:
                writer.close()


@dataclass
class Bomb:
    """A head that never ends: bytes the kernel took before the server closed, and its answer."""

    sent: int = 0
    status: int | None = None


async def header_bomb(port: int, size: int) -> Bomb:
    """`size` bytes of one header, 64 KiB at a time, until the server closes the connection."""
    bomb = Bomb()
    chunk = b"a" * 65536
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(b"GET /api/v1/meetings HTTP/1.1\r\nhost: x\r\nx-bomb: ")
        while bomb.sent < size:
            writer.write(chunk)
            await asyncio.wait_for(writer.drain(), ANSWER_TIMEOUT)
            bomb.sent += len(chunk)
    except (OSError, TimeoutError):
        pass
    try:
        bomb.status = await asyncio.wait_for(_final_status(reader), 2.0)
    except (OSError, asyncio.IncompleteReadError, TimeoutError):
        pass
    writer.close()
    return bomb


# A canary sample: when it was due (monotonic), its latency in ms, its status (None: failed).
Sample = tuple[float, float, int | None]


def canary(
    port: int, path: str, headers: dict[str, str], start: float, stop: float, every: float
) -> list[Sample]:
    """GET `path` every `every` seconds from `start` to `stop` (monotonic, this machine's clock),
    each due on time whether or not the ones before it have been answered, so that a stall
    counts in full. Run in a process of its own: the load generator's loop would delay it."""
    return asyncio.run(_canary(port, path, headers, start, stop, every))


async def _canary(
    port: int, path: str, headers: dict[str, str], start: float, stop: float, every: float
) -> list[Sample]:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(
        base_url=f"http://{HOST}:{port}", headers=headers, limits=limits, timeout=ANSWER_TIMEOUT
    ) as client:

        async def probe(due: float) -> Sample:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            try:
                status: int | None = (await client.get(path)).status_code
            except httpx.HTTPError:
                status = None
            return due, (time.monotonic() - due) * 1000, status

        count = max(0, int((stop - start) / every))
        return await asyncio.gather(*(probe(start + n * every) for n in range(count)))
