"""How fast the coach is, printed: a 45-minute sales call parsed and analysed, calls through the
worker on SQLite, and the wall time of `mira demo` on SQLite (and on PostgreSQL when
MIRA_BENCH_POSTGRES_URL names a server whose user may create databases).

    .venv/bin/python -m bench.coach [--meetings 200] [--seconds 2] [--no-demo]
"""

from __future__ import annotations

import os
import platform
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import click
import sqlalchemy as sa

from mira import demo_corpus as corpus
from mira.coach.analyser import Analyser
from mira.coach.metrics import Segment
from mira.coach.transcripts import assign_roles, parse_vtt
from mira.db import session_scope, throwaway_database
from mira.demo import write_call
from mira.importing import import_transcript
from mira.migrations import upgrade_database
from mira.organizations import ensure_organization
from mira.runtime import Runtime
from mira.settings import Settings
from mira.worker import Worker
from models import Meeting, Report, Template, User
from models.base import utcnow

MIRA = Path(sys.executable).with_name("mira")
REP = "Jane Smith"
NAME, TITLE, COMPANY, INDUSTRY = corpus.PROSPECTS[0]
PROSPECT = {"name": NAME, "title": TITLE, "company": COMPANY, "industry": INDUSTRY}
DISCOVERY = corpus.TEMPLATES[0]
Row = tuple[str, str, str]


def sales_call(minutes: float = 45, skill: float = 0.6, seed: int = 45) -> list[Segment]:
    """A demo call asked for longer until it lasts `minutes`: the generator winds down early."""
    asked = minutes
    while True:
        segments = write_call(random.Random(seed), skill, REP, PROSPECT, asked)
        if segments[-1]["end"] >= minutes * 60:
            return segments
        asked += 1


def _stamp(seconds: float) -> str:
    whole, millis = divmod(round(seconds * 1000), 1000)
    return f"{whole // 3600:02}:{whole // 60 % 60:02}:{whole % 60:02}.{millis:03}"


def to_vtt(segments: list[Segment]) -> str:
    """The call as a Zoom-style WebVTT export: numbered cues, `Speaker: text`."""
    cues = [
        f"{n}\n{_stamp(s['start'])} --> {_stamp(s['end'])}\n{s['speaker']}: {s['text']}\n"
        for n, s in enumerate(segments, start=1)
    ]
    return "WEBVTT\n\n" + "\n".join(cues)


def per_second(work: Callable[[], object], seconds: float) -> float:
    """Runs of `work` per second, repeated for at least `seconds` and three runs."""
    runs, start = 0, time.perf_counter()
    while runs < 3 or time.perf_counter() - start < seconds:
        work()
        runs += 1
    return runs / (time.perf_counter() - start)


def _rate_row(label: str, rate: float, unit: str) -> Row:
    return label, f"{1000 / rate:8.2f} ms", f"{rate:8.1f} {unit}/s"


def _total_row(label: str, seconds: float, calls: int) -> Row:
    return label, f"{seconds:8.2f} s", f"{calls / seconds:8.1f} calls/s"


def machine() -> list[Row]:
    cpuinfo = Path("/proc/cpuinfo")
    models = [
        line.split(":", 1)[1].strip()
        for line in (cpuinfo.read_text().splitlines() if cpuinfo.exists() else [])
        if line.startswith("model name")
    ]
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return [
        ("cores", str(os.cpu_count()), models[0] if models else platform.machine()),
        ("memory", f"{memory:.1f} GiB", ""),
        ("python", platform.python_version(), platform.platform(terse=True)),
        ("sqlite", sqlite3.sqlite_version, ""),
    ]


def coach(segments: list[Segment], seconds: float) -> list[Row]:
    """Parse and analysis of one call, apart: the worker's CPU-bound work per meeting."""
    vtt = to_vtt(segments)
    template = Template(organization_id=uuid.uuid4(), version=1, **DISCOVERY)
    analyser = Analyser()
    owner = {"meeting_id": uuid.uuid4(), "user_id": uuid.uuid4(), "created_at": utcnow()}
    parse = per_second(lambda: assign_roles(parse_vtt(vtt), [REP]), seconds)
    analyse = per_second(lambda: analyser.report(template, segments, **owner), seconds)
    return [
        _rate_row("parse (VTT, roles)", parse, "calls"),
        _rate_row(f"analyse ({template.name})", analyse, "calls"),
        _rate_row("parse + analyse", 1 / (1 / parse + 1 / analyse), "calls"),
    ]


def pipeline(segments: list[Segment], meetings: int, workdir: Path) -> list[Row]:
    """`mira import` queues the calls as files; the worker analyses them on a fresh SQLite file."""
    settings = Settings(database_url=f"sqlite:///{workdir / 'pipeline.db'}")
    upgrade_database(settings)
    runtime = Runtime.start(settings)
    with session_scope(runtime.sessions) as session:
        organization = ensure_organization(session, "bench", "Bench")
        rep = User(organization_id=organization.id, name=REP, email="jane@bench.example")
        templates = [Template(organization_id=organization.id, **t) for t in corpus.TEMPLATES]
        session.add_all([rep, *templates])
    calls = workdir / "calls"
    calls.mkdir()
    vtt = to_vtt(segments)
    files = [calls / f"call-{n:04}.vtt" for n in range(meetings)]
    for path in files:
        path.write_text(vtt)
    start = time.perf_counter()
    for path in files:
        with session_scope(runtime.sessions) as session:
            import_transcript(session, rep, path, {"call_type": "discovery"}, utcnow())
    imported = time.perf_counter() - start
    worker = Worker.start(runtime)
    start = time.perf_counter()
    while worker.run_once():
        pass
    analysed = time.perf_counter() - start
    worker.client.close()
    with session_scope(runtime.sessions) as session:
        completed = session.scalar(
            sa.select(sa.func.count()).select_from(Meeting).where(Meeting.status == "completed")
        )
        reports = session.scalar(sa.select(sa.func.count()).select_from(Report))
    runtime.engine.dispose()
    if completed != meetings:
        raise RuntimeError(f"{completed} of {meetings} meetings completed")
    return [
        _total_row(f"import {meetings} files", imported, meetings),
        _total_row(f"worker, until all {meetings} completed", analysed, meetings),
        ("reports written", f"{reports:8}", f"{(reports or 0) / meetings:8.1f} a call"),
    ]


def demo_seconds(database_url: str, workdir: Path) -> float:
    """Wall time of `mira demo` at its default size, from process start to exit."""
    start = time.perf_counter()
    subprocess.run(
        [str(MIRA), "demo"],
        env=os.environ | {"MIRA_DATABASE_URL": database_url},
        cwd=workdir,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def demo(workdir: Path) -> list[Row]:
    sqlite = demo_seconds(f"sqlite:///{workdir / 'demo.db'}", workdir)
    rows = [("SQLite (fresh file)", f"{sqlite:8.2f} s", "")]
    postgres_url = os.environ.get("MIRA_BENCH_POSTGRES_URL", "").strip()
    if not postgres_url:
        return [*rows, ("PostgreSQL", "skipped", "set MIRA_BENCH_POSTGRES_URL")]
    with throwaway_database(postgres_url, "mira_bench") as url:
        postgres = demo_seconds(url, workdir)
    return [*rows, ("PostgreSQL (fresh database)", f"{postgres:8.2f} s", "")]


def table(title: str, rows: list[Row]) -> None:
    click.echo(f"\n{title}")
    for label, value, note in rows:
        click.echo(f"  {label:<34} {value:>12}   {note}".rstrip())


@click.command()
@click.option("--meetings", default=200, show_default=True, help="Calls through the worker.")
@click.option("--seconds", default=2.0, show_default=True, help="Least time per micro-benchmark.")
@click.option("--demo/--no-demo", "run_demo", default=True, help="Time `mira demo` too.")
def main(meetings: int, seconds: float, run_demo: bool) -> None:
    """Print the coach's throughput and `mira demo`'s wall time on this machine."""
    segments = sales_call()
    words = sum(len(s["text"].split()) for s in segments)
    minutes = segments[-1]["end"] / 60
    table("machine", machine())
    table(
        f"one {minutes:.0f}-minute sales call ({len(segments)} segments, {words} words)",
        coach(segments, seconds),
    )
    with tempfile.TemporaryDirectory(prefix="mira-bench-") as workdir:
        rows = pipeline(segments, meetings, Path(workdir))
        table(f"{meetings} calls through the pipeline, SQLite", rows)
        if run_demo:
            table("`mira demo` at its default size, wall time", demo(Path(workdir)))


if __name__ == "__main__":
    main()
