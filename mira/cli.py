"""The `mira` command: serve, db upgrade, keys, credits, demo, import."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import click
from sqlalchemy.orm import Session, sessionmaker

from mira.coach.analyser import Analyser
from mira.coach.transcripts import TranscriptError
from mira.coaching.meetings import parse_start
from mira.db import make_engine, make_session_factory, session_scope
from mira.demo import DEMO_SLUG, create_demo
from mira.dialer.credits import charge
from mira.errors import ApiError
from mira.importing import CALL_TYPES, find_rep, import_transcript, transcript_files
from mira.keys import create_api_key, highest_permission, list_api_keys, revoke_api_key
from mira.migrations import upgrade_database
from mira.organizations import ensure_organization, find_organization
from mira.runtime import Runtime
from mira.settings import Settings
from mira.timestamps import to_wire
from mira.voice.demo import create_voice_demo
from mira.voice.keys import PREFIX_LENGTH, create_key_pair, list_key_pairs, revoke_key_pair
from mira.worker import Worker
from models import Workspace
from models.base import utcnow

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
    """Coaching API keys and voice API key pairs."""


@keys.command("create")
@click.option("--org", "org_slug", required=True, help="Organization slug (created if missing).")
@click.option(
    "--permissions",
    default="read",
    show_default=True,
    help="Comma-separated: read, write, admin (each includes the ones before).",
)
@click.option("--name", default="cli", show_default=True, help="A label for the key.")
@click.option(
    "--voice",
    is_flag=True,
    help="A voice API key pair instead (pk_… and sk_…); --permissions admin gives the admin role.",
)
def create_key(org_slug: str, permissions: str, name: str, voice: bool) -> None:
    """Create a key (or with --voice a key pair) and print it; it is shown this once only."""
    settings = Settings.from_env()
    upgrade_database(settings)
    if voice:
        role = "admin" if "admin" in permissions.split(",") else "member"
        with session_scope(_sessions(settings)) as session:
            organization = ensure_organization(session, org_slug, org_slug)
            public_key, private_key = create_key_pair(
                session, organization, role, settings.secret_key
            )
        click.echo(f"x-public-key: {public_key}")
        click.echo(f"x-private-key: {private_key}")
        return
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
    """List an organization's coaching keys and voice key pairs, oldest first, by prefix (a
    coaching key's visible prefix, a pair's public key's start; keys themselves are not shown)."""
    with session_scope(_sessions(Settings.from_env())) as session:
        try:
            organization = find_organization(session, org_slug)
        except ApiError as exc:
            raise click.ClickException(exc.message) from None
        rows = [
            (k.created_at, k.prefix, "coaching", k.permission, k.revoked_at, k.name)
            for k in list_api_keys(session, organization)
        ] + [
            (p.created_at, p.public_key[:PREFIX_LENGTH], "voice", p.role, p.revoked_at, "")
            for p in list_key_pairs(session, organization)
        ]
    click.echo(f"{'PREFIX':<18} {'KIND':<8} {'ACCESS':<6} {'CREATED':<20} {'STATE':<7} NAME")
    for created, prefix, kind, access, revoked_at, name in sorted(rows, key=lambda row: row[0]):
        state = "revoked" if revoked_at else "active"
        created_at = to_wire(created.replace(microsecond=0))
        line = f"{prefix + '…':<18} {kind:<8} {access:<6} {created_at:<20} {state:<7} {name}"
        click.echo(line.rstrip())


@keys.command("revoke")
@click.option("--org", "org_slug", required=True, help="Organization slug.")
@click.argument("prefix")
def revoke_key(org_slug: str, prefix: str) -> None:
    """Revoke the coaching key or voice key pair (a `pk_…` prefix) that PREFIX names, as listed;
    it answers 401 from the next request on."""
    prefix = prefix.rstrip("…")
    revoke = revoke_key_pair if prefix.startswith("pk_") else revoke_api_key
    with session_scope(_sessions(Settings.from_env())) as session:
        try:
            revoke(session, find_organization(session, org_slug), prefix)
        except ApiError as exc:
            raise click.ClickException(exc.message) from None
    click.echo(f"revoked {prefix}…")


@main.group()
def credits() -> None:
    """Voice workspaces' credit balances."""


@credits.command("add")
@click.argument("workspace")
@click.argument("amount", type=float)
def add_credits(workspace: str, amount: float) -> None:
    """Add AMOUNT credits to WORKSPACE (take some: `-- WORKSPACE -5`); print the balance.

    A prepaid workspace at or below minus its negativeCreditAllowance is not dialled; its calls
    wait and are dialled again as soon as a top-up lifts the balance above it.
    """
    with session_scope(_sessions(Settings.from_env())) as session:
        if session.get(Workspace, workspace.lower()) is None:
            raise click.ClickException(f"no workspace {workspace}")
        balance = charge(session, workspace.lower(), -amount)
    click.echo(f"{workspace.lower()}: {balance:g} credits")


@main.command()
@click.option("--meetings", default=300, show_default=True, help="How many meetings to create.")
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True)
def demo(meetings: int, base_url: str) -> None:
    """Create the demo organization (once) and print new keys for both APIs and curl lines."""
    settings = Settings.from_env()
    upgrade_database(settings)
    with session_scope(_sessions(settings)) as session:
        with click.progressbar(length=meetings, label="analysing demo calls") as bar:
            analyser = Analyser.from_settings(settings)
            _, created = create_demo(session, analyser, meetings=meetings, progress=bar.update)
    with session_scope(_sessions(settings)) as session:
        organization = find_organization(session, DEMO_SLUG)
        _, plaintext = create_api_key(session, organization, "demo", "admin")
        voice = create_voice_demo(session, organization, settings.secret_key, utcnow())
    click.echo("demo data created" if created else "demo data already present; nothing duplicated")
    click.echo("\nCoaching API")
    click.echo(f"API key (shown once): {plaintext}")
    click.echo(f'curl -H "Authorization: Bearer {plaintext}" "{base_url}/api/v1/meetings?limit=5"')
    click.echo("\nVoice agents API")
    click.echo(f"Voice x-public-key (shown once): {voice.public_key}")
    click.echo(f"Voice x-private-key (shown once): {voice.private_key}")
    click.echo(f"Voice workspace: {voice.workspace}")
    click.echo(f"Voice assistant (abandoned cart): {voice.assistants['abandonedCart']}")
    click.echo(f"Voice assistant (custom): {voice.assistants['custom']}")
    click.echo(
        f'curl -H "x-public-key: {voice.public_key}" -H "x-private-key: {voice.private_key}"'
        f' -H "workspace: {voice.workspace}" "{base_url}/v1/admin/assistant/list"'
    )


def _moment(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """An RFC 3339 option, checked as the API checks `started_at`."""
    try:
        return None if value is None else to_wire(parse_start(value, "started_at"))
    except ApiError as exc:
        raise click.BadParameter(exc.message) from None


@main.command("import")
@click.option("--org", "org_slug", required=True, help="Organization slug.")
@click.option("--rep", required=True, help="The rep who held the calls: email or name.")
@click.option("--call-type", default="discovery", show_default=True, type=click.Choice(CALL_TYPES))
@click.option("--prospect", help="The prospect's name.  [default: first speaker not the rep]")
@click.option("--prospect-title", help="The prospect's job title.")
@click.option("--company", help="The prospect's company.")
@click.option("--industry", help="The prospect's industry.")
@click.option(
    "--started-at",
    callback=_moment,
    help="When every call started, RFC 3339.  [default: each file's modification time]",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
def import_transcripts(
    org_slug: str,
    rep: str,
    call_type: str,
    prospect: str | None,
    prospect_title: str | None,
    company: str | None,
    industry: str | None,
    started_at: str | None,
    paths: tuple[Path, ...],
) -> None:
    """Import transcript files as meetings of a rep, queued for analysis.

    PATHS are WebVTT (.vtt), SRT (.srt) or `Speaker: text` (.txt) files, or directories searched
    for them. Each file becomes a meeting titled by its name, as with `POST /api/v1/meetings` and
    `PUT /api/v1/meetings/{id}/transcript`; `mira worker` (or `mira serve`) then analyses it. A
    file that cannot be read is reported with its line and skipped; the exit code is 1 then.
    """
    settings = Settings.from_env()
    upgrade_database(settings)
    sessions = _sessions(settings)
    with session_scope(sessions) as session:
        try:
            organization = find_organization(session, org_slug)
        except ApiError as exc:
            raise click.BadParameter(exc.message, param_hint="--org") from None
        try:
            user = find_rep(session, organization.id, rep)
        except ApiError as exc:
            raise click.BadParameter(exc.message, param_hint="--rep") from None
    files = transcript_files(paths)
    if not files:
        raise click.UsageError("no .vtt, .srt or .txt files in " + ", ".join(map(str, paths)))
    given = {"name": prospect, "title": prospect_title, "company": company, "industry": industry}
    meeting = {
        "call_type": call_type,
        "prospect": {key: value for key, value in given.items() if value is not None},
    } | ({"started_at": started_at} if started_at else {})
    failures = []
    with click.progressbar(files, label="importing transcripts") as bar:
        for path in bar:
            try:
                with session_scope(sessions) as session:
                    import_transcript(session, user, path, meeting, utcnow())
            except TranscriptError as exc:
                failures.append(f"{path}: {exc}")
            except ApiError as exc:
                failures.append(f"{path}: {exc.message}")
            except OSError as exc:
                failures.append(f"{path}: {exc.strerror or exc}")
    for failure in failures:
        click.echo(failure, err=True)
    click.echo(f"imported {len(files) - len(failures)}, failed {len(failures)}")
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
