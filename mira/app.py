"""The application factory: both APIs on one Connexion FlaskApp, one error envelope."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import connexion
import orjson
from connexion.exceptions import ProblemException
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from flask.json.provider import JSONProvider
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from mira.apis import coaching_api, voice_api
from mira.edge import EdgeMiddleware
from mira.error_responses import error_handler
from mira.errors import ApiError
from mira.rate_limits import RateLimitMiddleware, make_rate_limiter
from mira.request_scope import install_request_scope
from mira.runtime import RUNTIME_SCOPE_KEY, Runtime
from mira.settings import Settings
from mira.validation import VALIDATOR_MAP

SPEC_DIR = Path(__file__).resolve().parent.parent / "spec"
COACHING_BASE = "/api/v1"


class RuntimeMiddleware:
    """Hands the runtime to code that runs before Flask, such as the security functions."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[RUNTIME_SCOPE_KEY] = self.runtime
        await self.app(scope, receive, send)


class OrjsonProvider(JSONProvider):
    """Compact, fast JSON for every Flask response; the stock provider pretty-prints."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return orjson.dumps(obj).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)


def create_app(settings: Settings | None = None) -> connexion.FlaskApp:
    settings = settings or Settings.from_env()
    logging.basicConfig(level=settings.log_level.upper())
    # Client errors are answered, not logged one by one; unexpected ones are logged by mira.
    logging.getLogger("connexion").setLevel(logging.ERROR)
    runtime = Runtime.start(settings)
    app = connexion.FlaskApp(__name__, specification_dir=SPEC_DIR)
    app.app.json = OrjsonProvider(app.app)
    install_request_scope(app.app, runtime)
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
        RuntimeMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, runtime=runtime
    )
    app.add_middleware(
        EdgeMiddleware,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        apis=apis,
        max_body_bytes=settings.max_body_bytes,
    )
    return app
