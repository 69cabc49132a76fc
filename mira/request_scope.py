"""Per-request plumbing on the Flask side: the database session, and a routing guard."""

from __future__ import annotations

from connexion.middleware.abstract import ROUTING_CONTEXT
from flask import Flask, Response, current_app, g, request
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from mira.runtime import Runtime
from mira.settings import Settings


def request_session() -> Session:
    if "db" not in g:
        runtime: Runtime = current_app.extensions["mira"]
        g.db = runtime.sessions()
    session: Session = g.db
    return session


def request_settings() -> Settings:
    runtime: Runtime = current_app.extensions["mira"]
    return runtime.settings


def request_content_type() -> str:
    return request.mimetype


def _commit_on_success(response: Response) -> Response:
    session = g.pop("db", None)
    if session is not None:
        try:
            if response.status_code < 400:
                session.commit()
        finally:
            session.close()
    return response


def _close_on_error(_exc: BaseException | None) -> None:
    # Reached with the session still open only when the handler raised: roll back.
    session = g.pop("db", None)
    if session is not None:
        session.rollback()
        session.close()


def _only_routed_requests() -> None:
    # Werkzeug matches some paths Connexion's router does not (a newline in a path parameter);
    # such a request would reach a handler unvalidated, so it is answered as the unknown path it is.
    routing = request.environ.get("asgi.scope", {}).get("extensions", {}).get(ROUTING_CONTEXT)
    if not routing or not routing.get("operation_id"):
        raise NotFound()


def install_request_scope(flask_app: Flask, runtime: Runtime) -> None:
    flask_app.extensions["mira"] = runtime
    flask_app.before_request(_only_routed_requests)
    flask_app.after_request(_commit_on_success)
    flask_app.teardown_request(_close_on_error)
