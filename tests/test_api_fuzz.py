"""Schemathesis over the published OpenAPI schema, a token per role: no request may give a 5xx, and
every answer must match what the schema says (status codes, content types, bodies).

CAREPOST_FUZZ_EXAMPLES sets the examples per operation (default 8, enough for the suite's time
budget; a few hundred for a deeper search).
"""

import os

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis import checks

from app import pagination
from app.accounts import service as accounts
from app.accounts.models import Role, User
from app.audit import service as audit
from app.channels import service as channels
from app.channels.models import ChannelKind
from app.database import session_scope
from app.groups import service as groups
from app.groups.models import GroupRole, Visibility
from app.posts import service as posts
from app.posts.models import PostCreate
from app.review import routes as moderation_routes
from tests.conftest import login

EXAMPLES = int(os.environ.get("CAREPOST_FUZZ_EXAMPLES", "8"))
ROLES = ("admin", "marketing", "clinician", "patient")
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@pytest.fixture
def tokens(app, make_user) -> dict[str, dict[str, str]]:
    """Credentials per role (an API token for staff, a session for patients), and a little of everything for generated ids to land on."""
    people = {
        "admin": make_user(Role.admin, username="fuzz-admin"),
        "marketing": make_user(Role.marketing, username="fuzz-marketing"),
        "clinician": make_user(Role.clinician, verified=True, username="fuzz-clinician"),
        "patient": make_user(Role.patient, username="fuzz-patient"),
    }
    with session_scope() as db:
        outbox = channels.create(
            db=db, kind=ChannelKind.outbox, name="Outbox", credentials={}, actor=people["admin"]
        )
        posts.create(
            db=db,
            author=people["marketing"],
            data=PostCreate(text="Abrimos el sábado", channels=[outbox.id], scheduled_at=None),
        )
        group = groups.create_group(
            db=db,
            name="Grupo de apoyo",
            description="",
            visibility=Visibility.public,
            actor=people["admin"],
            rules="",
        )
        groups.add_member(
            db=db, group=group, user=people["patient"], role=GroupRole.member, actor=people["admin"]
        )
        made = {}
        for role, user in people.items():
            if role != "patient":
                token = accounts.create_token(db=db, user=user, name="fuzz")[1]
                made[role] = {"Authorization": f"Bearer {token}"}
    made["patient"] = session_headers(app, people["patient"])
    return made


def session_headers(app, user) -> dict[str, str]:
    """A real log-in's cookie and CSRF token: patients use the API with their session, not tokens."""
    with TestClient(app, follow_redirects=False) as browser:
        csrf = login(browser, user.username)
        cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
    return {"Cookie": cookie, "X-CSRF-Token": csrf}


@pytest.fixture
def api_schema(app):
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.given(role=st.sampled_from(ROLES))
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gives_a_server_error_or_breaks_the_schema(case, role, tokens):
    case.call_and_validate(headers=tokens[role], checks=CHECKS)


# Each cause schemathesis found, pinned down on its own.


@pytest.fixture
def api(client, tokens):
    """Factory: api(role) -> headers with that role's bearer token."""
    return lambda role: tokens[role]


@pytest.mark.parametrize(
    "path", ["/api/posts/9223372036854775808/cancel", "/api/posts/2147483648/cancel"]
)
def test_an_id_beyond_the_column_range_is_not_found(client, api, path):
    response = client.post(path, headers=api("marketing"))
    assert response.status_code == 404
    assert response.json()["detail"] == "not found"


def test_every_path_id_has_the_shared_bounds(app):
    schema = app.openapi()
    ids = [
        parameter["schema"]
        for operations in schema["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path" and parameter["name"].endswith("_id")
    ]
    assert ids
    assert all(s["minimum"] == 1 and s["maximum"] == 2**31 - 1 for s in ids)


@pytest.mark.parametrize(
    "cursor",
    [
        "WyJ4Il0",  # ["x"]
        "WzFlNDAwXQ",  # [1e400]
        pagination.encode(10**30),
        pagination.encode(True),
        "not base64 at all!",
    ],
)
def test_a_cursor_of_the_wrong_types_is_a_422(client, api, cursor):
    response = client.get("/api/questions", params={"cursor": cursor}, headers=api("patient"))
    assert response.status_code == 422
    assert response.json()["field"] == "cursor"


@pytest.mark.parametrize(
    "cursor",
    [
        pagination.encode("2026-01-01T10:00:00", 5),  # naive time
        pagination.encode("9999-12-31T23:59:59-12:00", 5),  # beyond year 9999 in UTC
        pagination.encode("2026-01-01T10:00:00+00:00", 10**30),
        pagination.encode(5, 5),
    ],
)
def test_a_thread_cursor_of_the_wrong_types_is_a_422(client, api, cursor):
    group_id = client.get("/api/groups", headers=api("patient")).json()[0]["id"]
    response = client.get(
        f"/api/groups/{group_id}/posts", params={"cursor": cursor}, headers=api("patient")
    )
    assert response.status_code == 422


def test_a_cursor_carepost_gave_out_still_reads(client, api):
    moment = "2026-01-01T10:00:00+00:00"
    group_id = client.get("/api/groups", headers=api("patient")).json()[0]["id"]
    response = client.get(
        f"/api/groups/{group_id}/posts",
        params={"cursor": pagination.encode(moment, 5)},
        headers=api("patient"),
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"since": "2026-01-01T10:00:00"},
        {"until": "9999-12-31T23:59:59-12:00"},
        {"since": "0001-01-01T00:00:00+01:00"},
        {"before": str(2**63)},
    ],
)
def test_naive_or_overflowing_audit_filters_are_a_422(client, api, query):
    response = client.get("/api/audit", params=query, headers=api("admin"))
    assert response.status_code == 422
    body = response.json()
    assert isinstance(body["detail"], str) and body["errors"]


def test_an_aware_audit_filter_is_accepted(client, api):
    response = client.get(
        "/api/audit", params={"since": "2026-01-01T10:00:00+01:00"}, headers=api("admin")
    )
    assert response.status_code == 200


@pytest.mark.parametrize("topic", [5, ["a"], {"x": 1}])
def test_a_network_topic_that_is_not_text_is_a_422(client, make_user, topic):
    headers = {"Authorization": f"Bearer {_token_of(make_user(Role.clinician, verified=True))}"}
    response = client.post(
        "/api/network/posts",
        json={"kind": "case", "title": "Caso", "text": "Texto", "topic": topic},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["field"] == "topic"


def test_a_network_event_with_a_naive_start_is_a_422(client, make_user):
    headers = {"Authorization": f"Bearer {_token_of(make_user(Role.clinician, verified=True))}"}
    response = client.post(
        "/api/network/posts",
        json={"kind": "event", "title": "Sesión", "text": "Texto", "starts_at": "2027-01-01T10:00"},
        headers=headers,
    )
    assert response.status_code == 422


def test_a_rename_reason_longer_than_the_audit_keeps_is_a_422(client, api, make_user):
    patient = make_user(Role.patient)
    response = client.post(
        f"/api/users/{patient.id}/rename",
        json={"display_name": "Girasol", "reason": "x" * (audit.MAX_VALUE_LENGTH + 1)},
        headers=api("admin"),
    )
    assert response.status_code == 422
    with session_scope() as db:
        assert db.get(User, patient.id).display_name != "Girasol"


def test_a_rename_reason_the_audit_keeps_is_accepted(client, api, make_user):
    patient = make_user(Role.patient)
    response = client.post(
        f"/api/users/{patient.id}/rename",
        json={"display_name": "Girasol", "reason": "x" * audit.MAX_VALUE_LENGTH},
        headers=api("admin"),
    )
    assert response.status_code == 200


def test_scoring_refuses_more_texts_or_longer_texts_than_the_cap(client, api):
    many = client.post(
        "/api/moderation/score",
        json={"texts": ["hola"] * (moderation_routes.MAX_SCORE_TEXTS + 1)},
        headers=api("clinician"),
    )
    long = client.post(
        "/api/moderation/score",
        json={"texts": ["a" * (moderation_routes.MAX_SCORE_CHARS + 1)]},
        headers=api("clinician"),
    )
    assert many.status_code == long.status_code == 422
    assert moderation_routes.MAX_SCORE_TEXTS * moderation_routes.MAX_SCORE_CHARS <= 250_000


@pytest.mark.parametrize("items", ["²:1", "1:²", "1:99999999999", "x", "1"])
def test_bulk_review_items_that_are_not_ascii_numbers_are_a_422(login_as, items):
    client, _user, csrf = login_as(Role.clinician, verified=True)
    response = client.post(
        "/review-bulk",
        data={"items": items, "action": "approve", "csrf_token": csrf},
    )
    assert response.status_code == 422


def test_every_error_answer_matches_the_published_error_schema(client, api, app):
    schema = app.openapi()
    published = schema["components"]["schemas"]["ErrorBody"]
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    answers = [
        client.post("/api/posts", json={"text": 5}, headers=api("marketing")),  # 422
        client.get("/api/users", headers=api("patient")),  # 403
        client.get("/api/posts/999999", headers=api("marketing")),  # 404
        client.get("/api/me"),  # 401
    ]
    for response in answers:
        body = response.json()
        assert set(body) <= set(published["properties"]), body
        assert isinstance(body["detail"], str)
        assert body["request_id"] == response.headers["x-request-id"]
    assert [r.status_code for r in answers] == [422, 403, 404, 401]
    for operations in schema["paths"].values():
        for operation in operations.values():
            if operation.get("tags") == ["health"]:
                continue
            for status in ("400", "401", "403", "404", "409", "422", "429", "503"):
                assert operation["responses"][status]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorBody"
                }


def _token_of(user) -> str:
    with session_scope() as db:
        return accounts.create_token(db=db, user=user, name="t")[1]
