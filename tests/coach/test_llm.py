"""The optional LLM analyser against a local OpenAI-compatible server, and its fallback."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from mira.coach.analyser import Analyser
from mira.coach.pipeline import analyse_meeting
from mira.runtime import Runtime
from mira.settings import Settings
from models.base import utcnow
from tests.factories import SEGMENTS, Tenant
from tests.receivers import Receiver, Reply

PROMPT = (
    "Coach this {call_type} call in a {coaching_tone} tone ({industry_context}).\n"
    "Criteria:\n{criteria}\nTranscript:\n{transcript}"
)
FILLED = (
    "Coach this discovery call in a supportive tone (B2B SaaS).\n"
    "Criteria:\n- Questions (weight 60): Open questions\n- Next steps (weight 40): \n"
    "Transcript:\n[0.0s] Rep (rep): How do you do this today?\n"
    "[5.0s] Pat (prospect): Manually, it's slow.\n[13.0s] Rep (rep): Let's schedule a demo."
)
CRITERIA = [
    {"name": "Questions", "weight": 60, "description": "Open questions"},
    {"name": "Next steps", "weight": 40, "description": None},
]
ANSWER: dict[str, Any] = {
    "criteria": [
        {
            "name": "Questions",
            "score": 8.5,
            "feedback": "Good opener.",
            "evidence": [{"quote": "How do you do this today?", "start": 0}],
        },
        {"name": "Next steps", "score": 6, "feedback": "Book it.", "evidence": []},
    ],
    "strengths": ["Curiosity"],
    "improvements": ["Quantify the pain"],
    "summary": "A promising start.",
}


def completion(content: str) -> bytes:
    return json.dumps(
        {"choices": [{"message": {"role": "assistant", "content": content}}]}
    ).encode()


def answering(reply: Reply) -> Receiver:
    return Receiver(lambda _request: reply)


def llm_settings(settings: Settings, receiver: Receiver) -> Settings:
    return Settings(
        database_url=settings.database_url,
        llm_base_url=f"{receiver.url}/v1/",
        llm_model="coach-model",
        llm_api_key="sk-local-test",
        llm_timeout=0.3,
    )


def analysed_report(
    client: TestClient, runtime: Runtime, tenant: Tenant, analyser: Analyser
) -> dict[str, Any]:
    """Analyse a fresh meeting of `tenant` with `analyser`; its one report, read over the API."""
    meeting = tenant.meeting()
    tenant.transcript(meeting)
    with runtime.sessions.begin() as session:
        analyse_meeting(session, meeting.id, analyser, utcnow())
    response = client.get(f"/api/v1/meetings/{meeting.id}/report", headers=tenant.headers)
    assert response.status_code == 200, response.text
    (report,) = response.json()["data"]
    return dict(report)


def builtin_scores(
    client: TestClient, runtime: Runtime, tenant: Tenant
) -> tuple[float, list[float]]:
    report = analysed_report(client, runtime, tenant, Analyser())
    return report["overall_score"], [c["score"] for c in report["criteria_scores"]]


@pytest.fixture
def llm_tenant(tenant: Tenant) -> Tenant:
    tenant.template(
        prompt_template=PROMPT,
        grading_criteria=CRITERIA,
        coaching_tone="supportive",
        industry_context="B2B SaaS",
    )
    return tenant


def test_a_good_answer_makes_an_llm_report(
    client: TestClient,
    runtime: Runtime,
    settings: Settings,
    llm_tenant: Tenant,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with answering(Reply(200, completion(json.dumps(ANSWER)))) as server:
        monkeypatch.setenv("MIRA_DATABASE_URL", settings.database_url)
        monkeypatch.setenv("MIRA_LLM_BASE_URL", f"{server.url}/v1/")
        monkeypatch.setenv("MIRA_LLM_MODEL", "coach-model")
        monkeypatch.setenv("MIRA_LLM_API_KEY", "sk-local-test")
        monkeypatch.setenv("MIRA_LLM_TIMEOUT", "0.3")
        from_env, expected = Settings.from_env(), llm_settings(settings, server)
        for name in ("llm_base_url", "llm_model", "llm_api_key", "llm_timeout"):
            assert getattr(from_env, name) == getattr(expected, name)
        report = analysed_report(
            client, runtime, llm_tenant, Analyser.from_settings(Settings.from_env())
        )
    assert report["produced_by"] == "llm"
    assert report["overall_score"] == 7.5  # 8.5·60% + 6·40%
    assert report["summary"] == "A promising start."
    assert (report["strengths"], report["improvements"]) == (["Curiosity"], ["Quantify the pain"])
    assert [(c["name"], c["score"], c["feedback"]) for c in report["criteria_scores"]] == [
        ("Questions", 8.5, "Good opener."),
        ("Next steps", 6.0, "Book it."),
    ]
    assert report["criteria_scores"][0]["evidence"] == [
        {"quote": "How do you do this today?", "start": 0.0}
    ]
    assert report["metrics"]["questions_asked"] == 1  # measured, not taken from the model

    (request,) = server.received
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-local-test"
    sent = json.loads(request.body)
    assert sent["model"] == "coach-model" and sent["temperature"] == 0
    assert sent["response_format"] == {"type": "json_object"}
    (system,) = sent["messages"]  # the prompt carries the transcript itself
    assert system["role"] == "system" and system["content"].startswith(FILLED + "\n\n")
    assert '"criteria"' in system["content"]


def test_a_prompt_without_transcript_gets_it_as_the_user_message(
    client: TestClient, runtime: Runtime, settings: Settings, tenant: Tenant
) -> None:
    tenant.template(prompt_template="Score it.", grading_criteria=CRITERIA)
    with answering(Reply(200, completion(json.dumps(ANSWER)))) as server:
        analyser = Analyser.from_settings(llm_settings(settings, server))
        report = analysed_report(client, runtime, tenant, analyser)
    assert report["produced_by"] == "llm"
    system, user = json.loads(server.received[0].body)["messages"]
    assert system["content"].startswith(
        "Score it.\n\nGrading criteria:\n- Questions (weight 60): Open questions\n"
    )
    assert user == {
        "role": "user",
        "content": "\n".join(
            f"[{s['start']:.1f}s] {s['speaker']} ({s['role']}): {s['text']}" for s in SEGMENTS
        ),
    }


def without(name: str) -> dict[str, Any]:
    return {**ANSWER, "criteria": [c for c in ANSWER["criteria"] if c["name"] != name]}


def scored(score: object) -> dict[str, Any]:
    first = {**ANSWER["criteria"][0], "score": score}
    return {**ANSWER, "criteria": [first, ANSWER["criteria"][1]]}


BAD_ANSWERS = {
    "server error": Reply(500, b'{"error": {"message": "overloaded"}}'),
    "not found": Reply(404, b"{}"),
    "no choices": Reply(200, b'{"choices": []}'),
    "prose, not JSON": Reply(200, completion("Sure! The rep did great.")),
    "a JSON list": Reply(200, completion("[1, 2]")),
    "a criterion missing": Reply(200, completion(json.dumps(without("Next steps")))),
    "a score out of range": Reply(200, completion(json.dumps(scored(11)))),
    "a score that is text": Reply(200, completion(json.dumps(scored("eight")))),
    "no summary": Reply(
        200, completion(json.dumps({k: v for k, v in ANSWER.items() if k != "summary"}))
    ),
    "strengths not a list": Reply(200, completion(json.dumps({**ANSWER, "strengths": "Bold"}))),
    "too slow": Reply(200, completion(json.dumps(ANSWER)), delay=1.0),
}
CASES = [pytest.param(reply, id=name) for name, reply in BAD_ANSWERS.items()] + [
    pytest.param(Reply(200, b"<html>Bad gateway</html>"), id="a body not JSON"),
    pytest.param(
        Reply(200, completion(json.dumps({**ANSWER, "criteria": 5}))), id="criteria a number"
    ),
    pytest.param(
        Reply(200, completion(json.dumps({**ANSWER, "criteria": None}))), id="criteria null"
    ),
]


def assert_builtin_fallback(
    client: TestClient, runtime: Runtime, settings: Settings, tenant: Tenant, reply: Reply
) -> None:
    expected = builtin_scores(client, runtime, tenant)
    with answering(reply) as server:
        analyser = Analyser.from_settings(llm_settings(settings, server))
        report = analysed_report(client, runtime, tenant, analyser)
        assert len(server.received) == 1
    assert report["produced_by"] == "builtin"
    assert (report["overall_score"], [c["score"] for c in report["criteria_scores"]]) == expected
    assert report["summary"] != ANSWER["summary"]


@pytest.mark.parametrize("reply", CASES)
def test_a_failing_or_bad_answer_falls_back_to_the_builtin_analyser(
    client: TestClient, runtime: Runtime, settings: Settings, llm_tenant: Tenant, reply: Reply
) -> None:
    assert_builtin_fallback(client, runtime, settings, llm_tenant, reply)


def test_no_base_url_means_builtin_only(settings: Settings) -> None:
    assert Analyser.from_settings(settings).llm is None
    llm = Analyser.from_settings(
        Settings(database_url=settings.database_url, llm_base_url="http://127.0.0.1:9/v1")
    ).llm
    assert llm is not None and llm.url == "http://127.0.0.1:9/v1/chat/completions"
    assert llm.headers == {} and llm.model == "gpt-4o-mini"
