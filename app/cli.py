"""The carepost command: serve, demo, database, users and tokens."""

import os
import secrets
import sys

import click
from pydantic import ValidationError

from app.errors import DomainError
from app.settings import SettingsError, get_settings
from web.forms import validation_message

EXIT_USAGE = 2
# Key of the PostgreSQL advisory lock held while migrating.
MIGRATION_LOCK = 7_270_001


def fail(message: str) -> None:
    click.echo(f"carepost: {message}", err=True)
    sys.exit(EXIT_USAGE)


@click.group()
def cli() -> None:
    """carepost: social media and messaging for medical practices."""


def _serve(host: str, port: int, workers: int = 1) -> None:
    import logging

    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # carepost writes its own access log without query strings (they can carry OAuth codes or searches).
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http="app.server:NoDelayH11Protocol",
        log_level="info",
        access_log=False,
        # carepost reads X-Forwarded-For itself, only from CAREPOST_TRUSTED_PROXIES.
        proxy_headers=False,
    )


def _prepare_database() -> None:
    """Bring the database to the newest schema (creating it on first use); quick when it is there.

    Several processes may start together (`carepost worker` four times): one migrates at a time,
    the others then find the schema up to date.
    """
    from app.database import get_engine, is_postgresql, upgrade

    engine = get_engine()
    if is_postgresql(engine):
        with engine.connect() as connection:
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
            try:
                upgrade()
            finally:
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
                connection.commit()
        return
    import fcntl

    lock_file = get_settings().data_dir / ".carepost-migrate.lock"
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        upgrade()


def _ensure_model(force: bool = False) -> None:
    """Train the default moderation model from the shipped corpus the first time (15–20 seconds on
    two cores; `carepost moderation build` does it ahead), or anew with force.

    Only commands that score text call this, so the others never import scikit-learn.
    """
    from app.review import scoring
    from moderation.training import active_model_folder

    if active_model_folder(scoring.models_root()) is not None and not force:
        return
    with click.progressbar(
        length=6, label="training the default moderation model", file=sys.stderr
    ) as bar:
        folder = scoring.ensure_default_model(progress=bar.update, force=force)
    if folder is not None:
        click.echo(f"moderation model ready: {folder.name}")


host_option = click.option(
    "--host", default="127.0.0.1", show_default=True, help="address to listen on"
)
port_option = click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))


@cli.command()
@host_option
@port_option
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="web processes; about one per CPU core",
)
def serve(host: str, port: int, workers: int) -> None:
    """Apply migrations and serve the app."""
    settings = get_settings()
    if workers > 1 and settings.run_scheduler and settings.sqlalchemy_url.startswith("sqlite"):
        raise click.UsageError(
            "several web processes on SQLite cannot each run the dispatcher: use PostgreSQL "
            "(DATABASE_URL), or set CAREPOST_RUN_SCHEDULER=false and start one `carepost worker`"
        )
    _prepare_database()
    _ensure_model()
    _serve(host, port, workers)


@cli.command()
@host_option
@port_option
@click.option("--no-serve", is_flag=True, help="load the demo data and exit")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Create (or reuse) the database, load demo data, print the log-ins and serve."""
    from app import demo as demo_data
    from app.database import session_scope
    from app.review import kinds

    kinds.register_all()

    if "CAREPOST_PUBLIC_URL" not in os.environ and not no_serve:
        # The links the demo's mailbox and local phone show lead back to this server.
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        os.environ["CAREPOST_PUBLIC_URL"] = f"http://{shown}:{port}"
        get_settings.cache_clear()
    _prepare_database()
    _ensure_model()
    with session_scope() as db:
        logins = demo_data.load(db)
    click.echo(f"Demo database: {get_settings().sqlalchemy_url}")
    click.echo("Log in as:")
    for login in logins:
        click.echo(f"  {login['role']:<10} {login['username']:<10} password: {login['password']}")
    if any(login["two_factor"] for login in logins):
        click.echo(
            "Accounts of the roles in CAREPOST_TWO_FACTOR_ROLES set up two-factor sign-in at their "
            "first log-in: have an authenticator app at hand (FreeOTP, Aegis, Google or Microsoft "
            "Authenticator, or `oathtool --totp -b KEY` with the key the page shows)."
        )
    if not no_serve:
        click.echo(f"Open http://{host}:{port}/")
        _serve(host, port)


@cli.command()
def worker() -> None:
    """Run the dispatcher and metrics jobs in this process (start one or many; PostgreSQL for many)."""
    import logging

    from app.review import kinds
    from scheduler.runner import run_worker

    # Workers score comments with the active model; `serve` trains the first one (until then, rules).
    _prepare_database()
    kinds.register_all()
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
    _prepare_database()
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
    _prepare_database()
    _ensure_model()  # imported posts are screened like posts written in the app
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


def _load_model(model_dir):
    from pathlib import Path

    from app.review.scoring import models_root
    from moderation.model import Classifier
    from moderation.training import active_model_folder

    if not model_dir:
        _ensure_model()
    folder = Path(model_dir) if model_dir else active_model_folder(models_root())
    if folder is None:
        fail(
            "no active model: train one with `carepost moderation train DATA.csv --activate` or pass --model"
        )
    try:
        return Classifier.load(folder)
    except FileNotFoundError as error:
        fail(str(error))


@cli.group()
def moderation() -> None:
    """The moderation classifier: train, evaluate."""


@moderation.command("train")
@click.argument("data", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    help="where model versions are kept (default DATA_DIR/models)",
)
@click.option(
    "--folds",
    default=3,
    show_default=True,
    type=click.IntRange(0, 10),
    help="cross-validation folds (0: none)",
)
@click.option("--activate", is_flag=True, help="make the new model the active one")
def moderation_train(data, out, folds, activate) -> None:
    """Train on CSV files with columns text,labels (labels ;-separated, empty when benign)."""
    from pathlib import Path

    from app.review.scoring import models_root
    from moderation.model import LABELS
    from moderation.training import (
        DataError,
        read_labelled,
        train_and_store,
    )
    from moderation.training import (
        activate as make_active,
    )

    paths = [Path(p) for p in data]
    try:
        texts, label_sets, _ = read_labelled(paths)
    except DataError as error:
        fail(str(error))
    present = sum(1 for label in LABELS if any(label in s for s in label_sets))
    steps = (folds if folds > 1 else 0) + 1 + present
    with click.progressbar(
        length=steps, label=f"training on {len(texts)} rows", file=sys.stderr
    ) as bar:
        folder = train_and_store(
            paths, Path(out) if out else models_root(), folds=folds, progress=bar.update
        )
    import json

    meta = json.loads((folder / "meta.json").read_text())
    click.echo(f"model stored in {folder}")
    for label, figures in meta["metrics"].items():
        click.echo(
            f"  {label:<20} precision {figures['precision']:.3f}  recall {figures['recall']:.3f}  "
            f"F1 {figures['f1']:.3f}  support {figures['support']}"
        )
    if activate:
        make_active(folder)
        click.echo("now active")


@moderation.command("build")
@click.option("--force", is_flag=True, help="train a new default model even when one is active")
def moderation_build(force: bool) -> None:
    """Make the default model from the shipped corpus now: a deployment's build step (a container
    image), after which `serve`, `demo` and `moderate` start at once."""
    from app.review import scoring
    from moderation.training import active_model_folder

    folder = active_model_folder(scoring.models_root())
    if folder is not None and folder.exists() and not force:
        click.echo(f"moderation model already active: {folder.name}")
        return
    _ensure_model(force=force)


@moderation.command("retrain")
@click.option("--folds", default=3, show_default=True, type=click.IntRange(0, 10))
@click.option("--no-activate", is_flag=True, help="store the new version without using it")
def moderation_retrain(folds: int, no_activate: bool) -> None:
    """Train on the shipped corpus plus every review decision stored as a label, and activate it."""
    import csv
    import json
    import tempfile
    from pathlib import Path

    from app.database import session_scope
    from app.review import scoring
    from app.review import service as review
    from moderation.training import activate, train_and_store

    _prepare_database()
    with session_scope() as db:
        decisions = review.training_rows(db)
    with tempfile.TemporaryDirectory() as folder:
        extra = Path(folder) / "decisions.csv"
        with extra.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "labels"])
            writer.writerows(decisions)
        paths = scoring.corpus_files() + ([extra] if decisions else [])
        with click.progressbar(
            length=folds + 6, label=f"retraining with {len(decisions)} decisions", file=sys.stderr
        ) as bar:
            stored = train_and_store(paths, scoring.models_root(), folds=folds, progress=bar.update)
    meta_path = stored / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["decisions"] = len(decisions)
    meta["files"] = [str(p) for p in scoring.corpus_files()] + (
        ["review decisions"] if decisions else []
    )
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False))
    click.echo(f"model stored in {stored} ({meta['rows']} rows, {len(decisions)} from decisions)")
    if not no_activate:
        activate(stored)
        click.echo("now active")


@moderation.command("evaluate")
@click.argument("data", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--model",
    "model_dir",
    type=click.Path(file_okay=False),
    help="model folder (default: the active one)",
)
@click.option("--report", "report_path", default="moderation-report.json", show_default=True)
@click.option("--plot", "plot_path", default="moderation-pr.png", show_default=True)
def moderation_evaluate(data, model_dir, report_path, plot_path) -> None:
    """Per-label precision, recall, F1 and support; a JSON report and a precision-recall curve."""
    from pathlib import Path

    from moderation.plots import precision_recall_png
    from moderation.training import DataError, read_labelled, report, write_report

    model = _load_model(model_dir)
    try:
        texts, truth, _ = read_labelled([Path(p) for p in data])
    except DataError as error:
        fail(str(error))
    scored = model.score(texts)
    figures = report(truth, scored)
    write_report(Path(report_path), figures, model.meta)
    precision_recall_png(Path(plot_path), truth, scored)
    for label, f in figures.items():
        click.echo(
            f"  {label:<20} precision {f['precision']:.3f}  recall {f['recall']:.3f}  F1 {f['f1']:.3f}  "
            f"support {f['support']}"
        )
    click.echo(f"report: {report_path}, curve: {plot_path}")


@cli.command()
@click.argument("source", default="-", type=click.File("r", encoding="utf-8-sig"))
@click.option(
    "--model",
    "model_dir",
    type=click.Path(file_okay=False),
    help="model folder (default: the active one)",
)
def moderate(source, model_dir) -> None:
    """Score texts from a CSV with a `text` column or JSON lines with a `text` field; one JSON line each."""
    import csv
    import json

    content = source.read()
    texts = []
    if content.lstrip().startswith("{"):
        for number, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                texts.append(str(json.loads(line)["text"]))
            except (ValueError, KeyError, TypeError):
                fail(f"line {number}: expected a JSON object with a text field")
    else:
        reader = csv.DictReader(content.splitlines())
        if not reader.fieldnames or "text" not in reader.fieldnames:
            fail("the CSV needs a text column")
        texts = [row["text"] or "" for row in reader]
    model = _load_model(model_dir)
    for start in range(0, len(texts), 500):
        for result in model.score(texts[start : start + 500]):
            click.echo(json.dumps(result.as_dict(), ensure_ascii=False))


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

    _prepare_database()
    with session_scope() as session:
        owner = accounts.get_by_username(db=session, username=username)
        if owner is None:
            fail(f"no user named {username!r}")
        _token, plain = accounts.create_token(db=session, user=owner, name=label)
    click.echo(plain)


def main(args: list[str] | None = None) -> None:
    """Entry point: bad arguments, settings and refusals become one `carepost:` line and exit code 2."""
    from sqlalchemy.exc import OperationalError

    try:
        get_settings()
        code = cli.main(args, prog_name="carepost", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as error:
        click.echo(error.format_message(), err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as error:
        hint = ""
        if isinstance(error, click.UsageError) and error.ctx is not None:
            hint = f" (see `{error.ctx.command_path} --help`)"
        fail(error.format_message() + hint)
    except click.Abort:
        click.echo("carepost: interrupted", err=True)
        sys.exit(1)
    except SettingsError as error:
        fail(str(error))
    except DomainError as error:
        fail(error.message)
    except OSError as error:
        fail(f"{error.strerror or type(error).__name__}: {error.filename or ''}".rstrip(": "))
    except OperationalError as error:
        # The driver's message names the problem (unreachable host, unwritable file); never the
        # statement or its parameters.
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        fail(f"cannot use the database ({reason}); check DATABASE_URL")
    sys.exit(code or 0)


if __name__ == "__main__":
    main()
