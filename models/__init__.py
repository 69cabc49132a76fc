"""SQLAlchemy 2 typed models; importing this package registers every table on `Base.metadata`."""

from models.base import Base
from models.insights import Insight
from models.meetings import Meeting, Transcript
from models.rate_limits import RateLimitCounter
from models.reports import CriterionScore, Report
from models.roleplay import RoleplaySession
from models.tallies import (
    CriterionDayTally,
    CriterionTally,
    InsightTally,
    MeetingDayTally,
    MeetingTally,
    ReportDayTally,
    ReportTally,
)
from models.templates import Template
from models.tenancy import ApiKey, Organization, User
from models.voice import (
    Assistant,
    Call,
    CallAttempt,
    CallEvent,
    SimulatedDial,
    VoiceKeyPair,
    Workspace,
)
from models.webhooks import WebhookAttempt, WebhookDelivery, WebhookSubscription

__all__ = [
    "Assistant",
    "Call",
    "CallAttempt",
    "CallEvent",
    "SimulatedDial",
    "VoiceKeyPair",
    "Workspace",
    "ApiKey",
    "Base",
    "CriterionScore",
    "CriterionDayTally",
    "CriterionTally",
    "Insight",
    "InsightTally",
    "Meeting",
    "MeetingDayTally",
    "MeetingTally",
    "Organization",
    "RateLimitCounter",
    "Report",
    "ReportDayTally",
    "ReportTally",
    "RoleplaySession",
    "Template",
    "Transcript",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
]
