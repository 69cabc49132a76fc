"""The two mounted APIs and what tells them apart at the edge: where each lives, its spec as
written, the shape of its errors, and whom its rate limit counts.

The coaching API lives under /api/v1 with `{data, error, meta}` errors and Bearer keys; the voice
agents API at the root with `{code, message}` errors and `x-public-key` + `x-private-key` pairs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connexion.lifecycle import ConnexionRequest
from starlette.types import Scope

from mira.envelope import failure
from mira.keys import hash_key
from mira.voice.keys import PRIVATE_KEY, PUBLIC_KEY

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


class AllowedMethods:
    """The methods the spec documents for each path, for the `Allow` header of a 405."""

    def __init__(self, base_path: str, spec: dict[str, Any]) -> None:
        self.routes = [
            (
                re.compile("^" + base_path + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"),
                ", ".join(sorted(m.upper() for m in item if m in HTTP_METHODS)),
            )
            for path, item in spec["paths"].items()
        ]

    def of(self, path: str) -> str | None:
        return next((methods for pattern, methods in self.routes if pattern.match(path)), None)


def _headers(scope: Scope) -> dict[bytes, str]:
    return {name: value.decode("latin-1") for name, value in scope.get("headers", [])}


def _client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


@dataclass(frozen=True)
class Api:
    prefix: str
    spec_file: Path
    # The error body for a status and a message.
    body: Callable[[int, str], dict[str, Any]]
    # The 401 message, which may depend on what the request sent.
    unauthorized: Callable[[ConnexionRequest], str]
    # Whom a request's hit counts against: the tightest of these windows answers.
    rate_identities: Callable[[Scope], list[str]]
    # Paths under the prefix the limiter never counts, besides the spec and Swagger UI.
    unlimited: tuple[str, ...] = ()
    spec_bytes: bytes = field(init=False)
    allowed: AllowedMethods = field(init=False)

    def __post_init__(self) -> None:
        raw = self.spec_file.read_bytes()
        object.__setattr__(self, "spec_bytes", raw)
        object.__setattr__(self, "allowed", AllowedMethods(self.prefix, json.loads(raw)))

    @property
    def spec_path(self) -> str:
        return f"{self.prefix}/openapi.json"

    @property
    def ui_path(self) -> str:
        return f"{self.prefix}/ui"

    def is_limited(self, path: str) -> bool:
        return not path.startswith((self.spec_path, self.ui_path, *self.unlimited))


def api_for(apis: Sequence[Api], path: str) -> Api:
    """The API a path belongs to: `apis` go most specific prefix first, the root API last."""
    return next(api for api in apis if path.startswith(api.prefix + "/"))


def _bearer_identities(scope: Scope) -> list[str]:
    identities = [_client_ip(scope)]
    # The token exactly as Connexion's security reads it (any whitespace after the scheme,
    # trailing whitespace kept), so that no spelling is a key to one and not the other.
    parts = _headers(scope).get(b"authorization", "").split(maxsplit=1)
    if len(parts) == 2 and parts[0].lower() == "bearer":
        identities.append(f"key:{hash_key(parts[1])}")
    return identities


def _coaching_unauthorized(request: ConnexionRequest) -> str:
    if not request.headers.get("authorization"):
        return "Missing API key: send 'Authorization: Bearer mira_live_…'"
    return "Invalid or revoked API key"


def _key_pair_identities(scope: Scope) -> list[str]:
    """The pair when both keys are well-formed (a wrong private key is a pair of its own, so it
    spends nobody else's budget), the client IP otherwise: stores behind one integration server
    each keep their own budget."""
    headers = _headers(scope)
    public_key, private_key = headers.get(b"x-public-key", ""), headers.get(b"x-private-key", "")
    if PUBLIC_KEY.match(public_key) and PRIVATE_KEY.match(private_key):
        pair = hashlib.sha256(f"{public_key}:{private_key}".encode()).hexdigest()
        return [f"pair:{pair}"]
    return [_client_ip(scope)]


def coaching_api(spec_dir: Path, prefix: str) -> Api:
    return Api(
        prefix=prefix,
        spec_file=spec_dir / "coaching.openapi.json",
        body=lambda _status, message: failure(message),
        unauthorized=_coaching_unauthorized,
        rate_identities=_bearer_identities,
    )


def voice_api(spec_dir: Path) -> Api:
    return Api(
        prefix="",
        spec_file=spec_dir / "voice.openapi.json",
        body=lambda status, message: {"code": status, "message": message},
        unauthorized=lambda _request: "Missing or invalid API keys",
        rate_identities=_key_pair_identities,
        unlimited=("/health",),
    )
