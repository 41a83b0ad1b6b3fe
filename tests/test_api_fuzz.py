"""Schemathesis over the published OpenAPI schema, a token per role: no request may give a 5xx, and
every answer must match what the schema says (status codes, content types, bodies).

CAREPOST_FUZZ_EXAMPLES sets the examples per operation (default 6, enough for the suite's time
budget; a few hundred for a deeper search).
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis import checks

from app.accounts import service as accounts
from app.accounts.models import Role
from app.channels import service as channels
from app.channels.models import ChannelKind
from app.database import session_scope
from app.groups import service as groups
from app.groups.models import GroupRole, Visibility
from app.posts import service as posts
from app.posts.models import PostCreate

EXAMPLES = int(os.environ.get("CAREPOST_FUZZ_EXAMPLES", "6"))
ROLES = ("admin", "marketing", "clinician", "patient")
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@pytest.fixture
def tokens(make_user) -> dict[str, str]:
    """One API token per role, and a little of everything for generated ids to land on."""
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
            made[role] = accounts.create_token(db=db, user=user, name="fuzz")[1]
    return made


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
    case.call_and_validate(headers={"Authorization": f"Bearer {tokens[role]}"}, checks=CHECKS)
