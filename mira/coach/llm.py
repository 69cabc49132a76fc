"""An optional LLM analyser: any OpenAI-compatible chat-completions endpoint.

The template's `prompt_template` is filled (placeholders `{transcript}`, `{criteria}`,
`{call_type}`, `{coaching_tone}`, `{industry_context}`), the model is asked for JSON, and the
answer is checked against the template's criteria. Anything else raises `LlmError`, and the caller
falls back to the built-in analyser.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from mira.coach.metrics import Segment, conversation_metrics
from mira.coach.scoring import Analysis, CriterionResult, summarise
from models import Template

ANSWER_SHAPE = (
    'Answer with one JSON object only: {"criteria": [{"name": <criterion name>, "score": <0-10>, '
    '"feedback": <text>, "evidence": [{"quote": <transcript words>, "start": <seconds>}]}], '
    '"strengths": [<text>], "improvements": [<text>], "summary": <text>}. '
    "Score every criterion listed, by its exact name."
)


class LlmError(RuntimeError):
    pass


def transcript_text(segments: list[Segment]) -> str:
    return "\n".join(
        f"[{s['start']:.1f}s] {s['speaker']} ({s['role']}): {s['text']}" for s in segments
    )


def fill_prompt(template: Template, segments: list[Segment]) -> tuple[str, bool]:
    """The filled prompt, and whether it already carries the transcript."""
    criteria = "\n".join(
        f"- {c['name']} (weight {c['weight']}): {c.get('description') or ''}"
        for c in template.grading_criteria
    )
    values = {
        "{criteria}": criteria,
        "{call_type}": template.call_type or "general",
        "{coaching_tone}": template.coaching_tone or "direct",
        "{industry_context}": template.industry_context or "",
        "{transcript}": transcript_text(segments),
    }
    prompt = template.prompt_template
    has_transcript = "{transcript}" in prompt
    for placeholder, value in values.items():
        prompt = prompt.replace(placeholder, value)
    if "{criteria}" not in template.prompt_template:
        prompt += f"\n\nGrading criteria:\n{criteria}"
    return prompt, has_transcript


def _number(value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise LlmError(f"expected a number in [{low}, {high}], got {value!r}")
    return float(value)


def _strings(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LlmError("expected a list of strings")
    return list(value)


def parse_answer(answer: dict[str, Any], template: Template, segments: list[Segment]) -> Analysis:
    scored = {c.get("name"): c for c in answer.get("criteria", []) if isinstance(c, dict)}
    results = []
    for criterion in template.grading_criteria:
        item = scored.get(criterion["name"])
        if item is None:
            raise LlmError(f"the answer does not score {criterion['name']!r}")
        evidence = item.get("evidence", [])
        if not isinstance(evidence, list) or not all(
            isinstance(e, dict) and isinstance(e.get("quote"), str) for e in evidence
        ):
            raise LlmError("evidence must be a list of {quote, start}")
        results.append(
            CriterionResult(
                name=criterion["name"],
                weight=criterion["weight"],
                score=round(_number(item.get("score"), 0, 10), 1),
                feedback=str(item.get("feedback", "")),
                evidence=[
                    {"quote": e["quote"], "start": _number(e.get("start", 0), 0, 1e6)}
                    for e in evidence
                ],
            )
        )
    summary = answer.get("summary")
    if not isinstance(summary, str):
        raise LlmError("the answer has no summary")
    metrics = conversation_metrics(segments)
    overall, _ranked, _default = summarise(results)
    return Analysis(
        metrics,
        results,
        overall,
        _strings(answer.get("strengths", [])),
        _strings(answer.get("improvements", [])),
        summary,
    )


class LlmAnalyser:
    def __init__(
        self, base_url: str, model: str, api_key: str | None, client: httpx.Client
    ) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = client

    def analyse(self, template: Template, segments: list[Segment]) -> Analysis:
        prompt, has_transcript = fill_prompt(template, segments)
        messages = [{"role": "system", "content": f"{prompt}\n\n{ANSWER_SHAPE}"}]
        if not has_transcript:
            messages.append({"role": "user", "content": transcript_text(segments)})
        try:
            response = self.client.post(
                self.url,
                headers=self.headers,
                json={
                    "model": self.model,
                    "messages": messages,
                    "temperature": 0,
                    "response_format": {"type": "json_object"},
                },
            )
            response.raise_for_status()
            content = orjson.loads(response.content)["choices"][0]["message"]["content"]
            answer = orjson.loads(content)
        except (httpx.HTTPError, KeyError, IndexError, TypeError, orjson.JSONDecodeError) as exc:
            raise LlmError(f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(answer, dict):
            raise LlmError("the answer is not a JSON object")
        try:
            return parse_answer(answer, template, segments)
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
            raise LlmError(f"the answer has the wrong shape: {type(exc).__name__}: {exc}") from exc
