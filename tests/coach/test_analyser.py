"""The built-in analyser on hand-written transcripts whose answers are worked out by hand."""

from __future__ import annotations

from mira.coach.insights import extract_insights
from mira.coach.metrics import conversation_metrics
from mira.coach.scoring import analyse


def seg(role: str, start: float, end: float, text: str) -> dict[str, object]:
    return {"speaker": role.title(), "role": role, "start": start, "end": end, "text": text}


CALL = [
    seg(
        "rep", 0, 10, "Hi! How is the quarter going? What are you using today?"
    ),  # 10s, 2 questions
    seg("prospect", 12, 32, "We already use Acme. It is manual and frustrating."),  # 20s
    seg("rep", 35, 45, "That makes sense."),  # 10s, pause 3s
    seg("rep", 45, 65, "Let me show you how it works."),  # 20s, monologue 10+20=30s
    seg("prospect", 66, 76, "This is too expensive for us."),  # 10s
    seg(
        "rep",
        77,
        97,
        "Teams save six hours a week, so the ROI is quick. Next step: schedule a demo?",
    ),
]


def test_conversation_metrics_known_answers() -> None:
    metrics = conversation_metrics(CALL)
    # rep speaks 10+10+20+20 = 60s of 90s spoken
    assert metrics["talk_ratio"] == round(60 / 90, 3)
    assert metrics["longest_monologue_seconds"] == 30.0
    assert metrics["questions_asked"] == 3
    # 4 switches over 97 seconds
    assert metrics["interactivity"] == round(4 / (97 / 60), 2)
    # the rep answered after pauses of 3s and 1s
    assert metrics["patience_seconds"] == 2.0


def test_empty_transcript_has_zero_metrics() -> None:
    assert conversation_metrics([]) == {
        "talk_ratio": 0.0,
        "longest_monologue_seconds": 0.0,
        "questions_asked": 0,
        "interactivity": 0.0,
        "patience_seconds": 0.0,
    }


def test_scores_follow_the_signals_and_weights() -> None:
    criteria = [
        {"name": "Objection handling", "weight": 50},
        {"name": "Next steps", "weight": 50, "description": "Ends with a commitment"},
    ]
    analysis = analyse(CALL, criteria, "data-driven")
    objection, next_steps = analysis.criteria
    # two objections ("already use", "too expensive"), one answered with value: 3 + 7 * 1/2
    assert objection.score == 6.5
    assert objection.evidence == [{"quote": CALL[5]["text"], "start": 77}]
    # one next-step line in the last quarter of the call: 4 + 3
    assert next_steps.score == 7.0
    assert analysis.overall_score == 6.8  # (6.5 * 50 + 7 * 50) / 100 = 6.75
    assert (
        next_steps.feedback
        == "Next steps scored 7.0/10 (proposed 1 concrete next steps). On target."
    )
    assert analysis.strengths == [next_steps.feedback]
    assert analysis.improvements == [objection.feedback]
    assert analyse(CALL, criteria, "data-driven") == analysis  # deterministic


def test_unanswered_objection_scores_low_and_becomes_an_improvement() -> None:
    weak = [*CALL[:5], seg("rep", 77, 80, "Okay, anyway.")]
    analysis = analyse(weak, [{"name": "Objection handling", "weight": 100}], "direct")
    assert analysis.criteria[0].score == 3.0  # raised twice, never answered with value
    assert analysis.improvements == [analysis.criteria[0].feedback]


def test_insights_from_prospect_lines_once_each() -> None:
    lines = [*CALL, seg("prospect", 98, 100, "This is too expensive for us.")]
    found = [(category, s["start"]) for category, s in extract_insights(lines)]
    assert found == [("competitor_mention", 12), ("objection", 66)]
