"""The application factory: both APIs on one Connexion AsyncApp, one error envelope."""

from __future__ import annotations

import logging
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

from mira.apis import Api, coaching_api, voice_api
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
    """Each operationId's function, run in its request's unit of work (mira.request_scope)."""

    def resolve(self, operation: Any) -> Resolution:
        function = get_function_from_name(operation.operation_id)
        return Resolution(in_request_scope(function), operation.operation_id)


class MiraApp(connexion.AsyncApp):  # type: ignore[misc]
    """The Connexion app, with the runtime it serves from (tests and benchmarks reach in)."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(
            __name__,
            specification_dir=SPEC_DIR,
            jsonifier=OrjsonJsonifier(),
            resolver=UnitOfWorkResolver(),
            security_map=SECURITY_MAP,
        )
        # Operations whose decorators are built once (mira.operations); before any add_api.
        self._middleware_app.api_cls = OnceApi
        self.runtime = runtime


def edge_apis() -> list[Api]:
    """Both APIs as the edge tells them apart, most specific prefix first: the voice API owns
    every path the coaching API does not."""
    return [coaching_api(SPEC_DIR, COACHING_BASE), voice_api(SPEC_DIR)]


def create_app(settings: Settings | None = None) -> MiraApp:
    settings = settings or Settings.from_env()
    logging.basicConfig(level=settings.log_level.upper())
    # Client errors are answered, not logged one by one; unexpected ones are logged by mira.
    logging.getLogger("connexion").setLevel(logging.ERROR)
    runtime = Runtime.start(settings)
    app = MiraApp(runtime)
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
    apis = edge_apis()
    respond = error_handler(apis)
    for failure in (Exception, HTTPException, ProblemException, ApiError):
        app.add_error_handler(failure, respond)
    limiter = make_rate_limiter(
        settings.rate_limit,
        settings.rate_limit_storage,
        settings.rate_limit_failure,
        runtime.engine,
    )
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
        body_timeout_seconds=settings.body_timeout_seconds,
        writes_in_flight=settings.writes_in_flight,
        write_wait_seconds=settings.db_pool_timeout,
    )
    return app
