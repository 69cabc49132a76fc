"""The `mira` command: serve, db upgrade, keys, demo."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import click
from sqlalchemy.orm import Session, sessionmaker

from mira.coach.analyser import Analyser
from mira.db import make_engine, make_session_factory, session_scope
from mira.demo import DEMO_SLUG, create_demo
from mira.errors import ApiError
from mira.keys import create_api_key, highest_permission, list_api_keys, revoke_api_key
from mira.migrations import upgrade_database
from mira.organizations import ensure_organization, find_organization
from mira.runtime import Runtime
from mira.settings import Settings
from mira.worker import Worker

GUNICORN_CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def _sessions(settings: Settings) -> sessionmaker[Session]:
    return make_session_factory(make_engine(settings))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Mira: the coaching API and the voice agents API, self-hosted.

    Settings come from MIRA_* environment variables (MIRA_DATABASE_URL, MIRA_RATE_LIMIT, …).
    """


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def _run_worker(settings: Settings, stop: threading.Event) -> None:
    Worker.start(Runtime.start(settings)).run(stop)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to bind.")
@click.option(
    "--worker/--no-worker",
    default=True,
    show_default=True,
    help="Run a worker (analyses, webhook deliveries) beside the web server.",
)
def serve(host: str, port: int, worker: bool) -> None:
    """Migrate the database, then serve with gunicorn and gunicorn.conf.py (and a worker)."""
    settings = Settings.from_env()
    upgrade_database(settings)
    stop = _stop_on_signals()
    bind = f"{host}:{port}"
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "-b", bind])
    background = threading.Thread(target=_run_worker, args=(settings, stop), daemon=True)
    if worker:
        background.start()
    while not stop.is_set() and web.poll() is None:
        stop.wait(0.5)
    stop.set()
    web.terminate()
    web.wait(timeout=30)
    if worker:
        background.join(timeout=30)
    sys.exit(max(web.returncode or 0, 0))


@main.command("worker")
def run_worker() -> None:
    """Claim and do due work until stopped: analyses, roleplay scoring, webhook deliveries."""
    settings = Settings.from_env()
    upgrade_database(settings)
    _run_worker(settings, _stop_on_signals())


@main.group()
def db() -> None:
    """Database schema."""


@db.command()
def upgrade() -> None:
    """Apply every migration not yet applied."""
    upgrade_database(Settings.from_env())
    click.echo("database is up to date")


@main.group()
def keys() -> None:
    """Coaching API keys."""


@keys.command("create")
@click.option("--org", "org_slug", required=True, help="Organization slug (created if missing).")
@click.option(
    "--permissions",
    default="read",
    show_default=True,
    help="Comma-separated: read, write, admin (each includes the ones before).",
)
@click.option("--name", default="cli", show_default=True, help="A label for the key.")
def create_key(org_slug: str, permissions: str, name: str) -> None:
    """Create a key and print it; it is shown this once only."""
    settings = Settings.from_env()
    upgrade_database(settings)
    try:
        permission = highest_permission([p.strip() for p in permissions.split(",") if p.strip()])
    except ApiError as exc:
        raise click.BadParameter(exc.message, param_hint="--permissions") from None
    with session_scope(_sessions(settings)) as session:
        organization = ensure_organization(session, org_slug, org_slug)
        _, plaintext = create_api_key(session, organization, name, permission)
    click.echo(plaintext)


@keys.command("list")
@click.option("--org", "org_slug", required=True, help="Organization slug.")
def list_keys(org_slug: str) -> None:
    """List an organization's keys by prefix (the keys themselves are not stored)."""
    with session_scope(_sessions(Settings.from_env())) as session:
        try:
            found = list_api_keys(session, find_organization(session, org_slug))
        except ApiError as exc:
            raise click.ClickException(exc.message) from None
        for key in found:
            state = "revoked" if key.revoked_at else "active"
            click.echo(f"{key.prefix}…  {key.permission:<6} {state:<8} {key.name}")


@keys.command("revoke")
@click.option("--org", "org_slug", required=True, help="Organization slug.")
@click.argument("prefix")
def revoke_key(org_slug: str, prefix: str) -> None:
    """Revoke the key whose visible prefix is PREFIX; it answers 401 from then on."""
    with session_scope(_sessions(Settings.from_env())) as session:
        try:
            revoke_api_key(session, find_organization(session, org_slug), prefix.rstrip("…"))
        except ApiError as exc:
            raise click.ClickException(exc.message) from None
    click.echo(f"revoked {prefix}")


@main.command()
@click.option("--meetings", default=300, show_default=True, help="How many meetings to create.")
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True)
def demo(meetings: int, base_url: str) -> None:
    """Create the demo organization (once) and print a new admin key and a curl line."""
    settings = Settings.from_env()
    upgrade_database(settings)
    with session_scope(_sessions(settings)) as session:
        with click.progressbar(length=meetings, label="analysing demo calls") as bar:
            analyser = Analyser.from_settings(settings)
            _, created = create_demo(session, analyser, meetings=meetings, progress=bar.update)
    with session_scope(_sessions(settings)) as session:
        organization = find_organization(session, DEMO_SLUG)
        _, plaintext = create_api_key(session, organization, "demo", "admin")
    click.echo("demo data created" if created else "demo data already present; nothing duplicated")
    click.echo(f"API key (shown once): {plaintext}")
    click.echo(f'curl -H "Authorization: Bearer {plaintext}" "{base_url}/api/v1/meetings?limit=5"')
