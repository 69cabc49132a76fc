"""A demo organization: a team of reps and months of calls with transcripts, analysed."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mira import demo_corpus as corpus
from mira.coach.analyser import Analyser
from mira.coach.metrics import Segment
from mira.coach.pipeline import analyse_meeting, score_roleplay
from mira.organizations import ensure_organization
from models import Meeting, Organization, RoleplaySession, Template, Transcript, User
from models.base import utcnow

DEMO_SLUG = "demo"
WORDS_PER_SECOND = 2.6


class TranscriptWriter:
    """Builds timed, speaker-labelled segments one line at a time."""

    def __init__(self, rng: random.Random, rep: str, prospect: str) -> None:
        self.rng, self.rep, self.prospect = rng, rep, prospect
        self.clock = 0.0
        self.segments: list[Segment] = []

    def say(self, role: str, text: str) -> None:
        self.clock += self.rng.uniform(0.3, 1.8)
        length = len(text.split()) / WORDS_PER_SECOND + self.rng.uniform(0.2, 1.0)
        speaker = self.rep if role == "rep" else self.prospect
        start, end = round(self.clock, 1), round(self.clock + length, 1)
        self.segments.append(
            {"speaker": speaker, "role": role, "start": start, "end": end, "text": text}
        )
        self.clock = end


def write_call(
    rng: random.Random, skill: float, rep: str, prospect: dict[str, str], minutes: float = 20
) -> list[Segment]:
    """A plausible call of about `minutes` whose quality follows the rep's skill (0–1)."""
    call = TranscriptWriter(rng, rep, prospect["name"])
    fill = {"prospect": prospect["name"].split()[0], "company": prospect["company"]}
    call.say("rep", rng.choice(corpus.OPENERS).format(**fill))
    call.say("prospect", rng.choice(corpus.SMALL_TALK))
    if rng.random() < skill:
        call.say("rep", rng.choice(corpus.AGENDA))
        call.say("prospect", "Sure, that works.")
    questions = rng.sample(corpus.QUESTIONS, k=2 + round(skill * 7))
    for question in questions:
        call.say("rep", question.format(**fill))
        call.say(
            "prospect", rng.choice(corpus.PAINS + corpus.COMPETITORS + corpus.FEATURE_REQUESTS)
        )
        if rng.random() < skill * 0.6:
            call.say("rep", rng.choice(corpus.ACKNOWLEDGEMENTS))
    for _ in range(1 + round((1 - skill) * 3)):
        call.say("rep", rng.choice(corpus.PITCH))
    # The middle of the call: digging deeper, and the prospect's own questions, until time is up.
    while call.clock < minutes * 60 * 0.85:
        if rng.random() < 0.1 + skill * 0.25:
            call.say("rep", rng.choice(corpus.FOLLOW_UPS))
            call.say("prospect", " ".join(rng.sample(corpus.DETAILS + corpus.PAINS, k=2)))
        elif rng.random() < (1 - skill) * 0.5:
            call.say("rep", " ".join(rng.sample(corpus.PITCH + corpus.PRODUCT_ANSWERS, k=2)))
        else:
            call.say("prospect", rng.choice(corpus.PROSPECT_QUESTIONS))
            call.say("rep", " ".join(rng.sample(corpus.PRODUCT_ANSWERS, k=rng.randint(1, 2))))
            call.say("prospect", " ".join(rng.sample(corpus.DETAILS, k=rng.randint(1, 2))))
    for _ in range(rng.randint(1, 3)):
        call.say("prospect", rng.choice(corpus.OBJECTIONS))
        good = rng.random() < skill
        call.say("rep", rng.choice(corpus.VALUE_ANSWERS if good else corpus.WEAK_ANSWERS))
    if rng.random() < 0.3 + skill * 0.5:
        call.say("prospect", rng.choice(corpus.BUYING_SIGNALS))
    call.say("rep", rng.choice(corpus.NEXT_STEPS if rng.random() < skill else corpus.VAGUE_CLOSES))
    call.say("prospect", rng.choice(corpus.PROSPECT_CLOSES))
    return call.segments


def _status(rng: random.Random, started_at: datetime, now: datetime) -> str:
    if started_at > now - timedelta(hours=6):
        return "pending"
    roll = rng.random()
    return "failed" if roll < 0.03 else "no_transcript" if roll < 0.06 else "completed"


def _meetings(
    rng: random.Random, organization: Organization, reps: list[tuple[User, float]], count: int
) -> Iterator[tuple[Meeting, list[Segment] | None]]:
    now = utcnow()
    for _ in range(count):
        rep, skill = rng.choice(reps)
        name, title, company, industry = rng.choice(corpus.PROSPECTS)
        prospect = {"name": name, "title": title, "company": company, "industry": industry}
        started_at = (now - timedelta(days=rng.uniform(0, 180))).replace(microsecond=0)
        call_type = rng.choice(corpus.CALL_TYPES)
        status = _status(rng, started_at, now)
        minutes = rng.uniform(15, 45)
        segments = (
            write_call(rng, skill, rep.name, prospect, minutes) if status == "completed" else None
        )
        duration = round(segments[-1]["end"]) if segments else None
        meeting = Meeting(
            organization_id=organization.id,
            user_id=rep.id,
            title=f"{company} — {call_type.replace('-', ' ')} call",
            call_type=call_type,
            status="fetched" if segments else status,
            started_at=started_at,
            ended_at=started_at + timedelta(seconds=duration) if duration else None,
            duration_seconds=duration,
            participants=[
                {"name": rep.name, "role": "rep", "user_id": str(rep.id)},
                {"role": "prospect", **prospect},
            ],
        )
        yield meeting, segments


def _roleplay_sessions(
    rng: random.Random,
    organization: Organization,
    reps: list[tuple[User, float]],
    templates: list[Template],
    count: int,
) -> Iterator[RoleplaySession]:
    """Practice sessions; the completed ones scored with the same rubric as real calls."""
    now = utcnow()
    statuses = ["completed"] * 3 + ["in_progress", "scheduled", "abandoned"]
    for _ in range(count):
        rep, skill = rng.choice(reps)
        scenario, persona = rng.choice(corpus.ROLEPLAY_SCENARIOS)
        template = rng.choice(templates)
        status = rng.choice(statuses)
        created = (now - timedelta(days=rng.uniform(0, 60))).replace(microsecond=0)
        roleplay = RoleplaySession(
            organization_id=organization.id,
            user_id=rep.id,
            template_id=template.id,
            scenario=scenario,
            persona=persona,
            call_type=template.call_type or "general",
            status=status,
            created_at=created,
            started_at=None if status == "scheduled" else created + timedelta(minutes=5),
        )
        if status == "completed":
            # Recorded and waiting to be scored, like a practice call that just ended.
            buyer = {"name": "Practice Buyer", "company": "Roleplay Inc"}
            roleplay.segments = write_call(rng, skill, rep.name, buyer, minutes=12)
            roleplay.status = "in_progress"
        yield roleplay


def create_demo(
    session: Session,
    analyser: Analyser,
    meetings: int = 300,
    seed: int = 7,
    progress: Callable[[int], Any] = print,
) -> tuple[Organization, bool]:
    """Create the demo organization once; a second call finds it and creates nothing.

    Calls go in as transcripts and come out as reports through the pipeline's own units of work,
    dated as if each was analysed minutes after it ended.
    """
    organization = ensure_organization(session, DEMO_SLUG, "Demo Sales Team")
    existing = session.scalar(
        select(func.count()).select_from(Meeting).where(Meeting.organization_id == organization.id)
    )
    if existing:
        return organization, False
    rng = random.Random(seed)
    reps = []
    for index, (name, handle) in enumerate(corpus.REPS):
        user = User(organization_id=organization.id, name=name, email=f"{handle}@demo.example")
        reps.append((user, 0.25 + 0.7 * index / (len(corpus.REPS) - 1)))
    templates = [Template(organization_id=organization.id, **t) for t in corpus.TEMPLATES]
    session.add_all([*(user for user, _ in reps), *templates])
    session.flush()
    due = []
    for meeting, segments in _meetings(rng, organization, reps, meetings):
        session.add(meeting)
        if segments:
            session.flush()
            session.add(Transcript(meeting_id=meeting.id, segments=segments))
            due.append(meeting)
        else:
            progress(1)
    roleplays = list(_roleplay_sessions(rng, organization, reps, templates, 24))
    session.add_all(roleplays)
    session.flush()
    for meeting in due:
        analysed_at = (meeting.ended_at or meeting.started_at) + timedelta(minutes=12)
        analyse_meeting(session, meeting.id, analyser, analysed_at)
        progress(1)
    for roleplay in roleplays:
        if roleplay.segments is not None:
            score_roleplay(
                session, roleplay.id, analyser, roleplay.created_at + timedelta(minutes=25)
            )
    session.flush()
    return organization, True
