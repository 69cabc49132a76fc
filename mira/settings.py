"""Every setting of the server, read once from `MIRA_*` environment variables."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path


def _env(name: str, default: str) -> str:
    """An unset and an empty variable both mean the default."""
    return os.environ.get(name, "").strip() or default


def _flag(name: str, default: bool) -> bool:
    return _env(name, str(default)).lower() in {"1", "true", "yes", "on"}


def _local_secret_key() -> str:
    path = Path.cwd() / "mira-secret.key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    database_url: str
    # "100/minute" style (the `limits` notation), or "off".
    rate_limit: str = "100/minute"
    # Where the shared counters live: "database" (the server's own database) or a
    # `limits` storage URI such as redis://127.0.0.1:6379/0.
    rate_limit_storage: str = "database"
    # When the counters' storage cannot be reached: "open" lets requests through (logged,
    # counted, reported by /health), "closed" answers 503.
    rate_limit_failure: str = "open"
    # Response validation costs time on every request; tests turn it on.
    validate_responses: bool = False
    log_level: str = "info"
    db_pool_size: int = 10
    # A request that waits this long for a database connection answers 503 with Retry-After.
    db_pool_timeout: float = 3.0
    # Requests other than GETs a web worker runs at once; the others wait (503 after the pool
    # timeout), and reads go by them.
    writes_in_flight: int = 4
    # An OpenAI-compatible chat-completions endpoint; unset means the built-in analyser only.
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: str | None = None
    llm_timeout: float = 60.0
    # Outgoing webhooks: attempts before a delivery is marked failed, and the first retry delay.
    webhook_max_attempts: int = 8
    webhook_retry_base_seconds: float = 5.0
    webhook_timeout: float = 10.0
    # Receivers on this machine or a private network are refused unless this is set (tests do).
    webhook_allow_private: bool = False
    worker_poll_seconds: float = 1.0
    # Larger request bodies are refused with 413; the biggest documented one is a transcript file.
    max_body_bytes: int = 8 * 1024 * 1024
    # A client gets this long to send its request line and headers, and again its body (408).
    header_timeout_seconds: float = 10.0
    body_timeout_seconds: float = 10.0
    # The request line and headers together, and any one header, above these answer 431.
    max_header_bytes: int = 16 * 1024
    max_header_field_bytes: int = 8 * 1024
    # Encrypts voice private keys at rest (they sign webhooks). `from_env` keeps a generated one
    # in ./mira-secret.key when MIRA_SECRET_KEY is unset, so the embedded default just works.
    secret_key: str = ""
    # Reported by GET /health as underMaintenance.
    maintenance: bool = False
    # After an accepted assistant update, further updates of that assistant wait this long (429).
    voice_update_cooldown_seconds: float = 10.0
    # A v2 assistant update is applied by the worker this long after it was accepted.
    voice_update_apply_seconds: float = 2.0
    # LiveKit server for POST /v2/call/web; web calls answer 503 until all three are set.
    livekit_url: str | None = None
    livekit_api_key: str | None = None
    livekit_api_secret: str | None = None
    # The simulator telephony provider's clock: real seconds per simulated second of its
    # timelines (a 60 s conversation lasts 0.6 s at 0.01).
    simulator_seconds: float = 1.0
    # How long a dial may ring without news from the carrier before it counts as `no-answer`,
    # unless the provider gives its own ring timeout at placement.
    ring_timeout_seconds: float = 120.0
    # How long a worker has to place the dials it claimed and record them. After that, any
    # worker asks the provider about a dial still unrecorded, and places it only if it never
    # was; a worker whose lease ran out places no more (one dial must take well under this).
    dial_lease_seconds: float = 30.0

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            # The embedded default: a SQLite file in the working directory.
            database_url=_env("MIRA_DATABASE_URL", f"sqlite:///{Path.cwd() / 'mira.db'}"),
            rate_limit=_env("MIRA_RATE_LIMIT", "100/minute"),
            rate_limit_storage=_env("MIRA_RATE_LIMIT_STORAGE", "database"),
            rate_limit_failure=_env("MIRA_RATE_LIMIT_FAILURE", "open"),
            validate_responses=_flag("MIRA_VALIDATE_RESPONSES", False),
            log_level=_env("MIRA_LOG_LEVEL", "info"),
            db_pool_size=int(_env("MIRA_DB_POOL_SIZE", "10")),
            db_pool_timeout=float(_env("MIRA_DB_POOL_TIMEOUT", "3")),
            writes_in_flight=int(_env("MIRA_WRITES_IN_FLIGHT", "4")),
            llm_base_url=_env("MIRA_LLM_BASE_URL", "") or None,
            llm_model=_env("MIRA_LLM_MODEL", "gpt-4o-mini"),
            llm_api_key=_env("MIRA_LLM_API_KEY", "") or None,
            llm_timeout=float(_env("MIRA_LLM_TIMEOUT", "60")),
            webhook_max_attempts=int(_env("MIRA_WEBHOOK_MAX_ATTEMPTS", "8")),
            webhook_retry_base_seconds=float(_env("MIRA_WEBHOOK_RETRY_BASE_SECONDS", "5")),
            webhook_timeout=float(_env("MIRA_WEBHOOK_TIMEOUT", "10")),
            webhook_allow_private=_flag("MIRA_WEBHOOK_ALLOW_PRIVATE", False),
            worker_poll_seconds=float(_env("MIRA_WORKER_POLL_SECONDS", "1")),
            max_body_bytes=int(_env("MIRA_MAX_BODY_BYTES", str(8 * 1024 * 1024))),
            header_timeout_seconds=float(_env("MIRA_HEADER_TIMEOUT", "10")),
            body_timeout_seconds=float(_env("MIRA_BODY_TIMEOUT", "10")),
            max_header_bytes=int(_env("MIRA_MAX_HEADER_BYTES", str(16 * 1024))),
            max_header_field_bytes=int(_env("MIRA_MAX_HEADER_FIELD_BYTES", str(8 * 1024))),
            secret_key=_env("MIRA_SECRET_KEY", "") or _local_secret_key(),
            maintenance=_flag("MIRA_MAINTENANCE", False),
            voice_update_cooldown_seconds=float(_env("MIRA_VOICE_UPDATE_COOLDOWN_SECONDS", "10")),
            voice_update_apply_seconds=float(_env("MIRA_VOICE_UPDATE_APPLY_SECONDS", "2")),
            livekit_url=_env("MIRA_LIVEKIT_URL", "") or None,
            livekit_api_key=_env("MIRA_LIVEKIT_API_KEY", "") or None,
            livekit_api_secret=_env("MIRA_LIVEKIT_API_SECRET", "") or None,
            simulator_seconds=float(_env("MIRA_SIMULATOR_SECONDS", "1")),
            ring_timeout_seconds=float(_env("MIRA_RING_TIMEOUT_SECONDS", "120")),
            dial_lease_seconds=float(_env("MIRA_DIAL_LEASE_SECONDS", "30")),
        )
