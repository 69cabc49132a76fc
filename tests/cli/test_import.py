"""`mira import`: transcript files become meetings queued for analysis; the worker scores them."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from mira.cli import main
from mira.db import session_scope
from mira.migrations import upgrade_database
from mira.runtime import Runtime
from mira.settings import Settings
from mira.worker import Worker
from models import (
    Meeting,
    Organization,
    Report,
    Transcript,
    User,
    WebhookDelivery,
    WebhookSubscription,
)
from tests.factories import Tenant, make_tenant

VTT = """WEBVTT

1
00:00:01.000 --> 00:00:04.500
Sam Buyer: Thanks for having me, we keep losing leads.

2
00:00:05.000 --> 00:00:09.000
Rep 0: What happens today when a lead comes in?
"""

SRT = """1
00:00:00,500 --> 00:00:03,000
Rep 0: How do you handle onboarding today?

2
00:00:03,400 --> 00:00:08,000
Lee Prospect: Manually,
with spreadsheets.
"""

TEXT = """[00:00:02] Rep 0: What would fixing this be worth to you?
[00:00:10] Kim Buyer: Probably a few hours a week.
"""

BROKEN_VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
Rep 0: Hello.

00:00:05.000 -> 00:00:09.000
Sam Buyer: Hi.
"""

CALL_STARTED = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


@pytest.fixture
def runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    """A fresh SQLite database of this test's own, which the command finds by its environment."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'import.db'}")
    upgrade_database(settings)
    monkeypatch.setenv("MIRA_DATABASE_URL", settings.database_url)
    runtime = Runtime.start(settings)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def tenant(runtime: Runtime) -> Tenant:
    tenant = make_tenant(runtime, "admin")
    tenant.template()  # a discovery scorecard, so that analysis writes a report
    return tenant


@pytest.fixture
def mira() -> Callable[..., Result]:
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(main, ["import", *args], catch_exceptions=False)

    return run


def write(path: Path, content: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    moment = CALL_STARTED.timestamp()
    os.utime(path, (moment, moment))
    return path


def addressed(tenant: Tenant) -> list[str]:
    """`--org` and `--rep` options naming the tenant and its first rep."""
    with session_scope(tenant.runtime.sessions) as session:
        slug = session.get_one(Organization, tenant.organization_id).slug
        return ["--org", slug, "--rep", session.get_one(User, tenant.users[0]).email]


def meetings_of(tenant: Tenant) -> dict[str, tuple[Meeting, list[dict[str, object]]]]:
    """The organization's meetings by title, each with its transcript's segments."""
    with session_scope(tenant.runtime.sessions) as session:
        found = session.scalars(
            select(Meeting).where(Meeting.organization_id == tenant.organization_id)
        ).all()
        return {m.title: (m, session.get_one(Transcript, m.id).segments) for m in found}


def test_help_describes_the_command(mira: Callable[..., Result]) -> None:
    result = mira("--help")
    assert result.exit_code == 0
    assert "PATHS" in result.output and "--rep" in result.output and "--call-type" in result.output


def test_a_directory_imports_every_readable_transcript_and_names_the_broken_line(
    tmp_path: Path, tenant: Tenant, mira: Callable[..., Result]
) -> None:
    calls = tmp_path / "calls"
    write(calls / "acme-kickoff.vtt", VTT)
    write(calls / "team" / "globex-onboarding.srt", SRT)
    write(calls / "initech-notes.txt", TEXT)
    write(calls / "broken.vtt", BROKEN_VTT)
    write(calls / "too-long.txt", "".join(f"Rep 0: {n}\n" for n in range(20_001)))
    write(calls / "README.md", "not a transcript")
    tenant.add(
        WebhookSubscription(
            organization_id=tenant.organization_id,
            # Refused unsent (a private address): the worker needs no network.
            url="http://127.0.0.1:9/mira",
            events=["meeting.transcript_ready", "report.completed"],
            secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        )
    )

    result = mira(*addressed(tenant), "--company", "Acme", str(calls))

    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        f"{calls / 'broken.vtt'}: transcript line 6: expected a cue timing like "
        "00:00:01.000 --> 00:00:04.000, got '00:00:05.000 -> 00:00:09.000'",
        f"{calls / 'too-long.txt'}: transcript line 20001: more than 20000 segments; "
        "a transcript holds at most 20000",
    ]
    assert result.stdout.splitlines()[-1] == "imported 3, failed 2"
    meetings = meetings_of(tenant)
    assert sorted(meetings) == ["acme-kickoff", "globex-onboarding", "initech-notes"]
    for meeting, _ in meetings.values():
        assert (meeting.status, meeting.call_type) == ("fetched", "discovery")
        assert meeting.user_id == tenant.users[0]
        assert meeting.started_at == CALL_STARTED  # the file's modification time

    vtt, vtt_segments = meetings["acme-kickoff"]
    # The rep is found by name even though the prospect speaks first.
    assert [(s["speaker"], s["role"], s["start"], s["end"]) for s in vtt_segments] == [
        ("Sam Buyer", "prospect", 1.0, 4.5),
        ("Rep 0", "rep", 5.0, 9.0),
    ]
    assert vtt.participants[1] == {"role": "prospect", "name": "Sam Buyer", "company": "Acme"}
    assert (vtt.duration_seconds, vtt.ended_at) == (9, CALL_STARTED + timedelta(seconds=9))
    srt, srt_segments = meetings["globex-onboarding"]
    assert [(s["speaker"], s["role"], s["text"]) for s in srt_segments] == [
        ("Rep 0", "rep", "How do you handle onboarding today?"),
        ("Lee Prospect", "prospect", "Manually, with spreadsheets."),
    ]
    assert srt.participants[1]["name"] == "Lee Prospect"
    _, text_segments = meetings["initech-notes"]
    assert [(s["speaker"], s["role"], s["start"]) for s in text_segments] == [
        ("Rep 0", "rep", 2.0),
        ("Kim Buyer", "prospect", 10.0),
    ]

    with session_scope(tenant.runtime.sessions) as session:
        events = session.scalars(select(WebhookDelivery.event)).all()
    assert events == ["meeting.transcript_ready"] * 3

    worker = Worker.start(tenant.runtime)
    try:
        while worker.run_once():
            pass
    finally:
        worker.client.close()
    with session_scope(tenant.runtime.sessions) as session:
        statuses = session.scalars(select(Meeting.status)).all()
        scored = session.execute(select(Report.meeting_id, Report.user_id)).all()
        events = session.scalars(select(WebhookDelivery.event)).all()
    assert statuses == ["completed"] * 3
    assert sorted(scored) == sorted((m.id, tenant.users[0]) for m, _ in meetings.values())
    assert sorted(events) == ["meeting.transcript_ready"] * 3 + ["report.completed"] * 3


def test_options_name_the_rep_start_prospect_and_call_type(
    tmp_path: Path, tenant: Tenant, mira: Callable[..., Result]
) -> None:
    # A file named on the command line is read whatever its extension; its content tells VTT.
    export = write(tmp_path / "zoom-export.log", VTT.replace("Rep 0", "Rep 1"))
    slug = addressed(tenant)[1]
    options = ["--org", slug, "--rep", "rEP 1", "--call-type", "demo", "--prospect", "Sam B."]
    result = mira(*options, "--started-at", "2026-01-15T10:30:00+01:00", str(export))

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "imported 1, failed 0"
    ((meeting, segments),) = meetings_of(tenant).values()
    assert (meeting.user_id, meeting.call_type) == (tenant.users[1], "demo")
    assert meeting.started_at == datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    assert meeting.participants[1] == {"role": "prospect", "name": "Sam B."}
    assert [s["role"] for s in segments] == ["prospect", "rep"]


def test_unknown_org_rep_bad_start_and_empty_directory_are_refused(
    tmp_path: Path, tenant: Tenant, mira: Callable[..., Result]
) -> None:
    call = write(tmp_path / "call.vtt", VTT)
    org, slug, rep, email = addressed(tenant)
    tenant.add(User(organization_id=tenant.organization_id, name="Rep 0", email="twin@x.test"))

    refused = [
        ([org, "nowhere", rep, email], "Invalid value for --org: No organization 'nowhere'"),
        ([org, slug, rep, "nobody"], "Invalid value for --rep: No user 'nobody'"),
        ([org, slug, rep, "Rep 0"], "2 users are named 'Rep 0'"),
        ([org, slug, rep, email, "--started-at", "yesterday"], "'yesterday' is not a supported"),
        (
            [org, slug, rep, email, "--started-at", "9999-12-31T12:00:00Z"],
            "a meeting starts before 9999-12-31T00:00:00Z",
        ),
    ]
    for options, message in refused:
        result = mira(*options, str(call))
        assert result.exit_code == 2 and message in result.output, result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    result = mira(org, slug, rep, email, str(empty))
    assert result.exit_code == 2 and "no .vtt, .srt or .txt files in" in result.output
    assert meetings_of(tenant) == {}
