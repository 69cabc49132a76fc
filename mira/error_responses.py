"""One error handler: every failure, whatever raised it, answers in the documented envelope."""

from __future__ import annotations

import logging
from collections.abc import Callable

import orjson
from connexion.exceptions import NonConformingResponse, Unauthorized
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from mira.apis import Api, api_for
from mira.errors import ApiError

log = logging.getLogger("mira.errors")

INTERNAL_ERROR = "Internal server error"


def _describe(api: Api, request: ConnexionRequest, exc: Exception) -> tuple[int, str]:
    if isinstance(exc, ApiError):
        return exc.status, exc.message
    if isinstance(exc, NonConformingResponse):
        log.error("response breaks the contract on %s %s: %s", request.method, request.url, exc)
        return 500, INTERNAL_ERROR
    if isinstance(exc, Unauthorized):
        return 401, api.unauthorized(request)
    if isinstance(exc, HTTPException):
        status = exc.status_code
        if status >= 500:
            log.error("%s %s failed: %r", request.method, request.url.path, exc)
            return status, INTERNAL_ERROR
        if status == 404:
            return 404, f"No endpoint at {request.url.path}"
        if status == 405:
            return 405, f"Method {request.method} is not allowed on {request.url.path}"
        if status == 415:
            return 415, f"Unsupported media type: {exc.detail}"
        return status, str(exc.detail)
    log.exception("%s %s failed", request.method, request.url.path, exc_info=exc)
    return 500, INTERNAL_ERROR


def error_handler(apis: list[Api]) -> Callable[[ConnexionRequest, Exception], ConnexionResponse]:
    def error_response(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        path = request.url.path
        api = api_for(apis, path)
        status, message = _describe(api, request, exc)
        headers = dict(getattr(exc, "headers", None) or {})
        if status == 405:
            headers["Allow"] = api.allowed.of(path) or ""
        return ConnexionResponse(
            status_code=status,
            body=orjson.dumps(api.body(status, message)),
            mimetype="application/json",
            headers=headers,
        )

    return error_response
