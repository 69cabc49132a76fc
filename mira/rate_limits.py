"""Rate limits per API key, voice key pair or client IP, counted where every worker and every
machine sees them.

Counters live in the server's own database by default (a fixed-window `limits` storage over one
upsert), or in any storage `limits` knows, e.g. Redis, via MIRA_RATE_LIMIT_STORAGE.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import anyio.to_thread
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import Engine, delete, select, text
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mira.apis import Api, api_for
from mira.errors import ApiError, Busy
from models import RateLimitCounter

log = logging.getLogger("mira.rate_limits")

LIMIT_EXCEEDED = "Rate limit exceeded. Please retry after 60 seconds."
# Where the middleware leaves the limiter for /health to report.
SCOPE_KEY = "mira.rate_limiter"
# A failing storage is logged at most once in this many seconds; every failure is counted.
LOG_EVERY_SECONDS = 10.0

_INCREMENT = text(
    "INSERT INTO rate_limit_counters (key, count, expires_at) VALUES (:key, :amount, :new_expiry)"
    " ON CONFLICT (key) DO UPDATE SET"
    " count = CASE WHEN rate_limit_counters.expires_at <= :now THEN :amount"
    " ELSE rate_limit_counters.count + :amount END,"
    " expires_at = CASE WHEN rate_limit_counters.expires_at <= :now THEN :new_expiry"
    " ELSE rate_limit_counters.expires_at END"
    " RETURNING count"
)


class DatabaseStorage(Storage):
    """Fixed-window counters in the `rate_limit_counters` table (SQLite 3.35+ or PostgreSQL)."""

    STORAGE_SCHEME = ["mira-database"]

    # Every this many increments, windows that ended are deleted so the table stays small.
    PRUNE_EVERY = 1000

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self.increments = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        self.increments += 1
        with self.engine.begin() as connection:
            if self.increments % self.PRUNE_EVERY == 0:
                connection.execute(
                    delete(RateLimitCounter).where(RateLimitCounter.expires_at <= now)
                )
            params = {"key": key, "amount": amount, "now": now, "new_expiry": now + expiry}
            return int(connection.execute(_INCREMENT, params).scalar_one())

    def _row(self, key: str) -> tuple[int, float] | None:
        with self.engine.connect() as connection:
            row = connection.execute(
                select(RateLimitCounter.count, RateLimitCounter.expires_at).where(
                    RateLimitCounter.key == key, RateLimitCounter.expires_at > time.time()
                )
            ).first()
        return None if row is None else (int(row[0]), float(row[1]))

    def get(self, key: str) -> int:
        row = self._row(key)
        return 0 if row is None else row[0]

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return time.time() if row is None else row[1]

    def check(self) -> bool:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as connection:
            return connection.execute(delete(RateLimitCounter)).rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(delete(RateLimitCounter).where(RateLimitCounter.key == key))


class RateLimited(ApiError):
    status = 429

    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__(LIMIT_EXCEEDED)
        self.headers = headers


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int

    @property
    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }


class RateLimiter:
    """Counts one hit against each identifier and reports the tightest of the windows.

    When its storage fails, `fail_open` decides: serve the request unlimited (logged, counted in
    `failures`) or refuse it with 503."""

    def __init__(self, item: RateLimitItem, storage: Storage, fail_open: bool = True) -> None:
        self.item = item
        self.storage = storage
        self.strategy = FixedWindowRateLimiter(storage)
        self.fail_open = fail_open
        self.failures = 0
        self._logged_at = -LOG_EVERY_SECONDS

    def counted(self, *identifiers: str) -> Verdict | None:
        """`hit`, or None when the storage failed and the policy is to let requests through."""
        try:
            return self.hit(*identifiers)
        except Exception as failure:  # every storage fails its own way: Redis, SQL, sockets
            self.failures += 1
            now = time.monotonic()
            if now - self._logged_at >= LOG_EVERY_SECONDS:
                self._logged_at = now
                policy = "served without limits" if self.fail_open else "refused with 503"
                log.warning(
                    "rate limit storage failed (%d failures so far), requests are %s: %r",
                    self.failures,
                    policy,
                    failure,
                )
            if self.fail_open:
                return None
            raise Busy("Rate limits cannot be counted right now. Retry shortly.") from failure

    def state(self) -> str:
        """What /health reports: whether the storage answers now, and the policy if not."""
        try:
            if self.storage.check():
                return "enforced"
        except Exception:  # as in `counted`
            pass
        return "failing-open" if self.fail_open else "failing-closed"

    def hit(self, *identifiers: str) -> Verdict:
        verdicts = []
        for identifier in identifiers:
            allowed = self.strategy.hit(self.item, identifier)
            reset_at, remaining = self.strategy.get_window_stats(self.item, identifier)
            reset = min(self.item.get_expiry(), max(0, math.ceil(reset_at - time.time())))
            verdicts.append(Verdict(allowed, self.item.amount, remaining, reset))
        return min(verdicts, key=lambda v: (v.allowed, v.remaining))


def make_rate_limiter(
    setting: str, storage_setting: str, failure_setting: str, engine: Engine
) -> RateLimiter | None:
    if setting.strip().lower() == "off":
        return None
    if failure_setting not in {"open", "closed"}:
        raise ValueError(f"MIRA_RATE_LIMIT_FAILURE={failure_setting}: say open or closed")
    storage = (
        DatabaseStorage(engine)
        if storage_setting == "database"
        else storage_from_string(storage_setting)
    )
    if not isinstance(storage, Storage):
        raise ValueError(f"MIRA_RATE_LIMIT_STORAGE={storage_setting} is not a synchronous storage")
    return RateLimiter(parse(setting), storage, fail_open=failure_setting == "open")


class RateLimitMiddleware:
    """In front of security: counts each request against its API's identities, answers 429
    over the limit."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, apis: Sequence[Api]):
        self.app = app
        self.limiter = limiter
        self.apis = apis

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope[SCOPE_KEY] = self.limiter
        api = api_for(self.apis, scope["path"])
        if not api.is_limited(scope["path"]):
            await self.app(scope, receive, send)
            return
        identities = api.rate_identities(scope)
        verdict = await anyio.to_thread.run_sync(self.limiter.counted, *identities)
        if verdict is None:
            await self.app(scope, receive, send)
            return
        if not verdict.allowed:
            raise RateLimited(verdict.headers | {"Retry-After": str(max(1, verdict.reset_seconds))})

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(k.lower().encode(), v.encode()) for k, v in verdict.headers.items()]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            # The error handler answers with the exception's headers: the window's go along.
            exc.headers = verdict.headers | dict(getattr(exc, "headers", None) or {})  # type: ignore[attr-defined]
            raise
