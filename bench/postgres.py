"""A PostgreSQL instance of the bench's own (initdb, pg_ctl: on PATH), trusting local users, on a
free port of 127.0.0.1, removed afterwards: one the bench may restart. As root the instance runs
as the `postgres` user, since PostgreSQL refuses to run as root."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.wrk import free_port


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass(frozen=True)
class PrivatePostgres:
    data: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *args: str) -> None:
        log = str(self.data.parent / "postgres.log")
        command = ["pg_ctl", "-D", str(self.data), "-l", log, "-w", *args]
        subprocess.run(_as_owner(command), check=True, capture_output=True)

    def restart(self) -> None:
        """A fast restart: every session is ended, the server back when pg_ctl returns."""
        self.pg_ctl("-m", "fast", "restart")


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    root = Path(tempfile.mkdtemp(prefix="mira-bench-postgres-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    postgres = PrivatePostgres(root / "data", free_port())
    try:
        subprocess.run(
            _as_owner(["initdb", "-D", str(postgres.data), "-A", "trust", "-U", "postgres"]),
            check=True,
            capture_output=True,
        )
        options = f"-p {postgres.port} -k {root} -c listen_addresses=127.0.0.1"
        postgres.pg_ctl("-o", options, "start")
        yield postgres
    finally:
        if (postgres.data / "postmaster.pid").exists():
            postgres.pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)
