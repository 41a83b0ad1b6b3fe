"""Engine, sessions and migrations: one transaction per request or job."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Enum, any_, bindparam, event, make_url, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, create_engine

from app.settings import get_settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# How long a SQLite writer waits for another's lock before the request gets a 503.
SQLITE_BUSY_TIMEOUT_SECONDS = 30.0


def enum_type(enum_class, length: int = 20) -> Enum:
    """A string column that reads back as enum members (VARCHAR, no database enum type to migrate)."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


def among(db: Session, column, values):
    """`column IN values` for a batch of rows. On PostgreSQL it is `column = ANY(:array)`, one
    parameter: the statement's text is the same whatever the batch's size, so SQLAlchemy and the
    driver reuse it instead of writing out and parsing hundreds of placeholders each time."""
    values = list(values)
    if db.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def private_sqlite_file(url: str) -> Path | None:
    """Create the SQLite file of url readable by its owner only (0600); None for in-memory databases."""
    name = make_url(url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    path = Path(name)
    if not path.exists() and path.parent.is_dir():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    return path


def _keep_private(path: Path) -> None:
    # SQLite gives -wal and -shm the database's mode; files left from before are narrowed too.
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if part.stat().st_mode & 0o077:
                part.chmod(0o600)
        except OSError:
            pass


def make_engine(url: str) -> Engine:
    """An engine for url; SQLite gets WAL, foreign keys, a busy timeout and a 0600 file."""
    if url.startswith("sqlite"):
        path = private_sqlite_file(url)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
            if path is not None:
                _keep_private(path)

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    return make_engine(get_settings().sqlalchemy_url)


def is_postgresql(engine: Engine | None = None) -> bool:
    return (engine or get_engine()).dialect.name == "postgresql"


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on error (jobs, CLI)."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            # Detach first so that objects already loaded (the current user, say) stay readable
            # for the error page instead of being expired by the rollback.
            session.expunge_all()
            session.rollback()
            raise


def get_db() -> Iterator[Session]:
    """Request-scoped session; the request's single commit or rollback happens here."""
    with session_scope() as session:
        yield session


def ping(engine: Engine | None = None) -> None:
    """Raise if the database cannot answer a trivial query."""
    with (engine or get_engine()).connect() as connection:
        connection.execute(text("SELECT 1"))


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Apply migrations up to revision (default: the newest)."""
    command.upgrade(alembic_config(url or get_settings().sqlalchemy_url), revision)


def current_revision(url: str | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url) if url else get_engine()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def insert_missing(db: Session, model: type, **values) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING: True when the row was added, False when it existed already.

    Two requests adding the same row at once both succeed this way instead of one of them
    failing on the unique constraint.
    """
    if db.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(model).values(**values).on_conflict_do_nothing()
    return db.exec(statement).rowcount == 1
