"""The carepost command: serve, demo, database, users and tokens."""

import secrets
import sys

import click
from pydantic import ValidationError

from app.errors import DomainError
from app.settings import SettingsError, get_settings
from web.forms import validation_message

EXIT_USAGE = 2


def fail(message: str) -> None:
    click.echo(f"carepost: {message}", err=True)
    sys.exit(EXIT_USAGE)


@click.group()
def cli() -> None:
    """carepost: social media and messaging for medical practices."""


def _serve(host: str, port: int) -> None:
    import uvicorn

    uvicorn.run("app.main:create_app", factory=True, host=host, port=port, log_level="info")


def _prepare_database() -> None:
    from app.database import upgrade

    upgrade()


host_option = click.option(
    "--host", default="127.0.0.1", show_default=True, help="address to listen on"
)
port_option = click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))


@cli.command()
@host_option
@port_option
def serve(host: str, port: int) -> None:
    """Apply migrations and serve the app."""
    _prepare_database()
    _serve(host, port)


@cli.command()
@host_option
@port_option
@click.option("--no-serve", is_flag=True, help="load the demo data and exit")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Create (or reuse) the database, load demo data, print the log-ins and serve."""
    from app import demo as demo_data
    from app.database import session_scope

    _prepare_database()
    with session_scope() as db:
        logins = demo_data.load(db)
    click.echo(f"Demo database: {get_settings().sqlalchemy_url}")
    click.echo("Log in as:")
    for login in logins:
        click.echo(f"  {login['role']:<10} {login['username']:<10} password: {login['password']}")
    if not no_serve:
        click.echo(f"Open http://{host}:{port}/")
        _serve(host, port)


@cli.command()
def worker() -> None:
    """Run the dispatcher and metrics jobs in this process (start one or many; PostgreSQL for many)."""
    import logging

    from scheduler.runner import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run_worker()


@cli.group()
def db() -> None:
    """Database migrations."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from app.database import current_revision, upgrade

    upgrade(revision=revision)
    click.echo(f"database at revision {current_revision()}")


@cli.group()
def user() -> None:
    """User accounts."""


@user.command("create")
@click.argument("username")
@click.option(
    "--role", required=True, type=click.Choice(["admin", "marketing", "clinician", "patient"])
)
@click.option("--password", help="at least 10 characters; generated and printed when left out")
@click.option("--display-name", help="the name others see (default: the username)")
@click.option("--licence", "licence_number", help="clinician's licence number")
@click.option("--specialty")
@click.option("--verified", is_flag=True, help="mark a clinician as verified")
def user_create(
    username, role, password, display_name, licence_number, specialty, verified
) -> None:
    """Create a user account."""
    from app.accounts import service as accounts
    from app.accounts.models import UserCreate
    from app.database import session_scope

    generated = password is None
    password = password or secrets.token_urlsafe(12)
    try:
        data = UserCreate(
            username=username,
            display_name=display_name or username,
            role=role,
            password=password,
            licence_number=licence_number,
            specialty=specialty,
        )
    except ValidationError as error:
        fail(validation_message(error))
    if verified and role != "clinician":
        fail("--verified applies to clinicians only")
    with session_scope() as session:
        created = accounts.create_user(db=session, data=data, actor=None, verified=verified)
        click.echo(f"created {created.role} {created.username} (id {created.id})")
    if generated:
        click.echo(f"password: {password}")


@cli.group()
def posts() -> None:
    """Practice posts."""


@posts.command("import")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--author", required=True, help="username of the marketing user the posts belong to")
def posts_import(csv_file, author: str) -> None:
    """Import posts from CSV (date,time,channels,text,link); nothing is stored unless every row is valid."""
    from app.accounts import service as accounts
    from app.database import session_scope
    from app.posts import importer

    content = csv_file.read()
    rows = max(0, len(content.splitlines()) - 1)
    with session_scope() as session:
        owner = accounts.get_by_username(db=session, username=author)
        if owner is None or owner.role not in ("admin", "marketing"):
            fail(f"{author!r} is not a marketing or admin user")
        with click.progressbar(length=rows, label="checking rows", file=sys.stderr) as bar:
            result = importer.import_csv(
                db=session, author=owner, content=content, progress=bar.update
            )
    if result.errors:
        for error in result.errors:
            click.echo(f"  {error}", err=True)
        fail(f"nothing imported: {len(result.errors)} problem(s)")
    click.echo(f"imported {len(result.created)} posts")


@cli.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.argument("username")
@click.option("--name", "label", default="cli", show_default=True, help="what the token is for")
def token_create(username: str, label: str) -> None:
    """Create an API token for USERNAME and print it once."""
    from app.accounts import service as accounts
    from app.database import session_scope

    with session_scope() as session:
        owner = accounts.get_by_username(db=session, username=username)
        if owner is None:
            fail(f"no user named {username!r}")
        _token, plain = accounts.create_token(db=session, user=owner, name=label)
    click.echo(plain)


def main() -> None:
    """Entry point: settings and domain errors become one line and exit code 2."""
    try:
        get_settings()
        cli.main(standalone_mode=True)
    except SettingsError as error:
        fail(str(error))
    except DomainError as error:
        fail(error.message)


if __name__ == "__main__":
    main()
