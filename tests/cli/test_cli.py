from __future__ import annotations

import re
import uuid

import pytest
from click.testing import CliRunner

from mira.cli import main
from mira.db import session_scope
from mira.organizations import find_organization
from mira.runtime import Runtime
from models import VoiceKeyPair
from tests.voice.test_foundation import ONBOARD, STORE_EXAMPLE

KEY = re.compile(r"mira_live_[A-Za-z0-9]{32}")


@pytest.fixture
def mira(database_url: str, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MIRA_DATABASE_URL", database_url)
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result.output

    return run


def test_every_command_has_help(mira) -> None:  # type: ignore[no-untyped-def]
    for command in (
        [],
        ["serve"],
        ["db"],
        ["db", "upgrade"],
        ["keys"],
        ["keys", "create"],
        ["keys", "list"],
        ["keys", "revoke"],
        ["credits"],
        ["credits", "add"],
        ["demo"],
    ):
        assert "Usage: " in mira(*command, "--help")


def test_keys_create_list_revoke(mira, client) -> None:  # type: ignore[no-untyped-def]
    output = mira("keys", "create", "--org", "cli-test", "--permissions", "read,write")
    key = output.strip()
    assert KEY.fullmatch(key)
    headers = {"Authorization": f"Bearer {key}"}
    created = client.post(
        "/api/v1/templates",
        headers=headers,
        json={
            "name": "t",
            "prompt_template": "p",
            "grading_criteria": [{"name": "a", "weight": 100}],
        },
    )
    assert created.status_code == 200  # write granted
    listing = mira("keys", "list", "--org", "cli-test")
    assert key[:16] in listing and "write" in listing and key not in listing
    mira("keys", "revoke", "--org", "cli-test", key[:16])
    assert client.get("/api/v1/meetings", headers=headers).status_code == 401
    assert "revoked" in mira("keys", "list", "--org", "cli-test")


def test_bad_permissions_and_unknown_orgs_are_refused(mira) -> None:  # type: ignore[no-untyped-def]
    assert "--permissions" in mira("keys", "create", "--org", "x", "--permissions", "root", code=2)
    assert "No organization 'nowhere'" in mira("keys", "list", "--org", "nowhere", code=1)


def test_demo_runs_twice_without_duplicating(mira, client) -> None:  # type: ignore[no-untyped-def]
    first = mira("demo", "--meetings", "12")
    key = KEY.search(first)
    assert key is not None and f"Bearer {key.group()}" in first and "curl" in first
    headers = {"Authorization": f"Bearer {key.group()}"}
    before = client.get("/api/v1/meetings", headers=headers).json()["meta"]["total"]
    reports = client.get("/api/v1/reports", headers=headers).json()["meta"]["total"]
    second = mira("demo", "--meetings", "12")
    assert "already present" in second
    again = {"Authorization": f"Bearer {KEY.search(second).group()}"}  # type: ignore[union-attr]
    assert client.get("/api/v1/meetings", headers=again).json()["meta"]["total"] == before > 0
    assert client.get("/api/v1/reports", headers=again).json()["meta"]["total"] == reports > 0
    assert client.get("/api/v1/insights", headers=again).json()["meta"]["total"] > 0
    assert client.get("/api/v1/roleplay/sessions", headers=again).json()["meta"]["total"] > 0


def test_keys_create_voice_prints_a_working_pair_once(mira, client) -> None:  # type: ignore[no-untyped-def]
    archive = {"type": "workspace", "id": "0" * 24}
    for permissions, archive_status in (("read", 403), ("admin", 404)):
        output = mira(
            "keys", "create", "--voice", "--org", "cli-voice", "--permissions", permissions
        )
        headers = dict(line.split(": ", 1) for line in output.strip().splitlines())
        assert re.fullmatch(r"pk_[0-9a-f]{32}", headers["x-public-key"])
        assert re.fullmatch(r"sk_[0-9a-f]{64}", headers["x-private-key"])
        assert client.get("/v1/admin/voice-gallery", headers=headers).status_code == 200
        answer = client.post("/v1/admin/organization/archive", headers=headers, json=archive)
        assert answer.status_code == archive_status


def _voice_pair(mira, org: str, *options: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    output = mira("keys", "create", "--voice", "--org", org, *options)
    return dict(line.split(": ", 1) for line in output.strip().splitlines())


def test_keys_list_and_revoke_voice_pairs_beside_coaching_keys(mira, client) -> None:  # type: ignore[no-untyped-def]
    org = f"cli-{uuid.uuid4().hex[:8]}"
    coaching = mira("keys", "create", "--org", org).strip()
    member, admin = _voice_pair(mira, org), _voice_pair(mira, org, "--permissions", "admin")
    listing = mira("keys", "list", "--org", org)
    assert listing.splitlines()[0].split() == [
        "PREFIX",
        "KIND",
        "ACCESS",
        "CREATED",
        "STATE",
        "NAME",
    ]
    rows = [line.split() for line in listing.splitlines()[1:]]
    assert [row[:3] + row[4:] for row in rows] == [
        [coaching[:16] + "…", "coaching", "read", "active", "cli"],
        [member["x-public-key"][:11] + "…", "voice", "member", "active"],
        [admin["x-public-key"][:11] + "…", "voice", "admin", "active"],
    ]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row[3]) for row in rows)
    assert member["x-private-key"] not in listing and member["x-public-key"] not in listing

    gallery = "/v1/admin/voice-gallery"
    assert client.get(gallery, headers=member).status_code == 200
    assert mira("keys", "revoke", "--org", org, rows[1][0]) == f"revoked {rows[1][0]}\n"
    refused = client.get(gallery, headers=member)
    assert refused.status_code == 401
    assert refused.json() == {"code": 401, "message": "Missing or invalid API keys"}
    assert client.get(gallery, headers=admin).status_code == 200
    mira("keys", "revoke", "--org", org, member["x-public-key"])  # the whole key; again: a no-op
    listing = mira("keys", "list", "--org", org)
    assert [line.split()[4] for line in listing.splitlines()[1:]] == ["active", "revoked", "active"]


def test_revoking_a_pair_needs_a_prefix_naming_one_pair_of_the_organization(  # type: ignore[no-untyped-def]
    mira, runtime: Runtime
) -> None:
    org = f"cli-{uuid.uuid4().hex[:8]}"
    pair = _voice_pair(mira, org)["x-public-key"]
    with session_scope(runtime.sessions) as session:
        organization = find_organization(session, org)
        for twin in ("pk_" + "ab" * 16, "pk_" + "ab" * 15 + "cd"):
            session.add(
                VoiceKeyPair(
                    organization_id=organization.id,
                    public_key=twin,
                    private_key_hash="0" * 64,
                    private_key_encrypted="-",
                    role="member",
                )
            )
    for prefix, message in [
        (pair[:10], "Give at least 11 characters of the public key"),
        ("pk_" + "ab" * 4, "2 key pairs start with pk_abababab; give more of the public key"),
        ("pk_" + "0" * 32, f"No key pair with prefix pk_{'0' * 32} in organization {org}"),
    ]:
        assert message in mira("keys", "revoke", "--org", org, prefix, code=1)
    other = f"cli-{uuid.uuid4().hex[:8]}"
    mira("keys", "create", "--org", other)
    assert "No key pair" in mira("keys", "revoke", "--org", other, pair, code=1)
    assert "revoked" not in mira("keys", "list", "--org", org)


def _shown(output: str, label: str) -> str:
    return next(line.split(": ", 1)[1] for line in output.splitlines() if line.startswith(label))


def test_demo_gives_the_voice_api_a_store_assistants_and_calls(mira, client) -> None:  # type: ignore[no-untyped-def]
    for run in range(2):
        output = mira("demo", "--meetings", "12")
        headers = {
            "x-public-key": _shown(output, "Voice x-public-key"),
            "x-private-key": _shown(output, "Voice x-private-key"),
            "workspace": _shown(output, "Voice workspace"),
        }
        assert f'-H "workspace: {headers["workspace"]}"' in output
        listed = client.get("/v1/admin/assistant/list", headers=headers).json()["data"]
        assert {a["variant"]["type"] for a in listed} == {"abandoned_cart", "custom"}
        assert _shown(output, "Voice assistant (custom)") in {a["_id"] for a in listed}
        calls = client.get("/v2/call/list", headers=headers).json()
        assert calls["meta"]["total"] == 2, run  # the second run duplicates nothing
        assert {c["status"] for c in calls["data"]} == {"queued"}


def test_credits_add_tops_up_a_workspace_and_refuses_unknown_ones(mira, client) -> None:  # type: ignore[no-untyped-def]
    output = mira("keys", "create", "--voice", "--org", "cli-credits")
    headers = dict(line.split(": ", 1) for line in output.strip().splitlines())
    store = STORE_EXAMPLE | {"name": f"Store {uuid.uuid4().hex[:8]}"}
    workspace = client.post(ONBOARD, json=store, headers=headers).json()["workspace"]
    assert mira("credits", "add", workspace.upper(), "25.5") == f"{workspace}: 125.5 credits\n"
    assert mira("credits", "add", "--", workspace, "-225.5") == f"{workspace}: -100 credits\n"
    again = client.post(ONBOARD, json=store, headers=headers).json()
    assert again["status"] == "suspended" and again["billing"]["creditBalance"] == -100
    assert "no workspace" in mira("credits", "add", "0" * 24, "5", code=1)
