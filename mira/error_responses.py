"""One error handler: every failure, whatever raised it, answers in the documented envelope."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import orjson
from connexion.exceptions import NonConformingResponse, Unauthorized
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from mira.envelope import failure
from mira.errors import ApiError

log = logging.getLogger("mira.errors")

INTERNAL_ERROR = "Internal server error"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _describe(request: ConnexionRequest, exc: Exception) -> tuple[int, str]:
    if isinstance(exc, ApiError):
        return exc.status, exc.message
    if isinstance(exc, NonConformingResponse):
        log.error("response breaks the contract on %s %s: %s", request.method, request.url, exc)
        return 500, INTERNAL_ERROR
    if isinstance(exc, Unauthorized):
        if not request.headers.get("authorization"):
            return 401, "Missing API key: send 'Authorization: Bearer mira_live_…'"
        return 401, "Invalid or revoked API key"
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
            return 415, f"Unsupported media type: {exc.detail}; send application/json"
        return status, str(exc.detail)
    log.exception("%s %s failed", request.method, request.url.path, exc_info=exc)
    return 500, INTERNAL_ERROR


class AllowedMethods:
    """The methods the spec documents for each path, for the `Allow` header of a 405."""

    def __init__(self, base_path: str, spec: dict[str, Any]) -> None:
        self.routes = [
            (
                re.compile("^" + base_path + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"),
                ", ".join(sorted(m.upper() for m in item if m in HTTP_METHODS)),
            )
            for path, item in spec["paths"].items()
        ]

    def of(self, path: str) -> str | None:
        return next((methods for pattern, methods in self.routes if pattern.match(path)), None)


def error_handler(
    allowed: AllowedMethods,
) -> Callable[[ConnexionRequest, Exception], ConnexionResponse]:
    def error_response(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        status, message = _describe(request, exc)
        headers = dict(getattr(exc, "headers", None) or {})
        if status == 405:
            headers["Allow"] = allowed.of(request.url.path) or ""
        return ConnexionResponse(
            status_code=status,
            body=orjson.dumps(failure(message)),
            mimetype="application/json",
            headers=headers,
        )

    return error_response
