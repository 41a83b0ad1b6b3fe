"""Every route with every role, anonymous included: the designed status code, nothing else.

A new route fails test_every_route_is_in_the_matrix until its row is added here.
"""

import shutil
import uuid

import pytest
import sqlmodel
from fastapi.routing import APIRoute
from starlette.routing import Route

from app.accounts import service as accounts
from app.accounts.models import Role
from app.channels import service as channels
from app.channels.models import ChannelKind
from app.channels.outbox import DatabaseOutbox
from app.database import get_engine, session_scope
from app.posts import service as posts
from app.posts.models import PostCreate
from tests.conftest import csrf_of, login, shared_app

ROLES = ("anon", "admin", "marketing", "clinician", "unverified", "patient")


def row(*codes: int) -> dict[str, int]:
    assert len(codes) == len(ROLES)
    return dict(zip(ROLES, codes, strict=True))


def same(code: int, anon: int) -> dict[str, int]:
    return row(anon, code, code, code, code, code)


def admin_only(code: int, anon: int = 303) -> dict[str, int]:
    return row(anon, code, 403, 403, 403, 403)


def staff(code: int, anon: int = 303) -> dict[str, int]:
    """Admins, marketing and clinicians (verified or not)."""
    return row(anon, code, code, code, code, 403)


def viewers(code: int, anon: int = 303) -> dict[str, int]:
    """Who reads the publishing queue: admins, marketing, verified clinicians."""
    return row(anon, code, code, code, 403, 403)


def marketing(code: int, anon: int = 303) -> dict[str, int]:
    return row(anon, code, code, 403, 403, 403)


def clinician_only(code: int, anon: int = 303) -> dict[str, int]:
    return row(anon, 403, 403, code, 403, 403)


def network(code: int, anon: int = 303) -> dict[str, int]:
    return row(anon, 404, 404, code, 404, 404)


def reviewers(code: int, anon: int = 303) -> dict[str, int]:
    """Verified clinicians and admins (and group moderators, who are not in this matrix)."""
    return row(anon, code, 403, code, 403, 403)


# (method, path) -> expected status per role; bodies are in BODIES.
MATRIX: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/"): same(200, anon=303),
    ("GET", "/login"): same(303, anon=200),
    # The code step opens only after the password step, within minutes, on the same browser.
    ("GET", "/login/code"): same(303, anon=303),
    ("POST", "/login/code"): same(303, anon=303),
    ("GET", "/account/two-factor"): same(200, anon=303),
    ("POST", "/account/two-factor"): same(422, anon=303),
    ("POST", "/account/two-factor/recovery-codes"): same(422, anon=303),
    ("POST", "/account/two-factor/off"): same(422, anon=303),
    ("POST", "/admin/users/{user_id}/two-factor/reset"): admin_only(303),
    ("POST", "/login"): same(422, anon=422),
    ("POST", "/logout"): same(303, anon=303),
    ("POST", "/language"): same(303, anon=303),
    ("GET", "/register"): same(200, anon=200),
    ("POST", "/register"): same(422, anon=422),
    ("GET", "/account"): same(200, anon=303),
    ("POST", "/account"): same(422, anon=303),
    ("POST", "/account/tokens"): staff(422),
    ("POST", "/account/password"): same(422, anon=303),
    ("POST", "/account/sessions/others/end"): same(303, anon=303),
    ("POST", "/account/sessions/{session_id}/end"): same(404, anon=303),
    ("POST", "/account/tokens/{token_id}/revoke"): row(303, 303, 404, 404, 404, 404),
    ("GET", "/admin/users"): admin_only(200),
    ("POST", "/admin/users"): admin_only(422),
    ("POST", "/admin/users/{user_id}/verify"): admin_only(303),
    ("POST", "/admin/users/{user_id}/role"): admin_only(303),
    ("POST", "/admin/users/{user_id}/active"): admin_only(303),
    ("POST", "/admin/users/{user_id}/password"): admin_only(200),
    ("GET", "/admin/audit"): admin_only(200),
    ("GET", "/api/me"): same(200, anon=401),
    ("GET", "/api/users"): admin_only(200, anon=401),
    ("POST", "/api/users"): admin_only(422, anon=401),
    # The target is a clinician: staff see a colleague, patients see no other account.
    ("GET", "/api/users/{user_id}"): row(401, 200, 200, 200, 200, 404),
    ("POST", "/api/users/{user_id}/verify"): admin_only(200, anon=401),
    ("POST", "/api/tokens"): staff(422, anon=401),
    ("GET", "/api/audit"): admin_only(200, anon=401),
    ("GET", "/channels"): admin_only(200),
    ("POST", "/channels"): admin_only(422),
    ("POST", "/channels/{channel_id}/test"): admin_only(200),
    ("POST", "/channels/x/connect"): admin_only(422),
    ("GET", "/channels/x/callback"): admin_only(400),
    ("POST", "/channels/{channel_id}/reconnect"): admin_only(303),
    ("POST", "/channels/{channel_id}/status"): admin_only(303),
    ("GET", "/outbox"): staff(200),
    ("GET", "/outbox/{message_id}"): staff(200),
    ("POST", "/outbox/{message_id}/comments"): staff(422),
    ("GET", "/api/channels"): staff(200, anon=401),
    ("GET", "/posts"): viewers(200),
    ("GET", "/posts/new"): marketing(200),
    ("POST", "/posts/preview"): marketing(200),
    ("POST", "/posts"): marketing(422),
    ("GET", "/posts/{post_id}"): viewers(200),
    ("GET", "/posts/{post_id}/edit"): marketing(200),
    ("POST", "/posts/{post_id}/edit"): marketing(422),
    ("POST", "/posts/{post_id}/submit"): marketing(303),
    ("POST", "/posts/{post_id}/review"): clinician_only(422),
    ("POST", "/posts/{post_id}/schedule"): marketing(422),
    ("POST", "/posts/{post_id}/publish-now"): marketing(303),
    ("POST", "/posts/{post_id}/publish-again"): marketing(422),
    ("POST", "/posts/{post_id}/pause"): marketing(409),
    ("POST", "/posts/{post_id}/resume"): marketing(409),
    ("POST", "/posts/{post_id}/cancel"): marketing(303),
    ("POST", "/posts/{post_id}/deliveries/{delivery_id}/resolve"): marketing(422),
    # A draft on the outbox is no thread published on X: nothing to continue.
    ("POST", "/posts/{post_id}/parts"): marketing(409),
    ("POST", "/posts/{post_id}/parts/{part_id}/review"): clinician_only(422),
    ("POST", "/posts/{post_id}/comments/check"): viewers(303),
    ("POST", "/posts/{post_id}/comments/{comment_id}/reply"): viewers(404),
    ("POST", "/posts/{post_id}/replies/{reply_id}/resend"): viewers(404),
    ("POST", "/posts/{post_id}/replies/{reply_id}/confirm"): viewers(404),
    ("GET", "/calendar"): viewers(200),
    ("POST", "/posts/{post_id}/move"): marketing(422),
    ("GET", "/schedule"): marketing(200),
    ("POST", "/schedule/slots"): marketing(422),
    ("POST", "/schedule/slots/{slot_id}/delete"): marketing(404),
    ("GET", "/posts-import"): marketing(200),
    ("POST", "/posts-import"): marketing(422),
    ("GET", "/posts-export.csv"): viewers(200),
    ("POST", "/api/posts"): marketing(422, anon=401),
    ("GET", "/api/posts"): viewers(200, anon=401),
    ("GET", "/api/posts/{post_id}"): viewers(200, anon=401),
    ("GET", "/api/posts/{post_id}/comments"): viewers(200, anon=401),
    ("POST", "/api/posts/{post_id}/review"): clinician_only(422, anon=401),
    ("POST", "/api/posts/{post_id}/cancel"): marketing(200, anon=401),
    ("POST", "/api/posts/{post_id}/publish-now"): marketing(200, anon=401),
    ("POST", "/api/posts/{post_id}/publish-again"): marketing(422, anon=401),
    ("GET", "/notifications"): same(200, anon=303),
    ("GET", "/notifications/bell"): same(200, anon=303),
    ("POST", "/notifications/read"): same(303, anon=303),
    ("GET", "/api/notifications"): same(200, anon=401),
    ("GET", "/healthz"): same(200, anon=200),
    ("GET", "/admin/jobs"): admin_only(200),
    ("GET", "/api/health/jobs"): admin_only(200, anon=401),
    ("GET", "/openapi.json"): same(200, anon=200),
    ("GET", "/docs"): same(200, anon=200),
    # Community. The group is public and the matrix admin is its admin; nobody else is a member.
    ("GET", "/groups"): same(200, anon=303),
    ("POST", "/groups"): staff(422),
    ("GET", "/groups/{group_id}"): same(200, anon=303),
    ("POST", "/groups/{group_id}/join"): row(303, 409, 303, 303, 303, 303),
    ("POST", "/groups/{group_id}/leave"): same(409, anon=303),
    ("GET", "/groups/{group_id}/members"): admin_only(200),
    ("POST", "/groups/{group_id}/members/{user_id}"): admin_only(422),
    ("POST", "/groups/{group_id}/invite"): admin_only(422),
    ("POST", "/groups/{group_id}/posts"): same(422, anon=303),
    ("GET", "/groups/{group_id}/posts/{post_id}"): same(200, anon=303),
    ("POST", "/groups/{group_id}/posts/{post_id}/replies"): same(422, anon=303),
    ("POST", "/groups/{group_id}/posts/{post_id}/react"): same(422, anon=303),
    # Own post: 409; non-members: 403; a verified clinician may flag anywhere (422: no reason).
    ("POST", "/groups/{group_id}/posts/{post_id}/report"): row(303, 409, 403, 422, 403, 403),
    ("POST", "/groups/{group_id}/posts/{post_id}/pin"): admin_only(303),
    ("GET", "/groups/{group_id}/search"): same(200, anon=303),
    # The thread is the matrix admin's: others may not change it; an empty text is a 422 first.
    ("POST", "/groups/{group_id}/posts/{post_id}/edit"): same(422, anon=303),
    ("POST", "/groups/{group_id}/posts/{post_id}/delete"): admin_only(303),
    ("GET", "/groups/{group_id}/posts/{post_id}/history"): admin_only(200),
    ("POST", "/groups/{group_id}/posts/{post_id}/follow"): admin_only(303),
    ("GET", "/groups/{group_id}/images/{image_id}"): same(404, anon=303),
    ("POST", "/groups/{group_id}/categories"): admin_only(422),
    ("POST", "/groups/{group_id}/categories/{category_id}/delete"): admin_only(404),
    ("GET", "/api/groups"): same(200, anon=401),
    ("POST", "/api/groups"): staff(422, anon=401),
    ("GET", "/api/groups/{group_id}"): same(200, anon=401),
    ("POST", "/api/groups/{group_id}/join"): row(401, 409, 200, 200, 200, 200),
    ("GET", "/api/groups/{group_id}/posts"): same(200, anon=401),
    ("POST", "/api/groups/{group_id}/posts"): same(422, anon=401),
    ("GET", "/api/groups/{group_id}/posts/{post_id}/replies"): same(200, anon=401),
    ("POST", "/api/groups/{group_id}/posts/{post_id}/replies"): same(422, anon=401),
    ("POST", "/api/groups/{group_id}/posts/{post_id}/reports"): same(422, anon=401),
    ("POST", "/api/groups/{group_id}/posts/{post_id}/reactions"): same(422, anon=401),
    ("POST", "/api/groups/{group_id}/members/{user_id}"): same(422, anon=401),
    # The network exists only for verified clinicians: everyone else gets 404.
    ("GET", "/network"): network(200),
    ("POST", "/network/posts"): network(422),
    ("GET", "/network/posts/{post_id}"): network(200),
    ("POST", "/network/posts/{post_id}/edit"): network(422),
    ("POST", "/network/posts/{post_id}/comments"): network(422),
    ("POST", "/network/follow"): network(422),
    ("GET", "/api/network/posts"): network(200, anon=401),
    ("POST", "/api/network/posts"): network(422, anon=401),
    ("GET", "/api/network/posts/{post_id}"): network(200, anon=401),
    ("POST", "/api/network/posts/{post_id}/comments"): network(422, anon=401),
    ("POST", "/api/network/follows"): network(422, anon=401),
    ("POST", "/network/posts/{post_id}/useful"): network(303),
    ("POST", "/network/posts/{post_id}/vote"): network(422),
    ("POST", "/api/network/posts/{post_id}/useful"): network(200, anon=401),
    ("POST", "/api/network/posts/{post_id}/vote"): network(422, anon=401),
    # Profiles, the directory and direct messages: {user_id} is another verified clinician.
    ("GET", "/network/people"): network(200),
    ("GET", "/network/people/{user_id}"): network(200),
    ("GET", "/network/profile"): network(200),
    ("POST", "/network/profile"): network(303),
    ("GET", "/api/network/people"): network(200, anon=401),
    ("GET", "/api/network/people/{user_id}"): network(200, anon=401),
    ("POST", "/api/network/profile"): network(200, anon=401),
    ("GET", "/messages"): network(200),
    ("GET", "/messages/{user_id}"): network(200),
    ("POST", "/messages/{user_id}"): network(422),
    ("GET", "/api/messages"): network(200, anon=401),
    ("GET", "/api/messages/{user_id}"): network(200, anon=401),
    ("POST", "/api/messages/{user_id}"): network(422, anon=401),
    # Who wrote each anonymous case: administrators only.
    ("GET", "/admin/network/anonymous"): admin_only(200),
    ("GET", "/api/admin/network/anonymous"): admin_only(200, anon=401),
    # The question is the matrix patient's own, not yet answered: others cannot see it.
    ("GET", "/questions"): same(200, anon=303),
    ("POST", "/questions/similar"): same(200, anon=303),
    ("POST", "/questions"): row(303, 403, 403, 403, 403, 422),
    ("GET", "/questions/{question_id}"): row(303, 404, 404, 200, 404, 200),
    ("POST", "/questions/{question_id}/answers"): clinician_only(422),
    ("GET", "/api/questions"): same(200, anon=401),
    ("POST", "/api/questions"): row(401, 403, 403, 403, 403, 422),
    ("GET", "/api/questions/{question_id}"): row(401, 404, 404, 200, 404, 200),
    ("POST", "/api/questions/{question_id}/answers"): clinician_only(422, anon=401),
    # Review: clinicians see every item; admins the non-clinical ones (a question is clinical).
    ("GET", "/review"): reviewers(200),
    ("GET", "/review/{item_id}"): row(303, 404, 403, 200, 403, 403),
    ("POST", "/review/{item_id}"): reviewers(422),
    ("POST", "/review/{item_id}/claim"): row(303, 404, 403, 303, 403, 403),
    ("POST", "/review/{item_id}/release"): row(303, 404, 403, 303, 403, 403),
    ("POST", "/review-bulk"): reviewers(422),
    ("GET", "/moderation/models"): reviewers(200),
    ("POST", "/moderation/models/{name}/activate"): admin_only(404),
    ("GET", "/api/review"): reviewers(200, anon=401),
    ("POST", "/api/review/{item_id}"): reviewers(422, anon=401),
    ("POST", "/api/moderation/score"): staff(422, anon=401),
    ("GET", "/strikes"): same(200, anon=303),
    # The strike is the matrix patient's: only they may appeal it, others do not learn it exists.
    ("POST", "/strikes/{strike_id}/appeal"): row(303, 404, 404, 404, 404, 303),
    ("GET", "/api/strikes"): same(200, anon=401),
    ("POST", "/api/strikes/{strike_id}/appeal"): same(422, anon=401),
    ("POST", "/admin/users/{user_id}/rename"): admin_only(303),
    ("POST", "/api/users/{user_id}/rename"): admin_only(422, anon=401),
    # Patient messaging: marketing sees contacts as names and opt-ins; care staff see the rest.
    ("GET", "/contacts"): viewers(200),
    ("GET", "/contacts/{contact_id}"): viewers(404),
    ("POST", "/contacts/{contact_id}/consent"): reviewers(404),
    ("GET", "/contacts-import"): admin_only(200),
    ("POST", "/contacts-import"): admin_only(422),
    ("GET", "/api/contacts"): viewers(200, anon=401),
    ("POST", "/api/contacts"): reviewers(422, anon=401),
    ("GET", "/api/contacts/{contact_id}/consent"): reviewers(404, anon=401),
    ("GET", "/api/contacts/{contact_id}/export"): admin_only(404, anon=401),
    ("GET", "/appointments"): reviewers(200),
    ("POST", "/appointments-import"): reviewers(422),
    ("POST", "/appointments/{appointment_id}/status"): reviewers(422),
    ("GET", "/reminder-plans"): admin_only(200),
    ("GET", "/reminder-report"): reviewers(200),
    ("GET", "/reminder-report.csv"): reviewers(200),
    ("POST", "/appointments-notice"): reviewers(422),
    ("GET", "/followups"): reviewers(200),
    ("POST", "/followups"): reviewers(422),
    ("GET", "/followups/{sequence_id}"): reviewers(404),
    ("POST", "/followups/{sequence_id}"): reviewers(404),
    ("POST", "/followups/{sequence_id}/approve"): clinician_only(404),
    ("POST", "/followup-enrolments"): reviewers(422),
    ("POST", "/followup-enrolments/{enrolment_id}/end"): reviewers(404),
    ("POST", "/reminder-plans"): admin_only(422),
    ("GET", "/api/appointments"): reviewers(200, anon=401),
    ("POST", "/api/appointments"): reviewers(422, anon=401),
    ("POST", "/api/fhir/Appointment"): reviewers(422, anon=401),
    ("GET", "/sms/inbox"): reviewers(200),
    ("POST", "/sms/inbox/{message_id}/handled"): reviewers(404),
    ("POST", "/sms/preview"): staff(200),
    ("POST", "/sms/test-send"): admin_only(422),
    # An SMS: settled by admins and verified clinicians (none uncertain here: 404), not marketing.
    ("POST", "/delivery/{kind}/{item_id}/settle"): row(303, 404, 403, 404, 403, 403),
    ("GET", "/phone"): staff(200),
    ("GET", "/phone/{message_id}"): staff(404),
    ("POST", "/phone/{message_id}/reply"): staff(422),
    # Outreach: admins write templates, clinicians approve them; admins and marketing run campaigns
    # and invitations; care staff (admins, verified clinicians) send results-ready notices.
    ("GET", "/message-templates"): viewers(200),
    ("POST", "/message-templates"): admin_only(422),
    ("GET", "/message-templates/{template_id}"): viewers(404),
    ("POST", "/message-templates/{template_id}"): admin_only(404),
    ("POST", "/message-templates/{template_id}/approve"): clinician_only(422),
    ("POST", "/contacts/{contact_id}/results-ready"): reviewers(422),
    ("POST", "/api/results-ready"): reviewers(422, anon=401),
    ("GET", "/events"): viewers(200),
    ("POST", "/events"): marketing(422),
    ("GET", "/events/{event_id}"): viewers(404),
    ("GET", "/campaigns"): viewers(200),
    ("GET", "/campaigns/new"): marketing(200),
    ("POST", "/campaigns/audience"): marketing(422),
    ("POST", "/campaigns"): marketing(422),
    ("GET", "/campaigns/{campaign_id}"): viewers(404),
    ("POST", "/campaigns/{campaign_id}/schedule"): marketing(404),
    ("POST", "/campaigns/{campaign_id}/pause"): marketing(404),
    ("POST", "/campaigns/{campaign_id}/resume"): marketing(404),
    ("POST", "/campaigns/{campaign_id}/cancel"): marketing(404),
    # Providers sign their requests; no session or role opens these.
    ("GET", "/webhooks/facebook"): same(403, anon=403),
    ("POST", "/webhooks/facebook"): same(403, anon=403),
    ("POST", "/webhooks/twilio/sms"): same(403, anon=403),
    ("POST", "/webhooks/twilio/status"): same(403, anon=403),
    ("GET", "/webhooks/kannel/sms"): same(403, anon=403),
    ("GET", "/webhooks/kannel/dlr"): same(403, anon=403),
    # Calls: admins and marketing build surveys and campaigns; verified clinicians read results too.
    ("GET", "/calls"): viewers(200),
    ("POST", "/calls/surveys"): marketing(422),
    ("GET", "/calls/surveys/{survey_id}"): viewers(404),
    ("POST", "/calls/surveys/{survey_id}/questions"): marketing(422),
    ("POST", "/calls/questions/{question_id}/up"): marketing(404),
    ("GET", "/calls/campaigns/new"): marketing(200),
    ("POST", "/calls/campaigns"): marketing(422),
    ("POST", "/calls/campaigns/{campaign_id}/cancel"): marketing(404),
    ("GET", "/calls/surveys/{survey_id}/results"): viewers(404),
    ("GET", "/calls/surveys/{survey_id}/results.csv"): viewers(404),
    ("GET", "/calls/phone"): marketing(200),
    ("GET", "/calls/phone/{local_id}"): marketing(404),
    ("POST", "/calls/phone/{local_id}/answer"): marketing(404),
    ("POST", "/calls/phone/{local_id}/press"): marketing(422),
    ("POST", "/calls/phone/{local_id}/silence"): marketing(404),
    ("POST", "/calls/phone/{local_id}/end"): marketing(404),
    ("POST", "/webhooks/twilio/voice/{call_id}/answer"): same(403, anon=403),
    ("POST", "/webhooks/twilio/voice/{call_id}/message"): same(403, anon=403),
    ("POST", "/webhooks/twilio/voice/{call_id}/message/keys"): same(403, anon=403),
    ("POST", "/webhooks/twilio/voice/{call_id}/question/{position}"): same(403, anon=403),
    ("POST", "/webhooks/twilio/voice/{call_id}/question/{position}/keys"): same(403, anon=403),
    ("POST", "/webhooks/twilio/voice/{call_id}/closing"): same(403, anon=403),
    ("POST", "/webhooks/twilio/voice/{call_id}/status"): same(403, anon=403),
    # E-mail newsletters: marketing and admins run them, clinicians approve health claims.
    ("GET", "/newsletters"): viewers(200),
    ("POST", "/newsletters"): marketing(422),
    ("GET", "/newsletters/{newsletter_id}"): viewers(404),
    ("POST", "/newsletters/{newsletter_id}"): marketing(422),
    ("POST", "/newsletters/{newsletter_id}/approve"): row(303, 404, 404, 404, 404, 403),
    ("POST", "/newsletters/{newsletter_id}/send"): marketing(404),
    ("POST", "/newsletters/{newsletter_id}/test"): marketing(422),
    ("GET", "/newsletters/{newsletter_id}/results.csv"): marketing(404),
    ("GET", "/email/settings"): admin_only(200),
    ("POST", "/email/settings"): admin_only(422),
    ("GET", "/mailbox"): viewers(200),
    ("GET", "/mailbox/{message_id}"): viewers(404),
    # The public side of newsletters: reached by a token from an e-mail, no account needed.
    ("GET", "/n/signup/{language}"): same(200, anon=200),
    ("POST", "/n/signup/{language}"): same(422, anon=422),
    ("GET", "/n/confirm/{token}"): same(404, anon=404),
    ("POST", "/n/confirm/{token}"): same(404, anon=404),
    ("GET", "/u/{token}"): same(404, anon=404),
    ("POST", "/u/{token}"): same(404, anon=404),
    ("GET", "/p/{token}"): same(404, anon=404),
    ("POST", "/p/{token}"): same(404, anon=404),
    ("POST", "/p/{token}/pause"): same(422, anon=422),
    ("GET", "/c/{token}"): same(422, anon=422),
    ("GET", "/o/{token}.gif"): same(200, anon=200),  # an image for any token: it tells nothing
    ("POST", "/webhooks/email/bounces/{secret}"): same(404, anon=404),
    ("GET", "/analytics"): marketing(200),
    ("GET", "/analytics.csv"): marketing(200),
}
FORM_BODIES = {
    "/channels/{channel_id}/status": {"status": "active"},
    "/admin/users/{user_id}/role": {"role": "patient"},
    "/admin/users/{user_id}/active": {"active": "false"},
    "/admin/users/{user_id}/verify": {"licence_number": "28/55"},
    "/admin/users/{user_id}/rename": {"display_name": "Dra. R.", "reason": "full name shown"},
    "/strikes/{strike_id}/appeal": {"text": "It was an invitation to a charity walk, not spam."},
    "/delivery/{kind}/{item_id}/settle": {"outcome": "sent", "back": "sms"},
}


def app_routes(routes, prefix: str = "") -> set[tuple[str, str]]:
    """(method, path) of every endpoint, walking included routers."""
    found = set()
    for route in routes:
        if isinstance(route, APIRoute | Route):
            found |= {(method, prefix + route.path) for method in route.methods - {"HEAD"}}
        elif hasattr(route, "original_router"):
            found |= app_routes(route.original_router.routes, prefix + route.include_context.prefix)
    return found


def test_every_route_is_in_the_matrix(app):
    assert app_routes(app.routes) == set(MATRIX)


ACCOUNTS = [
    ("admin", Role.admin, False),
    ("marketing", Role.marketing, False),
    ("clinician", Role.clinician, True),
    ("unverified", Role.clinician, False),
    ("patient", Role.patient, False),
]


@pytest.fixture(scope="module")
def seeded(database_url, tmp_path_factory):
    """Built once per process: the matrix's accounts signed in (sessions live in the database), an
    API token, an outbox with a message and the community objects. Each row starts from a copy of
    this database file, so every row sees the same fresh state without paying for it again."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the access matrix runs on SQLite (see SQLITE_ONLY in tests/conftest.py)")
    from fastapi.testclient import TestClient

    from app import database, settings
    from app.main import create_app

    folder = tmp_path_factory.mktemp("matrix")
    path = folder / "seeded.db"
    shutil.copy(database_url.removeprefix("sqlite:///"), path)
    with pytest.MonkeyPatch.context() as env:
        for key, value in matrix_environment(path, folder).items():
            env.setenv(key, value)
        settings.get_settings.cache_clear()
        database.get_engine.cache_clear()
        app = create_app()
        sessions, users = {}, {}
        for name, role, verified in ACCOUNTS:
            users[name] = _user(role, verified, f"m-{name}")
            with TestClient(app, follow_redirects=False) as client:
                csrf = login(client, users[name].username)
                sessions[name] = (dict(client.cookies), csrf)
        with session_scope() as db:
            admin = accounts.get_by_username(db=db, username="m-admin")
            token_id = accounts.create_token(db=db, user=admin, name="matrix")[0].id
            outbox = channels.create(
                db=db, kind=ChannelKind.outbox, name="Outbox", credentials={}, actor=admin
            )
            outbox_id = outbox.id
        message_id = DatabaseOutbox(get_engine()).add(outbox_id, "hola", None, 0)
        ids = _community(users["admin"].id, users["clinician"].id, users["patient"].id)
        ids |= {"token_id": token_id, "outbox_id": outbox_id, "message_id": message_id}
        get_engine().dispose()
        database.get_engine.cache_clear()
        settings.get_settings.cache_clear()
    return {"path": path, "sessions": sessions, "users": users, "ids": ids}


def matrix_environment(path, folder) -> dict[str, str]:
    """The same settings the db_url fixture gives every test."""
    return {
        "DATABASE_URL": f"sqlite:///{path}",
        "CAREPOST_SECRET_KEY": "test-" + "k" * 40,
        "CAREPOST_DATA_DIR": str(folder),
        "CAREPOST_LOCALE": "en",
        "CAREPOST_RUN_SCHEDULER": "false",
        "CAREPOST_TWO_FACTOR_ROLES": "",
    }


def _user(role: Role, verified: bool, username: str):
    from app.accounts.models import UserCreate
    from tests.conftest import PASSWORD

    data = UserCreate(
        username=username,
        display_name=username.title(),
        role=role,
        password=PASSWORD,
        licence_number="28/1234" if role == Role.clinician else None,
    )
    with session_scope() as db:
        return accounts.create_user(db=db, data=data, actor=None, verified=verified)


@pytest.fixture
def clients(seeded, db_url):
    """This row's copy of the seeded database, and a signed-in client per role."""
    from fastapi.testclient import TestClient

    from app import database

    shutil.copy(seeded["path"], db_url.removeprefix("sqlite:///"))
    database.get_engine.cache_clear()
    app = shared_app()
    anon = TestClient(app, follow_redirects=False)
    made = {"anon": (anon, csrf_of(anon), None)}
    for name in ROLES[1:]:
        cookies, csrf = seeded["sessions"][name]
        client = TestClient(app, follow_redirects=False, cookies=cookies)
        made[name] = (client, csrf, seeded["users"].get(name))
    yield made
    for client, _token, _user in made.values():
        client.close()


def _community(admin_id: int, clinician_id: int, patient_id: int) -> dict[str, int]:
    """A public group whose admin is the matrix admin, with one thread; a network post by the
    matrix clinician; a patient's question and its review item."""
    from app.accounts.models import User
    from app.groups import service as groups
    from app.groups import threads
    from app.groups.models import Visibility
    from app.network import service as network
    from app.network.models import NetworkPostCreate
    from app.questions import service as questions
    from app.questions.models import QuestionCreate
    from app.review.models import Strike

    with session_scope() as db:
        admin, clinician, patient = (db.get(User, i) for i in (admin_id, clinician_id, patient_id))
        group = groups.create_group(
            db=db,
            name=f"Matrix {uuid.uuid4().hex[:6]}",
            description="",
            visibility=Visibility.public,
            actor=admin,
        )
        thread = threads.write(db=db, viewer=admin, group_id=group.id, text="Bienvenidos")
        case = network.create(
            db=db,
            author=clinician,
            data=NetworkPostCreate(kind="case", title="Dolor torácico atípico", text="Opiniones?"),
        )
        question = questions.ask(
            db=db,
            asker=patient,
            data=QuestionCreate(title="Horario de vacunas", text="¿Cuándo vacunan de gripe?"),
        )
        item = questions.review.item_for(db, "question", question.id)
        removed = questions.ask(
            db=db,
            asker=patient,
            data=QuestionCreate(title="Compra barata", text="Vendo pastillas, escríbeme"),
        )
        removed_item = questions.review.item_for(db, "question", removed.id)
        questions.review.decide(
            db,
            item_id=removed_item.id,
            action="remove",
            actor=clinician,
            version=removed_item.version,
        )
        strike = db.exec(
            sqlmodel.select(Strike).where(Strike.reviewable_id == removed_item.id)
        ).one()
        # A verified colleague to write to; it never logs in, so its hash need not be real.
        colleague = User(
            username=f"m-colleague-{uuid.uuid4().hex[:6]}",
            display_name="Dra. Colega",
            role=Role.clinician,
            password_hash="-",
            clinician_verified=True,
        )
        db.add(colleague)
        db.flush()
        return {
            "colleague_id": colleague.id,
            "strike_id": strike.id,
            "group_id": group.id,
            "group_post_id": thread.id,
            "network_post_id": case.id,
            "question_id": question.id,
            "item_id": item.id,
        }


def _post_id_for(path: str, ids: dict[str, int], publishing_post_id: int) -> int:
    if path.startswith(("/groups", "/api/groups")):
        return ids["group_post_id"]
    if path.startswith(("/network", "/api/network")):
        return ids["network_post_id"]
    return publishing_post_id


def _user_id_for(path: str, ids: dict[str, int], target_id: int, patient_id: int) -> int:
    if "/groups/" in path:
        return patient_id
    if path.startswith(("/network/people", "/api/network/people", "/messages", "/api/messages")):
        return ids["colleague_id"]
    return target_id


@pytest.mark.parametrize(("method", "path"), sorted(MATRIX))
def test_route_answers_each_role_as_designed(clients, seeded, make_user, method, path):
    ids = seeded["ids"]
    token_id, message_id = ids["token_id"], ids["message_id"]
    with session_scope() as db:
        admin = accounts.get_by_username(db=db, username="m-admin")
    got = {}
    for role in ROLES:
        client, csrf, _user = clients[role]
        target = make_user(Role.clinician, licence_number="28/77")
        with session_scope() as db:
            post = posts.create(
                db=db, author=admin, data=PostCreate(text="Horario", channels=[ids["outbox_id"]])
            )
            post_id = post.id
        url = path.format(
            user_id=_user_id_for(path, ids, target.id, clients["patient"][2].id),
            token_id=token_id,
            session_id=2**31 - 1,
            channel_id=ids["outbox_id"],
            message_id=message_id,
            post_id=_post_id_for(path, ids, post_id),
            delivery_id=1,
            comment_id=1,
            reply_id=1,
            part_id=1,
            group_id=ids["group_id"],
            question_id=ids["question_id"],
            item_id=ids["item_id"],
            strike_id=ids["strike_id"],
            image_id=999_999,
            category_id=999_999,
            name="no-such-version",
            contact_id=999_999,
            appointment_id=999_999,
            kind="sms",
            survey_id=999_999,
            campaign_id=999_999,
            local_id=999_999,
            call_id=999_999,
            position=1,
            template_id=999_999,
            event_id=999_999,
            sequence_id=999_999,
            enrolment_id=999_999,
            newsletter_id=999_999,
            slot_id=999_999,
            token="A" * 22,
            language="es",
            secret="not-the-secret",
        )
        if method == "GET":
            response = client.get(url)
        elif url.startswith("/api/"):
            response = client.post(url, json={}, headers={"X-CSRF-Token": csrf})
        else:
            response = client.post(url, data={"csrf_token": csrf, **FORM_BODIES.get(path, {})})
        got[role] = response.status_code
        if path == "/logout" and role != "anon":
            clients[role] = (client, login(client, _user.username), _user)
    assert got == MATRIX[(method, path)]
