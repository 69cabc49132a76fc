"""GET /health: no keys; 503 when the database does not answer, or when the rate limits cannot
be counted and requests are refused for it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mira.request_scope import request_rate_limits, request_session, request_settings


def get_health() -> tuple[dict[str, Any], int]:
    maintenance = request_settings().maintenance
    rate_limits = request_rate_limits()
    try:
        request_session().execute(text("SELECT 1"))
        healthy = rate_limits != "failing-closed"
    except SQLAlchemyError:
        healthy = False
    data = {
        "underMaintenance": maintenance,
        "status": "healthy" if healthy else "unhealthy",
        "rateLimits": rate_limits,
    }
    if not healthy:
        return {"status_code": 503, "message": "Platform is not operational.", "data": data}, 503
    return {"status_code": 200, "message": "Platform is operational.", "data": data}, 200
