"""Test harness: every database test runs on SQLite and on PostgreSQL, each in a database of its own.

Choose backends with CAREPOST_TEST_DATABASES (default "sqlite,postgresql") and the server with
CAREPOST_TEST_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres).
"""

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from app import database, settings
from app.accounts import service as accounts
from app.accounts.models import Role, User, UserCreate

pytest_plugins = ["tests.fixtures_publishing", "tests.fixtures_community"]

PG_SERVER = os.environ.get(
    "CAREPOST_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = [
    b.strip()
    for b in os.environ.get("CAREPOST_TEST_DATABASES", "sqlite,postgresql").split(",")
    if b.strip()
]
PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Argon2 at production cost takes ~60 ms a hash; tests use the cheapest valid parameters."""
    from argon2 import PasswordHasher

    from app import security

    original = security._hasher
    security._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    security._hasher = original


WEB_TESTS = Path(__file__).parent / "web"


# Role checks answer the same on either database: the access matrix (one test per route) runs on
# SQLite only, which keeps the suite within its time; every route's own tests run on both.
SQLITE_ONLY = {
    "test_route_answers_each_role_as_designed",
    # The clinician network's role and visibility checks over HTTP; its queries run on both.
    "test_profiles_are_edited_by_their_clinician_and_refused_to_other_roles",
    "test_an_anonymous_case_names_its_author_to_administrators_only",
    "test_a_held_anonymous_case_is_anonymous_in_the_review_queue_too",
    "test_a_vote_over_the_api_answers_the_results",
    "test_only_verified_clinicians_send_and_read_messages",
    # Planning: pages and time arithmetic; moving, held slots and best hours run on both.
    "test_next_free_slot_crosses_days_and_keeps_local_time_across_dst",
    "test_channels_without_a_shared_time_cannot_be_queued",
    "test_add_to_queue_keeps_the_approval_gate",
    "test_schedule_page_adds_and_removes_times",
    "test_calendar_shows_posts_campaigns_and_newsletters_with_a_filter",
    "test_compose_opens_on_the_clicked_day",
    # Threads: the claim, resume and cancel paths run on both; pages and the rest on SQLite.
    "test_compose_saves_the_parts_and_the_edit_page_shows_them",
    "test_the_preview_shows_an_x_card_per_part_and_the_facebook_page_post",
    "test_a_live_part_with_a_claim_is_approved_by_a_clinician_only",
    "test_a_failed_part_stops_the_rest_and_the_post_names_it",
    "test_a_part_whose_answer_was_lost_is_found_on_x_not_sent_again",
    "test_a_live_part_with_a_health_claim_waits_for_a_clinician",
    "test_a_thread_part_over_280_or_a_repeating_thread_is_refused",
    "test_the_real_x_client_chains_each_part_to_the_one_before",
    "test_a_post_that_went_out_alone_continues_as_a_thread_without_resending_it",
}


# Where the database's behaviour cannot change the answer (pages, forms, translations, logging, the
# classifier), the PostgreSQL half is left to a full run (CAREPOST_TEST_PG_EVERYWHERE=1); claims,
# locks, concurrency, migrations, the API fuzz and every domain's services run on both.
TESTS = Path(__file__).parent
PG_SKIPPED = tuple(
    TESTS / name
    for name in (
        "accounts/test_names.py",
        "moderation",
        "posts/test_bad_input.py",
        "posts/test_links.py",
        "posts/test_pages.py",
        "test_i18n.py",
        "test_logging.py",
        "test_server.py",
        "test_settings.py",
    )
)
PG_EVERYWHERE = os.environ.get("CAREPOST_TEST_PG_EVERYWHERE", "") == "1"


def _sqlite_is_enough(item) -> bool:
    if PG_EVERYWHERE or "[postgresql" not in item.nodeid and "-postgresql" not in item.name:
        return False
    return any(item.path == p or p in item.path.parents for p in PG_SKIPPED)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Under xdist, the browser tests share one live server: they run on one worker together."""
    if len(BACKENDS) > 1:
        dropped = [
            i
            for i in items
            if (getattr(i, "originalname", "") in SQLITE_ONLY and "postgresql" in i.name)
            or _sqlite_is_enough(i)
        ]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = [i for i in items if i not in set(dropped)]
    for item in items:
        if WEB_TESTS in item.path.parents or "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("browser"))


def _pg_admin_engine():
    return create_engine(
        PG_SERVER, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """A migrated database for this test session: a SQLite template file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "template.db"
        database.upgrade(f"sqlite:///{path}")
        yield f"sqlite:///{path}"
        return
    admin = _pg_admin_engine()
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "no server here"
        pytest.skip(
            f"PostgreSQL not reachable at {PG_SERVER} ({type(error).__name__}); start it "
            "(pg_ctlcluster ... main start) or set CAREPOST_TEST_PG_URL, or "
            "CAREPOST_TEST_DATABASES=sqlite to run SQLite only"
        )
    name = f"carepost_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # A throwaway database: commits need not wait for the disk (the server itself is not
        # killed by any test, so nothing a test checks depends on it).
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
    url = re.sub(r"/[^/]*$", f"/{name}", PG_SERVER)
    database.upgrade(url)
    yield url
    database.get_engine.cache_clear()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


_RESTART_SEQUENCES = text(
    "DO $$ DECLARE s record; BEGIN "
    "FOR s IN SELECT sequence_schema, sequence_name FROM information_schema.sequences LOOP "
    "EXECUTE format('ALTER SEQUENCE %I.%I RESTART', s.sequence_schema, s.sequence_name); "
    "END LOOP; END $$"
)


def _truncate_postgresql(url: str) -> None:
    """Empty every table and restart the ids. DELETE with triggers off (replica role: no foreign
    key checks, no append-only guard on the audit table) is ten times faster than TRUNCATE on a
    test's few rows, which matters over a thousand tests."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(text(f'DELETE FROM "{table.name}"'))
        connection.execute(_RESTART_SEQUENCES)
    engine.dispose()


@pytest.fixture
def db_url(database_url, tmp_path, monkeypatch) -> Iterator[str]:
    """Point carepost at a clean database for one test."""
    url = database_url
    if url.startswith("sqlite"):
        copy = tmp_path / "carepost.db"
        shutil.copy(url.removeprefix("sqlite:///"), copy)
        url = f"sqlite:///{copy}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CAREPOST_SECRET_KEY", "test-" + "k" * 40)
    monkeypatch.setenv("CAREPOST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CAREPOST_LOCALE", "en")
    monkeypatch.setenv("CAREPOST_RUN_SCHEDULER", "false")
    # Roles sign in with a password alone here; tests/accounts/test_two_factor.py requires the
    # second factor as production does (admin and clinician) and proves it is enforced.
    monkeypatch.setenv("CAREPOST_TWO_FACTOR_ROLES", "")
    settings.get_settings.cache_clear()
    database.get_engine.cache_clear()
    yield url
    database.get_engine().dispose()
    database.get_engine.cache_clear()
    settings.get_settings.cache_clear()
    if url.startswith("postgresql"):
        _truncate_postgresql(url)


@pytest.fixture(autouse=True)
def no_link_cards_from_the_internet():
    """Compose previews fetch link cards; in tests no name resolves unless a test says so."""
    from app.posts import linkcards

    linkcards.use(linkcards.CardFetcher(resolver=lambda host, port: []))
    yield
    linkcards.use(None)


@pytest.fixture(scope="session", autouse=True)
def review_kinds():
    """The content kinds of the review queue, registered as every process does at start-up."""
    from app.review import kinds

    kinds.register_all()


@pytest.fixture
def db(db_url):
    """A session whose work is committed when the test leaves the block it uses."""
    with database.session_scope() as session:
        yield session


@pytest.fixture
def make_user(db_url):
    """Factory: make_user(Role.patient, verified=False, username=None) -> committed User."""

    def make(
        role: Role = Role.patient, *, verified: bool = False, username: str | None = None, **extra
    ) -> User:
        username = username or f"{role}-{uuid.uuid4().hex[:6]}"
        data = UserCreate(
            username=username,
            display_name=extra.pop("display_name", username.title()),
            role=role,
            password=PASSWORD,
            licence_number=extra.pop(
                "licence_number", "28/1234" if role == Role.clinician else None
            ),
            **extra,
        )
        with database.session_scope() as session:
            return accounts.create_user(db=session, data=data, actor=None, verified=verified)

    return make


_APPS: dict[tuple, object] = {}


def shared_app():
    """The application for the current settings, built once per process for each set of the
    settings create_app reads. A new FastAPI app pays for resolving its ~400 routes on its first
    requests (0.1–0.2 s); the app itself keeps no state between requests (the database, the
    session cookie and the settings are read per request), so tests share it."""
    from app.main import create_app

    current = settings.get_settings()
    key = (
        current.secret(),
        current.cookie_secure,
        current.max_body_bytes,
        current.max_upload_bytes,
    )
    if key not in _APPS:
        _APPS[key] = create_app()
    return _APPS[key]


@pytest.fixture
def app(db_url):
    shared = shared_app()
    routes = len(shared.routes)
    yield shared
    if len(shared.routes) != routes:  # a test added routes: later tests get a new application
        _APPS.clear()


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def csrf_of(client: TestClient) -> str:
    """The CSRF token of the client's session, read from a page like a browser would."""
    page = client.get("/login").text
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match, "login page carries a csrf meta tag"
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log client in through the form; returns the session's CSRF token for later posts."""
    token = csrf_of(client)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 303, response.text[:300]
    return csrf_of_page(client)


def csrf_of_page(client: TestClient) -> str:
    page = client.get("/account").text
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


@pytest.fixture
def login_as(app, make_user):
    """Factory: login_as(Role.clinician, verified=True) -> (TestClient logged in, user, csrf token)."""
    clients = []

    def make(role: Role, **kwargs):
        user = make_user(role, **kwargs)
        test_client = TestClient(app, follow_redirects=False)
        clients.append(test_client)
        token = login(test_client, user.username)
        return test_client, user, token

    yield make
    for test_client in clients:
        test_client.close()


# The week the messaging tests' calendar is written in (their NOW is Monday 2026-11-23 10:00 UTC).
CALENDAR_TODAY = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.fixture
def calendar_clock():
    """This process's clock (read by an inbound reply, or an import that refuses past
    appointments) set to the tests' calendar week and running from there: fixed dates hold on any
    day. Other processes (Kannel, PostgreSQL) keep the real clock."""
    with time_machine.travel(CALENDAR_TODAY, tick=True):
        yield
