"""Which analyser writes a report: the LLM when configured and answering well, else the built-in."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from mira.coach.llm import LlmAnalyser, LlmError
from mira.coach.metrics import Segment
from mira.coach.scoring import analyse
from mira.settings import Settings
from models import CriterionScore, Report, Template

log = logging.getLogger("mira.coach")


@dataclass
class Analyser:
    llm: LlmAnalyser | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Analyser:
        if not settings.llm_base_url:
            return cls()
        client = httpx.Client(timeout=settings.llm_timeout)
        return cls(
            LlmAnalyser(settings.llm_base_url, settings.llm_model, settings.llm_api_key, client)
        )

    def report(self, template: Template, segments: list[Segment], **owner: Any) -> Report:
        """A report of `segments` against `template`, owned by `owner` (user, meeting, time)."""
        analysis, produced_by = None, "builtin"
        if self.llm is not None:
            try:
                analysis, produced_by = self.llm.analyse(template, segments), "llm"
            except LlmError as exc:
                log.warning("LLM analysis failed, using the built-in analyser: %s", exc)
        if analysis is None:
            analysis = analyse(segments, template.grading_criteria, template.coaching_tone)
        return Report(
            organization_id=template.organization_id,
            template_id=template.id,
            template_version=template.version,
            overall_score=analysis.overall_score,
            summary=analysis.summary,
            strengths=analysis.strengths,
            improvements=analysis.improvements,
            metrics=analysis.metrics,
            produced_by=produced_by,
            criteria=[
                CriterionScore(
                    position=i,
                    name=c.name,
                    weight=c.weight,
                    score=c.score,
                    feedback=c.feedback,
                    evidence=c.evidence,
                )
                for i, c in enumerate(analysis.criteria)
            ],
            **owner,
        )
