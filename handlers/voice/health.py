"""GET /health: no keys; 503 when the database does not answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from mira.request_scope import request_session, request_settings


def get_health() -> tuple[dict[str, Any], int]:
    maintenance = request_settings().maintenance
    try:
        request_session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        data = {"underMaintenance": maintenance, "status": "unhealthy"}
        return {"status_code": 503, "message": "Platform is not operational.", "data": data}, 503
    data = {"underMaintenance": maintenance, "status": "healthy"}
    return {"status_code": 200, "message": "Platform is operational.", "data": data}, 200
