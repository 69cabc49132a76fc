"""The application factory: both APIs on one Connexion AsyncApp, one error envelope."""

from __future__ import annotations

import logging
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import connexion
import orjson
from connexion.exceptions import ProblemException
from connexion.jsonifier import Jsonifier
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolution, Resolver
from connexion.utils import get_function_from_name
from starlette.exceptions import HTTPException

from mira.apis import coaching_api, voice_api
from mira.edge import EdgeMiddleware
from mira.error_responses import error_handler
from mira.errors import ApiError
from mira.operations import SECURITY_MAP, OnceApi
from mira.rate_limits import RateLimitMiddleware, make_rate_limiter
from mira.request_scope import RequestScopeMiddleware, in_request_scope
from mira.runtime import Runtime
from mira.settings import Settings
from mira.validation import VALIDATOR_MAP

SPEC_DIR = Path(__file__).resolve().parent.parent / "spec"
COACHING_BASE = "/api/v1"


class OrjsonJsonifier(Jsonifier):  # type: ignore[misc]
    """Compact, fast JSON for every response; the stock jsonifier indents."""

    def dumps(self, data: Any, **kwargs: Any) -> bytes:
        # Bytes, which the response sends as they are.
        return orjson.dumps(data)

    def loads(self, data: str | bytes) -> Any:
        return orjson.loads(data)


class UnitOfWorkResolver(Resolver):  # type: ignore[misc]
    """Each operationId's function, run in its request's unit of work (mira.request_scope);
    those that write, in `writers` if there are any."""

    def __init__(self, writers: Executor | None) -> None:
        super().__init__()
        self.writers = writers

    def resolve(self, operation: Any) -> Resolution:
        function = get_function_from_name(operation.operation_id)
        reads_only = operation.method == "get"
        return Resolution(
            in_request_scope(function, reads_only, self.writers), operation.operation_id
        )


class MiraApp(connexion.AsyncApp):  # type: ignore[misc]
    """The Connexion app, with the runtime it serves from (tests and benchmarks reach in)."""

    def __init__(self, runtime: Runtime, writers: Executor | None) -> None:
        super().__init__(
            __name__,
            specification_dir=SPEC_DIR,
            jsonifier=OrjsonJsonifier(),
            resolver=UnitOfWorkResolver(writers),
            security_map=SECURITY_MAP,
        )
        # Operations whose decorators are built once (mira.operations); before any add_api.
        self._middleware_app.api_cls = OnceApi
        self.runtime = runtime


def _writers(runtime: Runtime) -> Executor | None:
    """Threads for writes where one may wait long for a lock: SQLite has one writer, which a
    worker may hold up to the busy timeout. PostgreSQL locks rows, held by transactions as short
    as the request's own (the dialer's slots and claims): its writes run on the event loop."""
    if runtime.engine.dialect.name == "postgresql":
        return None
    # As many as Starlette's pool would have had.
    return ThreadPoolExecutor(40, thread_name_prefix="writes")


def create_app(settings: Settings | None = None) -> MiraApp:
    settings = settings or Settings.from_env()
    logging.basicConfig(level=settings.log_level.upper())
    # Client errors are answered, not logged one by one; unexpected ones are logged by mira.
    logging.getLogger("connexion").setLevel(logging.ERROR)
    runtime = Runtime.start(settings)
    app = MiraApp(runtime, _writers(runtime))
    app.add_api(
        "coaching.openapi.json",
        base_path=COACHING_BASE,
        strict_validation=True,
        validate_responses=settings.validate_responses,
        pythonic_params=True,
        validator_map=VALIDATOR_MAP,
        swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui", spec_path="/openapi.json"),
    )
    app.add_api(
        "voice.openapi.json",
        base_path="",
        strict_validation=True,
        validate_responses=settings.validate_responses,
        pythonic_params=True,
        validator_map=VALIDATOR_MAP,
        swagger_ui_options=SwaggerUIOptions(swagger_ui_path="/ui", spec_path="/openapi.json"),
    )
    # Most specific prefix first: the voice API owns every path the coaching API does not.
    apis = [coaching_api(SPEC_DIR, COACHING_BASE), voice_api(SPEC_DIR)]
    respond = error_handler(apis)
    for failure in (Exception, HTTPException, ProblemException, ApiError):
        app.add_error_handler(failure, respond)
    limiter = make_rate_limiter(settings.rate_limit, settings.rate_limit_storage, runtime.engine)
    if limiter is not None:
        app.add_middleware(
            RateLimitMiddleware,
            position=MiddlewarePosition.BEFORE_SECURITY,
            limiter=limiter,
            apis=apis,
        )
    app.add_middleware(
        RequestScopeMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, runtime=runtime
    )
    app.add_middleware(
        EdgeMiddleware,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        apis=apis,
        max_body_bytes=settings.max_body_bytes,
    )
    return app
