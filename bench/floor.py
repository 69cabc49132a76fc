"""The floor: a bare Flask app answering the benchmarked endpoints with the server's SQL and JSON.

No Connexion, no validation, no middleware, no ORM: each endpoint sends the statements the server
sends (written out here), through the same engine (pool, pre-ping, JSON codec), and answers the
same bytes. `bench.http` checks that both answer alike before it times either. Pure code is
shared with the server (rows to JSON, the tallies' month arithmetic, the phone-number check): the
floor is what the server would cost without its framework, not a different algorithm.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import uuid
from datetime import datetime, timedelta
from typing import Any

import orjson
from flask import Flask, Response, request
from sqlalchemy import Connection, text

from mira.coaching.insights import insight_to_wire
from mira.coaching.meetings import meeting_to_wire
from mira.coaching.reports import report_summary_to_wire
from mira.coaching.team import range_cut
from mira.db import make_engine
from mira.keys import hash_key
from mira.settings import Settings
from mira.tallies import Window, locate, spans
from mira.voice.call_checks import validation_errors
from mira.voice.calls import request_hash
from models.base import object_id, utcnow
from models.tallies import ALL, ALL_POINTS, ALL_USERS

BEARER = text(
    "SELECT id, organization_id, permission FROM api_keys"
    " WHERE key_hash = :hash AND revoked_at IS NULL"
)
KEY_PAIR = text(
    "SELECT id, organization_id, role, private_key_hash FROM voice_key_pairs"
    " WHERE public_key = :public_key AND revoked_at IS NULL"
)
MEETING = (
    "id, user_id, title, call_type, status, started_at, ended_at, duration_seconds,"
    " participants, created_at, updated_at"
)
MEETING_OF = ", ".join(f"meetings.{column.strip()}" for column in MEETING.split(","))
REPORT = (
    "id, meeting_id, user_id, template_id, template_version, overall_score, summary,"
    " produced_by, created_at"
)
INSIGHT = (
    "id, meeting_id, category, quote, timestamp_seconds, occurred_at, industry, prospect_title,"
    " prospect_company"
)


def _json(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status, mimetype="application/json")


def _moment(name: str) -> datetime | None:
    value = request.args.get(name)
    return None if value is None else datetime.fromisoformat(value.upper())


class Listing:
    """One list: its rows' table, filters (SQL with parameters), timestamp and tally cells."""

    def __init__(self, connection: Connection, table: str, columns: str, time: str) -> None:
        self.connection, self.table, self.columns, self.time = connection, table, columns, time
        self.where: list[str] = []
        self.cells: list[str] = []
        self.params: dict[str, Any] = {}

    def _window_sql(self, window: Window, prefix: str) -> tuple[list[str], dict[str, Any]]:
        where, params = [], {}
        if window.start is not None:
            where.append(f"{self.time} >= :{prefix}start")
            params[f"{prefix}start"] = window.start
        if window.end is not None:
            where.append(f"{self.time} < :{prefix}end")
            params[f"{prefix}end"] = window.end
        return where, params

    def count_rows(self, window: Window) -> int:
        where, params = self._window_sql(window, "w_")
        sql = f"SELECT count(*) FROM {self.table} WHERE {' AND '.join(self.where + where)}"
        return int(self.connection.execute(text(sql), self.params | params).scalar_one())

    def cell_counts(self, tally: str, count: str, months: Window) -> dict[datetime, int]:
        where = list(self.cells)
        params = dict(self.params)
        if months.start is not None:
            where.append("month >= :m_start")
            params["m_start"] = months.start
        if months.end is not None:
            where.append("month < :m_end")
            params["m_end"] = months.end
        sql = f"SELECT month, sum({count}) FROM {tally} WHERE {' AND '.join(where)} GROUP BY month"
        return {row[0]: int(row[1]) for row in self.connection.execute(text(sql), params)}

    def page(self, window: Window, month_counts: Any, to_wire_row: Any) -> dict[str, Any]:
        page, limit = int(request.args.get("page", 1)), int(request.args.get("limit", 20))
        found = spans(window, month_counts, self.count_rows)
        total = sum(span.count for span in found)
        offset = (page - 1) * limit
        items = []
        if offset < total:
            before, skip, after = locate(found, offset, limit)
            where, params = self._window_sql(window, "w_")
            if before is not None:
                where.append(f"{self.time} < :before")
                params["before"] = before
            if after is not None:
                where.append(f"{self.time} >= :after")
                params["after"] = after
            conditions = " AND ".join(self.where + where)
            order = f"ORDER BY {self.time} DESC, id DESC"
            sql = f"SELECT {self.columns} FROM {self.table} WHERE {conditions} {order} LIMIT :limit"
            if skip:
                sql = (
                    f"SELECT {self.columns} FROM {self.table} JOIN (SELECT {self.time}"
                    f" AS page_time, id AS page_id FROM {self.table} WHERE {conditions} {order}"
                    " LIMIT :limit OFFSET :offset) AS page ON id = page_id"
                    " ORDER BY page_time DESC, page_id DESC"
                )
            params |= {"limit": limit, "offset": skip}
            items = [
                to_wire_row(row) for row in self.connection.execute(text(sql), self.params | params)
            ]
        meta = {"page": page, "limit": limit, "total": total, "total_pages": -(-total // limit)}
        return {"data": items, "error": None, "meta": meta}


def create_floor() -> Flask:
    settings = Settings.from_env()
    engine = make_engine(settings)
    reader = engine.execution_options(isolation_level="AUTOCOMMIT")
    app = Flask(__name__)

    def organization(connection: Connection) -> uuid.UUID | None:
        token = request.headers.get("Authorization", "").partition(" ")[2].strip()
        row = connection.execute(BEARER, {"hash": hash_key(token)}).first()
        return None if row is None else row.organization_id

    def unauthorized() -> Response:
        return _json({"data": None, "error": "Invalid or revoked API key", "meta": None}, 401)

    @app.get("/api/v1/meetings")
    def list_meetings() -> Response:
        with reader.connect() as connection:
            org = organization(connection)
            if org is None:
                return unauthorized()
            listing = Listing(connection, "meetings", MEETING, "started_at")
            listing.where.append("organization_id = :org")
            listing.cells += [
                "organization_id = :org",
                "user_id = :cell_user",
                "status = :cell_status",
            ]
            listing.params |= {"org": org, "cell_user": ALL_USERS, "cell_status": ALL}
            if "status" in request.args:
                listing.where.append("status = :status")
                listing.params["status"] = listing.params["cell_status"] = request.args["status"]
            if "user_id" in request.args:
                user = uuid.UUID(request.args["user_id"])
                listing.where.append("user_id = :user")
                listing.params["user"] = listing.params["cell_user"] = user
            window = Window.inclusive(_moment("from"), _moment("to"))
            return _json(
                listing.page(
                    window,
                    lambda months: listing.cell_counts("meeting_tallies", "meetings", months),
                    meeting_to_wire,
                )
            )

    @app.get("/api/v1/meetings/<meeting_id>")
    def get_meeting(meeting_id: str) -> Response:
        with reader.connect() as connection:
            org = organization(connection)
            if org is None:
                return unauthorized()
            row = connection.execute(
                text(
                    f"SELECT {MEETING_OF}, transcripts.segments FROM meetings"
                    " LEFT OUTER JOIN transcripts ON meetings.id = transcripts.meeting_id"
                    " WHERE meetings.id = :id AND meetings.organization_id = :org"
                ),
                {"id": uuid.UUID(meeting_id), "org": org},
            ).first()
            if row is None:
                return _json({"data": None, "error": "Meeting not found", "meta": None}, 404)
            data = meeting_to_wire(row) | {"transcript": row.segments or []}
            return _json({"data": data, "error": None, "meta": None})

    @app.get("/api/v1/reports")
    def list_reports() -> Response:
        with reader.connect() as connection:
            org = organization(connection)
            if org is None:
                return unauthorized()
            listing = Listing(connection, "reports", REPORT, "created_at")
            listing.where.append("organization_id = :org")
            listing.cells += ["organization_id = :org", "user_id = :cell_user"]
            listing.params |= {"org": org, "cell_user": ALL_USERS}
            if "user_id" in request.args:
                listing.where.append("user_id = :user")
                listing.params["user"] = listing.params["cell_user"] = uuid.UUID(
                    request.args["user_id"]
                )
            partial = None
            owned = list(listing.where)
            if "min_score" in request.args or "max_score" in request.args:
                low_score = float(request.args.get("min_score", 0.0))
                high_score = float(request.args.get("max_score", 10.0))
                listing.where += ["overall_score >= :low_score", "overall_score <= :high_score"]
                low = math.ceil(low_score)
                high = max(low, math.floor(high_score) if high_score < 10 else 11)
                listing.cells.append("point BETWEEN :low AND :high_point")
                listing.params |= {
                    "low_score": low_score,
                    "high_score": high_score,
                    "low": low,
                    "high": high,
                    "high_point": high - 1,
                }
                ranges = []
                if low_score < low:
                    below = "<= :high_score" if high_score < low else "< :low"
                    ranges.append(f"(overall_score >= :low_score AND overall_score {below})")
                if high <= high_score:
                    ranges.append("(overall_score >= :high AND overall_score <= :high_score)")
                if ranges:
                    partial = "(" + " OR ".join(ranges) + ")"
            else:
                listing.cells.append("point = :all_points")
                listing.params["all_points"] = ALL_POINTS

            def month_counts(months: Window) -> dict[datetime, int]:
                counts = listing.cell_counts("report_tallies", "reports", months)
                if partial is not None:
                    where, params = listing._window_sql(months, "p_")
                    sql = (
                        "SELECT date_trunc('month', created_at, 'UTC'), count(*) FROM reports"
                        f" WHERE {' AND '.join([*owned, partial, *where])} GROUP BY 1"
                    )
                    for month, count in connection.execute(text(sql), listing.params | params):
                        counts[month] = counts.get(month, 0) + count
                return counts

            window = Window.inclusive(_moment("from"), _moment("to"))
            return _json(listing.page(window, month_counts, report_summary_to_wire))

    @app.get("/api/v1/insights")
    def list_insights() -> Response:
        with reader.connect() as connection:
            org = organization(connection)
            if org is None:
                return unauthorized()
            listing = Listing(connection, "insights", INSIGHT, "occurred_at")
            listing.where.append("organization_id = :org")
            listing.cells.append("organization_id = :org")
            listing.params["org"] = org
            searched = [name for name in ("industry", "prospect_title") if name in request.args]
            for name in ("industry", "prospect_title"):
                if name in searched:
                    text_ = request.args[name]
                    escaped = text_.replace("/", "//").replace("%", "/%").replace("_", "/_")
                    listing.cells.append(f"lower({name}) LIKE lower(:{name}) ESCAPE '/'")
                    listing.params[name] = f"%{escaped}%"
                else:
                    listing.cells.append(f"{name} = :all_{name}")
                    listing.params[f"all_{name}"] = ALL
            if searched:
                # The values the search matches, from the cells; rows and cells are read by them.
                values = connection.execute(
                    text(
                        "SELECT DISTINCT industry, prospect_title FROM insight_tallies"
                        f" WHERE {' AND '.join(listing.cells)}"
                    ),
                    listing.params,
                ).all()
                listing.cells = ["organization_id = :org"]
                for name in ("industry", "prospect_title"):
                    if name in searched:
                        listing.where.append(f"{name} = ANY(:{name}_values)")
                        listing.cells.append(f"{name} = ANY(:{name}_values)")
                        listing.params[f"{name}_values"] = sorted(
                            {getattr(v, name) for v in values}
                        )
                    else:
                        listing.cells.append(f"{name} = :all_{name}")
            window = Window.inclusive(_moment("date_from"), _moment("date_to"))
            return _json(
                listing.page(
                    window,
                    lambda months: listing.cell_counts("insight_tallies", "insights", months),
                    insight_to_wire,
                )
            )

    @app.get("/api/v1/team/stats")
    def get_team_stats() -> Response:
        time_range = request.args.get("time_range", "month")
        days = {"week": 7, "month": 30, "quarter": 90, "year": 365}.get(time_range)
        with reader.connect() as connection:
            org = organization(connection)
            if org is None:
                return unauthorized()
            params: dict[str, Any] = {"org": org}
            if days is None:
                months = days_part = rows_part = ""
            else:
                params |= range_cut(utcnow() - timedelta(days=days))
                months = " AND month >= :month_start"
                days_part = " AND day >= :days_from AND day < :days_to"
                rows_part = " AND {0} >= :rows_from AND {0} < :rows_to"

            def summed(keys: str, month: str, day: str, rows: str | None) -> str:
                parts = [month + months]
                if days is not None:
                    parts += [day + days_part, rows or ""]
                union = " UNION ALL ".join(parts)
                select_keys = f"{keys}, " if keys else ""
                group = f" GROUP BY {keys}" if keys else ""
                return f"SELECT {select_keys}sum(n), sum(total) FROM ({union}) parts{group}"

            calls = "reports.organization_id = :org AND reports.meeting_id IS NOT NULL"
            team = {
                uid: name
                for uid, name in connection.execute(
                    text("SELECT id, name FROM users WHERE organization_id = :org"), params
                )
            }
            meetings = summed(
                "",
                "SELECT meetings AS n, 0.0 AS total FROM meeting_tallies WHERE organization_id"
                " = :org AND user_id = '00000000-0000-0000-0000-000000000000' AND status = ''",
                "SELECT meetings * :sign AS n, 0.0 AS total FROM meeting_day_tallies"
                " WHERE organization_id = :org",
                "SELECT count(*) * :sign AS n, 0.0 AS total FROM meetings"
                " WHERE organization_id = :org" + rows_part.format("started_at"),
            )
            total_meetings = connection.execute(text(meetings), params).one()[0] or 0
            reports = summed(
                "user_id",
                "SELECT user_id, reports AS n, score_sum AS total FROM report_tallies"
                " WHERE organization_id = :org AND point = -1 AND is_call IS true"
                " AND user_id != '00000000-0000-0000-0000-000000000000'",
                "SELECT user_id, reports * :sign AS n, score_sum * :sign AS total"
                " FROM report_day_tallies"
                " WHERE organization_id = :org"
                " AND user_id != '00000000-0000-0000-0000-000000000000'",
                "SELECT user_id, count(*) * :sign AS n, sum(overall_score) * :sign AS total"
                " FROM reports"
                f" WHERE {calls}{rows_part.format('reports.created_at')} GROUP BY user_id",
            )
            by_rep = {
                uid: (int(n), float(total))
                for uid, n, total in connection.execute(text(reports), params)
            }
            scores = summed(
                "name",
                "SELECT name, scores AS n, score_sum AS total FROM criterion_tallies"
                " WHERE organization_id = :org",
                "SELECT name, scores * :sign AS n, score_sum * :sign AS total"
                " FROM criterion_day_tallies"
                " WHERE organization_id = :org",
                "SELECT criterion_scores.name, count(*) * :sign AS n,"
                " sum(criterion_scores.score) * :sign AS total"
                " FROM criterion_scores JOIN reports ON reports.id = criterion_scores.report_id"
                f" WHERE {calls}{rows_part.format('reports.created_at')}"
                " GROUP BY criterion_scores.name",
            )
            by_criterion = {
                name: (int(n), float(total))
                for name, n, total in connection.execute(text(scores), params)
            }

            def ranked(sums: dict[Any, tuple[int, float]], tie: Any) -> list[Any]:
                counted = [key for key, (count, _) in sums.items() if count]
                return sorted(
                    counted, key=lambda key: (-round(sums[key][1] / sums[key][0], 9), *tie(key))
                )

            count = sum(n for n, _ in by_rep.values())
            total = sum(t for _, t in by_rep.values())
            top = ranked(by_rep, lambda uid: (-by_rep[uid][0], team.get(uid, ""), str(uid)))
            data = {
                "time_range": time_range,
                "team_size": len(team),
                "total_meetings": int(total_meetings),
                "total_reports": count,
                "average_score": round(total / count, 2) if count else None,
                "top_performers": [
                    {
                        "user_id": str(uid),
                        "name": team.get(uid, ""),
                        "avg_score": round(by_rep[uid][1] / by_rep[uid][0], 2),
                        "report_count": by_rep[uid][0],
                    }
                    for uid in top[:5]
                ],
                "criteria_averages": [
                    {
                        "name": name,
                        "avg_score": round(by_criterion[name][1] / by_criterion[name][0], 2),
                        "report_count": by_criterion[name][0],
                    }
                    for name in ranked(by_criterion, lambda name: (name,))
                ],
            }
            return _json({"data": data, "error": None, "meta": None})

    @app.post("/v2/call/initiate")
    def initiate_call() -> Response:
        with engine.begin() as connection:
            pair = connection.execute(
                KEY_PAIR, {"public_key": request.headers.get("x-public-key", "")}
            ).first()
            private_key = request.headers.get("x-private-key", "")
            digest = hashlib.sha256(private_key.encode()).hexdigest()
            if pair is None or not hmac.compare_digest(pair.private_key_hash, digest):
                return _json({"code": 401, "message": "Missing or invalid API keys"}, 401)
            body = orjson.loads(request.get_data())
            workspace = connection.execute(
                text("SELECT id FROM workspaces WHERE id = :id AND organization_id = :org"),
                {"id": request.headers["workspace"].lower(), "org": pair.organization_id},
            ).first()
            if workspace is None:
                return _json({"code": 404, "message": "Workspace not found"}, 404)
            assistant = connection.execute(
                text(
                    "SELECT id, variant, document, archived_at FROM assistants"
                    " WHERE id = :id AND workspace_id = :workspace"
                ),
                {"id": body["assistant"].lower(), "workspace": workspace.id},
            ).first()
            if assistant is None or assistant.archived_at is not None:
                return _json({"code": 404, "message": "Assistant not found"}, 404)
            # The server's rule, given the row (it reads `variant` and `document`).
            reasons = validation_errors(body["phoneNumber"], assistant, body.get("payload"))
            now = utcnow()
            call_id = object_id()
            connection.execute(
                text(
                    "INSERT INTO calls (id, organization_id, workspace_id, assistant_id,"
                    " phone_number, payload, callback_url, priority, metadata, status,"
                    " validation_errors, idempotency_key, request_hash, next_attempt_at,"
                    " created_at, updated_at) VALUES (:id, :org, :workspace, :assistant, :phone,"
                    " :payload, :callback, :priority, :metadata, :status, :errors, NULL, :hash,"
                    " :next, :now, :now) ON CONFLICT (workspace_id, idempotency_key) DO NOTHING"
                    " RETURNING id"
                ),
                {
                    "id": call_id,
                    "org": pair.organization_id,
                    "workspace": workspace.id,
                    "assistant": assistant.id,
                    "phone": body["phoneNumber"],
                    "payload": orjson.dumps(body.get("payload")).decode(),
                    "callback": body.get("callbackUrl"),
                    "priority": body.get("priority", False),
                    "metadata": orjson.dumps(body.get("metadata")).decode(),
                    "status": "validation-failed" if reasons else "queued",
                    "errors": orjson.dumps(reasons).decode(),
                    "hash": request_hash(body),
                    "next": None if reasons else now,
                    "now": now,
                },
            )
            return _json(
                {"callId": call_id, "status": "validation-failed" if reasons else "queued"}
            )

    return app
