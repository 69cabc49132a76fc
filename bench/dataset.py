"""A large dataset on PostgreSQL, generated inside the database by bulk INSERT … SELECT.

Fifty organizations of twenty reps each, with their API keys and templates, and `meetings` calls
spread over the last three years: every meeting with its transcript (one in fifty a full
46-minute call, the rest two-minute excerpts), every completed one with a report of per-criterion
scores and two insights; per organization forty Shopify stores of ten assistants, each assistant
with ten finished calls (20,000 assistants, 200,000 calls).

Python writes a small pool of real calls (the demo's transcript writer) and analyses each with
the built-in analyser; SQL then gives every meeting one of them, numbering rows so that any slice
`[start, stop)` of meetings can be added later (bench.scale grows one database 10k → 100k → 1M).
The keys the benchmarks need are kept in `bench.fixture`.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

import orjson
from alembic import command
from sqlalchemy import Engine, Index, inspect, text
from sqlalchemy.engine import Connection

from mira import demo_corpus as corpus
from mira.coach.insights import extract_insights
from mira.coach.scoring import analyse
from mira.db import session_scope
from mira.demo import write_call
from mira.keys import create_api_key
from mira.migrations import alembic_config
from mira.organizations import ensure_organization
from mira.runtime import Runtime
from mira.voice.demo import create_voice_demo
from models import Base, Template, User
from models.base import utcnow

ORGANIZATIONS = 50
REPS = 20
STORES = 40
ASSISTANTS_PER_STORE = 10
CALLS_PER_ASSISTANT = 10
LONG_EVERY = 50  # one meeting in this many carries a full 46-minute transcript
LONG_POOL, SHORT_POOL = 16, 48
DAYS = 3 * 365
# The tables the load fills, whose secondary indexes are dropped before and built after.
BEFORE_TALLIES = "0005"  # the revision before migration 0006 added the tallies and their triggers
LOADED = ("meetings", "transcripts", "reports", "criterion_scores", "insights", "calls")


@dataclass(frozen=True)
class Fixture:
    """What the benchmarks send: a key per organization, a voice key pair, a store and assistant."""

    coaching_keys: list[str]
    organization_ids: list[str]
    user_ids: list[str]  # organization 0's reps
    voice_public_key: str
    voice_private_key: str
    workspace: str
    assistant: str
    meetings: int


def _pool(rng: random.Random) -> Iterator[dict[str, Any]]:
    """Real calls, analysed: what every generated meeting is a copy of."""
    reps = [name for name, _ in corpus.REPS]
    for k in range(LONG_POOL + SHORT_POOL):
        name, title, company, industry = corpus.PROSPECTS[k % len(corpus.PROSPECTS)]
        prospect = {"name": name, "title": title, "company": company, "industry": industry}
        minutes = 46 if k < LONG_POOL else 2
        segments = write_call(rng, rng.uniform(0.2, 0.95), rng.choice(reps), prospect, minutes)
        template: dict[str, Any] = corpus.TEMPLATES[k % len(corpus.TEMPLATES)]
        analysis = analyse(segments, template["grading_criteria"], template["coaching_tone"])
        yield {
            "k": k,
            "template": k % len(corpus.TEMPLATES),
            "segments": segments,
            "duration": round(segments[-1]["end"]),
            "analysis": analysis,
            "insights": extract_insights(segments)[:2],
        }


SCHEMA = """
CREATE SCHEMA IF NOT EXISTS bench;
CREATE TABLE IF NOT EXISTS bench.fixture (body jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS bench.orgs (n int PRIMARY KEY, id uuid NOT NULL);
CREATE TABLE IF NOT EXISTS bench.users (org int, n int, id uuid, name text, PRIMARY KEY (org, n));
CREATE TABLE IF NOT EXISTS bench.templates (org int, n int, id uuid, PRIMARY KEY (org, n));
CREATE TABLE IF NOT EXISTS bench.prospects (n int PRIMARY KEY, body jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS bench.pool (
    k int PRIMARY KEY, template int, segments json, duration int, overall float8, summary text,
    strengths json, improvements json, metrics json);
CREATE TABLE IF NOT EXISTS bench.pool_criteria (
    k int, position int, name text, weight float8, score float8, feedback text, evidence json,
    PRIMARY KEY (k, position));
CREATE TABLE IF NOT EXISTS bench.pool_insights (
    k int, n int, category text, quote text, at float8, PRIMARY KEY (k, n));
CREATE TABLE IF NOT EXISTS bench.workspaces (org int, n int, id text, PRIMARY KEY (org, n));
CREATE TABLE IF NOT EXISTS bench.assistants (org int, n int, id text, workspace text,
    PRIMARY KEY (org, n));
-- A uniform number in [0, 1) for row i and a salt: the same in every statement that asks.
CREATE OR REPLACE FUNCTION bench.r(i bigint, salt int) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (hashint8(i * 7919 + salt) & 2147483647)::float8 / 2147483648.0 $$;
CREATE OR REPLACE FUNCTION bench.uid(kind text, i bigint) RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT md5(kind || i)::uuid $$;
"""

# Meeting i: its organization, rep, pool call, status and start, as every statement computes them.
MEETING_ROWS = """
    SELECT g.i,
           o.id AS org_id, o.n AS org,
           u.id AS user_id, u.name AS rep,
           p.k, p.template, p.segments, p.duration,
           pr.body AS prospect,
           CASE WHEN bench.r(g.i, 3) < 0.92 THEN 'completed'
                WHEN bench.r(g.i, 3) < 0.95 THEN 'failed'
                WHEN bench.r(g.i, 3) < 0.98 THEN 'no_transcript'
                ELSE 'pending' END AS status,
           (:now)::timestamptz - (bench.r(g.i, 2) * :days) * interval '1 day' AS started_at,
           (ARRAY['discovery','demo','negotiation','follow-up','closing','cold-call'])
               [1 + floor(bench.r(g.i, 4) * 6)::int] AS call_type
    FROM generate_series(:start, :stop - 1) AS g(i)
    JOIN bench.orgs o ON o.n = g.i % :orgs
    JOIN bench.users u ON u.org = o.n AND u.n = floor(bench.r(g.i, 1) * :reps)::int
    JOIN bench.pool p ON p.k = CASE WHEN g.i % :long_every = 0
                                    THEN floor(bench.r(g.i, 5) * :long_pool)::int
                                    ELSE :long_pool + floor(bench.r(g.i, 5) * :short_pool)::int END
    JOIN bench.prospects pr ON pr.n = floor(bench.r(g.i, 6) * 200)::int
"""

STATEMENTS = {
    "meetings": f"""
        INSERT INTO meetings (id, organization_id, user_id, title, call_type, status, started_at,
            ended_at, duration_seconds, participants, analysis_attempts, created_at, updated_at)
        SELECT bench.uid('m', m.i), m.org_id, m.user_id,
               (m.prospect->>'company') || ' — ' || replace(m.call_type, '-', ' ') || ' call',
               m.call_type, m.status, m.started_at,
               CASE WHEN m.status <> 'pending' THEN m.started_at + m.duration * interval '1 s' END,
               CASE WHEN m.status <> 'pending' THEN m.duration END,
               json_build_array(
                   json_build_object('name', m.rep, 'role', 'rep', 'user_id', m.user_id),
                   (m.prospect || '{{"role": "prospect"}}')::json),
               CASE WHEN m.status = 'failed' THEN 3 ELSE 0 END,
               m.started_at, m.started_at + (m.duration + 600) * interval '1 s'
        FROM ({MEETING_ROWS}) m
    """,
    "transcripts": f"""
        INSERT INTO transcripts (meeting_id, segments, created_at)
        SELECT bench.uid('m', m.i), m.segments, m.started_at + m.duration * interval '1 s'
        FROM ({MEETING_ROWS}) m WHERE m.status IN ('completed', 'failed')
    """,
    "reports": f"""
        INSERT INTO reports (id, organization_id, meeting_id, user_id, template_id,
            template_version, overall_score, summary, strengths, improvements, metrics,
            produced_by, created_at)
        SELECT bench.uid('r', m.i), m.org_id, bench.uid('m', m.i), m.user_id, t.id, 1,
               p.overall,
               p.summary, p.strengths, p.improvements, p.metrics, 'builtin',
               m.started_at + (m.duration + 300) * interval '1 s'
        FROM ({MEETING_ROWS}) m
        JOIN bench.pool p ON p.k = m.k
        JOIN bench.templates t ON t.org = m.org AND t.n = m.template
        WHERE m.status = 'completed'
    """,
    "criterion_scores": f"""
        INSERT INTO criterion_scores (report_id, position, name, weight, score, feedback, evidence)
        SELECT bench.uid('r', m.i), c.position, c.name, c.weight, c.score, c.feedback, c.evidence
        FROM ({MEETING_ROWS}) m JOIN bench.pool_criteria c ON c.k = m.k
        WHERE m.status = 'completed'
    """,
    "insights": f"""
        INSERT INTO insights (id, organization_id, meeting_id, category, quote, timestamp_seconds,
            occurred_at, industry, prospect_title, prospect_company, created_at)
        SELECT bench.uid('i' || s.n, m.i), m.org_id, bench.uid('m', m.i), s.category, s.quote,
               s.at, m.started_at + s.at * interval '1 s', m.prospect->>'industry',
               m.prospect->>'title', m.prospect->>'company',
               m.started_at + (m.duration + 300) * interval '1 s'
        FROM ({MEETING_ROWS}) m JOIN bench.pool_insights s ON s.k = m.k
        WHERE m.status = 'completed'
    """,
}

CALLS = """
    INSERT INTO calls (id, organization_id, workspace_id, assistant_id, phone_number, payload,
        priority, metadata, status, validation_errors, created_at, updated_at)
    SELECT lpad(to_hex(extract(epoch FROM c.at)::bigint), 8, '0')
               || substr(md5('c' || a.org || '-' || a.n || '-' || g.j), 1, 16),
           o.id, a.workspace, a.id, '+1415555' || lpad((g.j % 10000)::text, 4, '0'),
           '{}'::json, false, '{}'::json,
           (ARRAY['completed','completed','completed','busy','no-answer','aborted'])
               [1 + floor(bench.r(a.org * 100000 + a.n * 100 + g.j, 8) * 6)::int],
           '[]'::json, c.at, c.at
    FROM bench.assistants a
    JOIN bench.orgs o ON o.n = a.org
    CROSS JOIN generate_series(0, :calls - 1) AS g(j)
    CROSS JOIN LATERAL (SELECT (:now)::timestamptz
        - bench.r(a.org * 100000 + a.n * 100 + g.j, 9) * 365 * interval '1 day' AS at) c
"""


def _progress(message: str) -> Callable[[], None]:
    started = time.perf_counter()
    print(f"  {message} …", end="", flush=True)
    return lambda: print(f" {time.perf_counter() - started:.1f} s", flush=True)


@contextmanager
def _without_secondary_indexes(engine: Engine) -> Iterator[None]:
    """Bulk loads go faster into bare tables; the indexes there are built once afterwards."""
    with engine.begin() as connection:
        inspector = inspect(connection)
        present = {i["name"] for name in LOADED for i in inspector.get_indexes(name)}
        indexes = [
            index
            for name in LOADED
            for index in Base.metadata.tables[name].indexes
            if isinstance(index, Index) and index.name in present
        ]
        for index in indexes:
            index.drop(connection)
    yield
    done = _progress(f"building {len(indexes)} indexes")
    with engine.begin() as connection:
        connection.execute(text("SET maintenance_work_mem = '512MB'"))
        for index in indexes:
            index.create(connection)
    done()


def _setup(runtime: Runtime, rng: random.Random) -> Fixture:
    """Organizations, reps, keys, templates, one onboarded store with an assistant per variant,
    and the pool, through the application's own code."""
    now = utcnow()
    keys, org_ids, user_ids = [], [], []
    with session_scope(runtime.sessions) as session:
        connection = session.connection()
        for statement in SCHEMA.split(";\n"):
            if statement.strip():
                connection.execute(text(statement))
        voice = None
        for n in range(ORGANIZATIONS):
            organization = ensure_organization(session, f"bench-{n}", f"Bench team {n}")
            _, key = create_api_key(session, organization, "bench", "admin")
            keys.append(key)
            org_ids.append(str(organization.id))
            users = [
                User(organization_id=organization.id, name=f"Rep {n}-{r}", email=f"r{r}@{n}.test")
                for r in range(REPS)
            ]
            templates = [Template(organization_id=organization.id, **t) for t in corpus.TEMPLATES]
            session.add_all([*users, *templates])
            session.flush()
            demo = create_voice_demo(session, organization, runtime.settings.secret_key, now)
            if n == 0:
                voice = demo
                user_ids = [str(user.id) for user in users]
            connection.execute(
                text("INSERT INTO bench.orgs VALUES (:n, :id)"), {"n": n, "id": organization.id}
            )
            connection.execute(
                text("INSERT INTO bench.users VALUES (:org, :n, :id, :name)"),
                [{"org": n, "n": r, "id": u.id, "name": u.name} for r, u in enumerate(users)],
            )
            connection.execute(
                text("INSERT INTO bench.templates VALUES (:org, :n, :id)"),
                [{"org": n, "n": t, "id": tpl.id} for t, tpl in enumerate(templates)],
            )
            connection.execute(
                text("INSERT INTO bench.workspaces VALUES (:org, 0, :id)"),
                {"org": n, "id": demo.workspace},
            )
            connection.execute(
                text("INSERT INTO bench.assistants VALUES (:org, :n, :id, :ws)"),
                [
                    {"org": n, "n": i, "id": assistant, "ws": demo.workspace}
                    for i, assistant in enumerate(demo.assistants.values())
                ],
            )
        prospects = [
            {"name": name, "title": title, "company": f"{company} {n // 10}", "industry": industry}
            for n, (name, title, company, industry) in (
                (n, corpus.PROSPECTS[n % len(corpus.PROSPECTS)]) for n in range(200)
            )
        ]
        connection.execute(
            text("INSERT INTO bench.prospects VALUES (:n, :body)"),
            [{"n": n, "body": orjson.dumps(p).decode()} for n, p in enumerate(prospects)],
        )
        _insert_pool(connection, rng)
    assert voice is not None
    return Fixture(
        coaching_keys=keys,
        organization_ids=org_ids,
        user_ids=user_ids,
        voice_public_key=voice.public_key,
        voice_private_key=voice.private_key,
        workspace=voice.workspace,
        assistant=voice.assistants["custom"],
        meetings=0,
    )


def _insert_pool(connection: Connection, rng: random.Random) -> None:
    def dumps(value: Any) -> str:
        return orjson.dumps(value).decode()

    for call in _pool(rng):
        analysis = call["analysis"]
        connection.execute(
            text(
                "INSERT INTO bench.pool VALUES (:k, :template, :segments, :duration, :overall,"
                " :summary, :strengths, :improvements, :metrics)"
            ),
            {
                "k": call["k"],
                "template": call["template"],
                "segments": dumps(call["segments"]),
                "duration": call["duration"],
                "overall": analysis.overall_score,
                "summary": analysis.summary,
                "strengths": dumps(analysis.strengths),
                "improvements": dumps(analysis.improvements),
                "metrics": dumps(analysis.metrics),
            },
        )
        connection.execute(
            text(
                "INSERT INTO bench.pool_criteria VALUES (:k, :position, :name, :weight, :score,"
                " :feedback, :evidence)"
            ),
            [
                {
                    "k": call["k"],
                    "position": position,
                    "name": c.name,
                    "weight": c.weight,
                    "score": c.score,
                    "feedback": c.feedback,
                    "evidence": dumps(c.evidence),
                }
                for position, c in enumerate(analysis.criteria)
            ],
        )
        connection.execute(
            text("INSERT INTO bench.pool_insights VALUES (:k, :n, :category, :quote, :at)"),
            [
                {"k": call["k"], "n": n, "category": category, "quote": s["text"], "at": s["start"]}
                for n, (category, s) in enumerate(call["insights"])
            ],
        )


def _stores(engine: Engine, stores: int) -> None:
    """Each organization's one onboarded store and its two assistants, copied: `stores` stores of
    ASSISTANTS_PER_STORE assistants, each with CALLS_PER_ASSISTANT finished calls."""
    with _without_secondary_indexes(engine):
        done = _progress(f"{ORGANIZATIONS * stores:,} stores, their assistants and calls")
        with engine.begin() as connection:
            _copy_stores(connection, stores)
        done()


def _copy_stores(connection: Connection, stores: int) -> None:
    connection.execute(
        text("""
        INSERT INTO workspaces (id, organization_id, name, store_key, variant, currency_code,
            timezone, profile, status, billing_type, credit_balance,
            negative_credit_allowance, created_at)
        SELECT substr(w.id, 1, 8) || substr(md5('w' || b.org || '-' || g.n), 1, 16),
               w.organization_id, w.name || ' ' || g.n, w.store_key || ' ' || g.n, w.variant,
               w.currency_code, w.timezone, w.profile, w.status, w.billing_type,
               w.credit_balance, w.negative_credit_allowance, w.created_at
        FROM bench.workspaces b JOIN workspaces w ON w.id = b.id
        CROSS JOIN generate_series(1, :stores - 1) AS g(n)
        """),
        {"stores": stores},
    )
    connection.execute(
        text("""
        INSERT INTO bench.workspaces
        SELECT b.org, g.n, substr(b.id, 1, 8) || substr(md5('w' || b.org || '-' || g.n), 1, 16)
        FROM bench.workspaces b CROSS JOIN generate_series(1, :stores - 1) AS g(n)
        WHERE b.n = 0
        """),
        {"stores": stores},
    )
    # Clones of the organization's two assistants (n 0 and 1, in store 0), alternating.
    connection.execute(
        text("""
        INSERT INTO bench.assistants
        SELECT w.org, w.n * :per_store + g.n,
               substr(w.id, 1, 8) || substr(md5('a' || w.id || '-' || g.n), 1, 16), w.id
        FROM bench.workspaces w CROSS JOIN generate_series(0, :per_store - 1) AS g(n)
        WHERE w.n > 0 OR g.n >= 2
        """),
        {"per_store": ASSISTANTS_PER_STORE},
    )
    connection.execute(
        text("""
        INSERT INTO assistants (id, organization_id, workspace_id, name, variant, document,
            created_at, updated_at, active_calls, call_cap)
        SELECT b.id, a.organization_id, b.workspace, a.name || ' ' || b.n, a.variant,
               a.document, a.created_at, a.updated_at, 0, a.call_cap
        FROM bench.assistants b
        JOIN bench.assistants source ON source.org = b.org AND source.n = b.n % 2
        JOIN assistants a ON a.id = source.id
        WHERE b.n >= 2
        """)
    )
    connection.execute(text(CALLS), {"calls": CALLS_PER_ASSISTANT, "now": utcnow()})


@contextmanager
def _tallies_rebuilt_after(runtime: Runtime) -> Iterator[None]:
    """Row by row, the tally triggers would triple a bulk load; the schema is taken back to before
    the tallies and brought forward again, whose migration counts every row once, in bulk."""
    config = alembic_config(runtime.settings)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    command.downgrade(config, BEFORE_TALLIES)
    yield
    done = _progress("tallies")
    command.upgrade(config, "head")
    done()


def grow(runtime: Runtime, start: int, stop: int) -> None:
    """Add meetings [start, stop) with their transcripts, reports, criterion scores, insights."""
    engine = runtime.engine
    parameters = {
        "start": start,
        "stop": stop,
        "now": utcnow(),
        "days": DAYS,
        "orgs": ORGANIZATIONS,
        "reps": REPS,
        "long_every": LONG_EVERY,
        "long_pool": LONG_POOL,
        "short_pool": SHORT_POOL,
    }
    with _tallies_rebuilt_after(runtime), _without_secondary_indexes(engine):
        for table, statement in STATEMENTS.items():
            done = _progress(f"{table} for meetings {start:,}–{stop:,}")
            with engine.begin() as connection:
                connection.execute(text(statement), parameters)
            done()
    done = _progress("VACUUM ANALYZE")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    done()
    with engine.begin() as connection:
        fixture = connection.execute(text("SELECT body FROM bench.fixture")).scalar_one()
        fixture["meetings"] = stop
        connection.execute(
            text("UPDATE bench.fixture SET body = :body"), {"body": orjson.dumps(fixture).decode()}
        )


def load(runtime: Runtime, meetings: int, stores: int = STORES, seed: int = 42) -> Fixture:
    """A migrated, empty database filled with `meetings` meetings and everything around them,
    and each organization's `stores` stores."""
    started = time.perf_counter()
    print(f"loading {meetings:,} meetings into a fresh database")
    done = _progress("organizations, keys, stores and a pool of analysed calls")
    fixture = _setup(runtime, random.Random(seed))
    with runtime.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO bench.fixture VALUES (:body)"),
            {"body": orjson.dumps(asdict(fixture)).decode()},
        )
    done()
    _stores(runtime.engine, stores)
    grow(runtime, 0, meetings)
    print(f"loaded in {timedelta(seconds=round(time.perf_counter() - started))}")
    return stored_fixture(runtime.engine)


def stored_fixture(engine: Engine) -> Fixture:
    with engine.connect() as connection:
        body = connection.execute(text("SELECT body FROM bench.fixture")).scalar_one()
    return Fixture(**body)
