"""The built-in analyser: a 0–10 score per grading criterion, its evidence, and feedback.

Each criterion is matched to the conversation signal its name and description speak of; the same
transcript and template always give the same report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mira.coach.metrics import Segment, conversation_metrics

NEXT_STEP = re.compile(
    r"next step|schedule|calendar|send (it )?over|follow[- ]up|sign|kick ?off", re.I
)
EMPATHY = re.compile(
    r"i hear you|makes sense|understand|great question|fair point|thanks for", re.I
)
VALUE = re.compile(r"roi|save|value|because|return|payback|results?", re.I)
OBJECTION = re.compile(r"too expensive|budget|not sure|concern|already (use|have)|competitor", re.I)


@dataclass(frozen=True)
class CriterionResult:
    name: str
    weight: float
    score: float
    feedback: str
    evidence: list[dict[str, Any]]


@dataclass(frozen=True)
class Analysis:
    metrics: dict[str, float | int]
    criteria: list[CriterionResult]
    overall_score: float
    strengths: list[str] = field(default_factory=list)
    improvements: list[str] = field(default_factory=list)
    summary: str = ""


def _clamp(value: float) -> float:
    return round(min(10.0, max(0.0, float(value))), 1)


def _evidence(segments: list[Segment], keep: Callable[[Segment], bool]) -> list[dict[str, Any]]:
    return [{"quote": s["text"], "start": s["start"]} for s in segments if keep(s)][:3]


def _rep(segment: Segment) -> bool:
    return bool(segment["role"] == "rep")


Signal = Callable[[list[Segment], dict[str, float | int]], tuple[float, str, list[dict[str, Any]]]]


def _questions(
    segments: list[Segment], metrics: dict[str, float | int]
) -> tuple[float, str, list[dict[str, Any]]]:
    asked = int(metrics["questions_asked"])
    minutes = max(1.0, (segments[-1]["end"] - segments[0]["start"]) / 60) if segments else 1.0
    per_ten = asked * 10 / minutes
    quotes = _evidence(segments, lambda s: _rep(s) and "?" in s["text"])
    # Three to eight questions per ten minutes is a conversation; more is an interrogation.
    score = 10 - 1.5 * max(0.0, 3 - per_ten) - 0.8 * max(0.0, per_ten - 8)
    return _clamp(score), f"asked {asked} questions ({per_ten:.1f} per 10 minutes)", quotes


def _listening(
    segments: list[Segment], metrics: dict[str, float | int]
) -> tuple[float, str, list[dict[str, Any]]]:
    ratio = float(metrics["talk_ratio"])
    quotes = _evidence(segments, lambda s: _rep(s) and bool(EMPATHY.search(s["text"])))
    score = 10 - abs(ratio - 0.43) * 25 + min(len(quotes), 2) * 0.5
    return _clamp(score), f"talked {ratio:.0%} of the time", quotes


def _next_steps(
    segments: list[Segment], _m: dict[str, float | int]
) -> tuple[float, str, list[dict[str, Any]]]:
    # Next steps are agreed at the end: only the last quarter of the call counts.
    closing = segments[-1]["end"] * 0.75 if segments else 0.0
    quotes = _evidence(
        segments, lambda s: _rep(s) and s["start"] >= closing and bool(NEXT_STEP.search(s["text"]))
    )
    score = 4 + 3 * len(quotes) if quotes else 2
    return _clamp(score), f"proposed {len(quotes)} concrete next steps", quotes


def _objections(
    segments: list[Segment], _m: dict[str, float | int]
) -> tuple[float, str, list[dict[str, Any]]]:
    raised = answered = 0
    quotes: list[dict[str, Any]] = []
    for before, after in zip(segments, segments[1:], strict=False):
        if before["role"] == "prospect" and OBJECTION.search(before["text"]):
            raised += 1
            if _rep(after) and VALUE.search(after["text"]):
                answered += 1
                quotes.append({"quote": after["text"], "start": after["start"]})
    if raised == 0:
        return 7.0, "met no objections", []
    return (
        _clamp(3 + 7 * answered / raised),
        f"answered {answered} of {raised} objections with value",
        quotes[:3],
    )


def _clarity(
    segments: list[Segment], metrics: dict[str, float | int]
) -> tuple[float, str, list[dict[str, Any]]]:
    longest = float(metrics["longest_monologue_seconds"])
    quotes = _evidence(segments, lambda s: _rep(s) and s["end"] - s["start"] > 45)
    return _clamp(10 - max(0.0, longest - 60) / 10), f"longest monologue {longest:.0f}s", quotes


def _engagement(
    segments: list[Segment], metrics: dict[str, float | int]
) -> tuple[float, str, list[dict[str, Any]]]:
    rate = float(metrics["interactivity"])
    quotes = _evidence(segments, lambda s: s["role"] == "prospect" and "?" in s["text"])
    # About three switches a minute is a lively two-way call; far fewer or far more is not.
    return _clamp(10 - abs(rate - 3) * 1.5), f"{rate:.1f} speaker switches per minute", quotes


SIGNALS: list[tuple[re.Pattern[str], Signal]] = [
    (re.compile(r"question|discover|pain|need|qualif", re.I), _questions),
    (re.compile(r"next step|clos|commit|call to action|ask", re.I), _next_steps),
    (re.compile(r"objection|negotiat|pric|value", re.I), _objections),
    (re.compile(r"listen|rapport|empath|talk", re.I), _listening),
    (re.compile(r"demo|product|present|clar|pitch", re.I), _clarity),
]

TONES = {
    "direct": ("{name}: {finding}. {verdict}", "Fix this first.", "Keep doing it."),
    "encouraging": (
        "{name}: you {finding}. {verdict}",
        "A little more focus here will lift the whole call.",
        "Great work, keep it up!",
    ),
    "data-driven": (
        "{name} scored {score}/10 ({finding}). {verdict}",
        "Below target.",
        "On target.",
    ),
}


def _signal_for(criterion: dict[str, Any]) -> Signal:
    words = f"{criterion['name']} {criterion.get('description') or ''}"
    return next((signal for pattern, signal in SIGNALS if pattern.search(words)), _engagement)


def analyse(segments: list[Segment], criteria: list[dict[str, Any]], tone: str | None) -> Analysis:
    metrics = conversation_metrics(segments)
    line, weak, strong = TONES.get(tone or "", TONES["direct"])
    results = []
    for criterion in criteria:
        score, finding, evidence = _signal_for(criterion)(segments, metrics)
        verdict = strong if score >= 7 else weak
        feedback = line.format(
            name=criterion["name"], finding=finding, score=score, verdict=verdict
        )
        results.append(
            CriterionResult(criterion["name"], criterion["weight"], score, feedback, evidence)
        )
    overall, ranked, summary = summarise(results)
    strengths = [r.feedback for r in ranked if r.score >= 7][:2]
    improvements = [r.feedback for r in reversed(ranked) if r.score < 7][:2]
    return Analysis(metrics, results, overall, strengths, improvements, summary)


def summarise(results: list[CriterionResult]) -> tuple[float, list[CriterionResult], str]:
    """The weighted overall score, the criteria best first, and a one-line summary."""
    total_weight = sum(r.weight for r in results) or 1
    overall = round(sum(r.score * r.weight for r in results) / total_weight, 1)
    ranked = sorted(results, key=lambda r: (-r.score, r.name))
    if not results:
        return overall, ranked, "No criteria to score."
    summary = (
        f"Overall {overall}/10 across {len(results)} criteria; strongest: {ranked[0].name}; "
        f"weakest: {ranked[-1].name}."
    )
    return overall, ranked, summary
