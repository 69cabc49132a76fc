"""Small factories: one tenant per test, and rows with exactly the fields a test cares about."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mira.db import session_scope
from mira.keys import create_api_key
from mira.runtime import Runtime
from mira.voice.keys import create_key_pair
from models import (
    CriterionScore,
    Insight,
    Meeting,
    Organization,
    Report,
    RoleplaySession,
    Template,
    Transcript,
    User,
)
from models.base import utcnow

SEGMENTS = [
    {
        "speaker": "Rep",
        "role": "rep",
        "start": 0.0,
        "end": 4.0,
        "text": "How do you do this today?",
    },
    {
        "speaker": "Pat",
        "role": "prospect",
        "start": 5.0,
        "end": 12.0,
        "text": "Manually, it's slow.",
    },
    {"speaker": "Rep", "role": "rep", "start": 13.0, "end": 16.0, "text": "Let's schedule a demo."},
]


@dataclass
class Tenant:
    runtime: Runtime
    organization_id: uuid.UUID
    key: str
    users: list[uuid.UUID] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def add(self, *rows: Any) -> None:
        with session_scope(self.runtime.sessions) as session:
            session.add_all(rows)

    def key_with(self, permission: str) -> dict[str, str]:
        with session_scope(self.runtime.sessions) as session:
            organization = session.get_one(Organization, self.organization_id)
            _, plaintext = create_api_key(session, organization, "test", permission)
        return {"Authorization": f"Bearer {plaintext}"}

    def meeting(self, **fields: Any) -> Meeting:
        started = fields.pop("started_at", utcnow() - timedelta(days=1))
        values: dict[str, Any] = {
            "organization_id": self.organization_id,
            "user_id": self.users[0],
            "title": "Acme — discovery call",
            "call_type": "discovery",
            "status": "completed",
            "started_at": started,
            "ended_at": started + timedelta(minutes=30),
            "duration_seconds": 1800,
            "participants": [
                {"name": "Rep", "role": "rep", "user_id": str(self.users[0])},
                {"name": "Pat", "role": "prospect", "title": "CFO", "industry": "SaaS"},
            ],
        }
        meeting = Meeting(**(values | fields))
        self.add(meeting)
        return meeting

    def transcript(self, meeting: Meeting, segments: list[dict[str, Any]] = SEGMENTS) -> None:
        self.add(Transcript(meeting_id=meeting.id, segments=segments))

    def template(self, **fields: Any) -> Template:
        values: dict[str, Any] = {
            "organization_id": self.organization_id,
            "name": "Scorecard",
            "prompt_template": "Score it.",
            "grading_criteria": [{"name": "Questions", "weight": 100, "description": None}],
            "call_type": "discovery",
        }
        template = Template(**(values | fields))
        self.add(template)
        return template

    def report(self, meeting: Meeting | None, template: Template, **fields: Any) -> Report:
        values: dict[str, Any] = {
            "organization_id": self.organization_id,
            "meeting_id": meeting.id if meeting else None,
            "user_id": meeting.user_id if meeting else self.users[0],
            "template_id": template.id,
            "template_version": template.version or 1,
            "overall_score": 7.0,
            "summary": "Solid call.",
            "strengths": ["Questions"],
            "improvements": [],
            "metrics": {
                "talk_ratio": 0.4,
                "longest_monologue_seconds": 30.0,
                "questions_asked": 3,
                "interactivity": 2.0,
                "patience_seconds": 1.0,
            },
            "criteria": [
                CriterionScore(
                    position=0,
                    name="Questions",
                    weight=100,
                    score=fields.get("overall_score", 7.0),
                    feedback="Asked 3 questions.",
                    evidence=[{"quote": "How do you do this today?", "start": 0.0}],
                )
            ],
        }
        report = Report(**(values | fields))
        self.add(report)
        return report

    def insight(self, meeting: Meeting, **fields: Any) -> Insight:
        values: dict[str, Any] = {
            "organization_id": self.organization_id,
            "meeting_id": meeting.id,
            "category": "pain_point",
            "quote": "Manually, it's slow.",
            "timestamp_seconds": 5.0,
            "occurred_at": meeting.started_at + timedelta(seconds=5),
            "industry": "SaaS",
            "prospect_title": "CFO",
            "prospect_company": "Acme",
        }
        insight = Insight(**(values | fields))
        self.add(insight)
        return insight

    def roleplay(self, **fields: Any) -> RoleplaySession:
        values: dict[str, Any] = {
            "organization_id": self.organization_id,
            "user_id": self.users[0],
            "scenario": "Price objection",
            "persona": "Skeptical CFO",
            "call_type": "negotiation",
            "status": "scheduled",
        }
        roleplay = RoleplaySession(**(values | fields))
        self.add(roleplay)
        return roleplay


def make_tenant(runtime: Runtime, permission: str, reps: int = 2) -> Tenant:
    slug = f"org-{uuid.uuid4().hex[:12]}"
    with session_scope(runtime.sessions) as session:
        organization = Organization(slug=slug, name=slug)
        session.add(organization)
        session.flush()
        users = [
            User(organization_id=organization.id, name=f"Rep {i}", email=f"rep{i}@{slug}.test")
            for i in range(reps)
        ]
        session.add_all(users)
        session.flush()
        _, plaintext = create_api_key(session, organization, "test", permission)
        return Tenant(runtime, organization.id, plaintext, [u.id for u in users])


def at(days_ago: float) -> datetime:
    return (utcnow() - timedelta(days=days_ago)).replace(microsecond=0)


@dataclass
class VoiceTenant:
    """An organization with a voice key pair of the given role."""

    organization_id: uuid.UUID
    headers: dict[str, str]


def make_voice_tenant(runtime: Runtime, role: str = "admin") -> VoiceTenant:
    slug = f"shop-{uuid.uuid4().hex[:12]}"
    with session_scope(runtime.sessions) as session:
        organization = Organization(slug=slug, name=slug)
        session.add(organization)
        session.flush()
        public_key, private_key = create_key_pair(
            session, organization, role, runtime.settings.secret_key
        )
        return VoiceTenant(
            organization.id, {"x-public-key": public_key, "x-private-key": private_key}
        )
