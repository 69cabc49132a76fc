"""Schemathesis hooks for the voice agents API, shared by the in-process test and the live run in
CI (SCHEMATHESIS_HOOKS=tests.contract.voice_hooks).

A workspace-scoped operation only reaches its handler with the id of a workspace the keys own,
and a call only with an assistant of that workspace. Random 24-hex ids would make nearly every
positive case a 404, so positive cases that name no workspace or assistant the run has seen get
the seeded ones: from `SEEDED` (the in-process fixture) or the environment (MIRA_ST_WORKSPACE,
MIRA_ST_ASSISTANT, printed by `mira demo`). Ids the run created itself (through links) are kept.
Names are made unique: a store or assistant name met before answers differently (the existing
workspace, a 409) and would make a replayed stateful example behave differently from the first run.
Negative cases are left alone.
"""

from __future__ import annotations

import itertools
import os
from typing import Any

import schemathesis
from schemathesis import GenerationMode

SEEDED: dict[str, str] = {}
# Workspace ids and assistant ids (→ their workspace) seen in successful responses.
WORKSPACES: set[str] = set()
ASSISTANTS: dict[str, str] = {}
ASSISTANT_CREATES = {
    "handlers.voice.assistants.create_assistant",
    "handlers.voice.assistants.admin_create_assistant",
}
NAMED = {
    "handlers.voice.onboarding.onboard_shopify_store": 200,
    "handlers.voice.assistants.create_assistant": 200,
    "handlers.voice.assistants.update_assistant": 200,
    "handlers.voice.assistants.admin_create_assistant": 40,
    "handlers.voice.assistants.admin_update_assistant": 40,
}
NAMES = itertools.count()
CALL_STARTS = {"handlers.voice.calls.initiate_call", "handlers.voice.calls.initiate_web_call"}


def _seeded(name: str) -> str | None:
    return SEEDED.get(name) or os.environ.get(f"MIRA_ST_{name.upper()}")


def _operation_id(case: Any) -> str:
    return str(case.operation.definition.raw.get("operationId", ""))


@schemathesis.hook
def map_case(context, case):  # type: ignore[no-untyped-def]
    operation_id = _operation_id(case)
    positive = case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE
    if not operation_id.startswith("handlers.voice.") or not positive:
        return case
    if (
        operation_id in NAMED
        and isinstance(case.body, dict)
        and isinstance(case.body.get("name"), str)
    ):
        suffix = f" #{next(NAMES)}"
        case.body["name"] = case.body["name"][: NAMED[operation_id] - len(suffix)] + suffix
    workspace, assistant = _seeded("workspace"), _seeded("assistant")
    headers = case.headers if case.headers is not None else {}
    if "workspace" in headers and headers["workspace"] not in WORKSPACES and workspace:
        headers["workspace"] = workspace
    if operation_id in CALL_STARTS and isinstance(case.body, dict) and assistant and workspace:
        named = case.body.get("assistant")
        if ASSISTANTS.get(named) != headers.get("workspace"):
            case.body["assistant"], headers["workspace"] = assistant, workspace
    return case


@schemathesis.hook
def after_call(context, case, response):  # type: ignore[no-untyped-def]
    operation_id = _operation_id(case)
    if not operation_id.startswith("handlers.voice.") or response.status_code >= 300:
        return
    body = response.json()
    if operation_id == "handlers.voice.onboarding.onboard_shopify_store":
        WORKSPACES.add(body["workspace"])
    elif operation_id in ASSISTANT_CREATES and case.headers:
        ASSISTANTS[body["data"]["assistantId"]] = case.headers["workspace"]
