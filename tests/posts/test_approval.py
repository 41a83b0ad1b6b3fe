"""Once a post went to clinicians, only a clinician's approval of its current version lets it out."""

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.database import session_scope
from app.posts.models import Delivery, DeliveryStatus
from app.settings import get_settings
from scheduler.dispatcher import tick


def future(hours: int = 2) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def actions_on(post_id: int) -> list[str]:
    with session_scope() as db:
        events = db.exec(
            select(AuditEvent)
            .where(AuditEvent.object_type == "post", AuditEvent.object_id == str(post_id))
            .order_by(AuditEvent.id)
        )
        return [e.action for e in events]


def published_count(post_id: int) -> int:
    with session_scope() as db:
        rows = db.exec(
            select(Delivery).where(
                Delivery.post_id == post_id, Delivery.status == DeliveryStatus.published
            )
        )
        return len(list(rows))


def edit_form(csrf: str, channel_id: int, text: str, **extra) -> dict:
    return {"csrf_token": csrf, "text": text, "channels": [str(channel_id)], **extra}


def _rejected_claim(login_as, csrf_extra=None):
    marketer, _m, m_csrf = login_as(Role.marketing)
    clinician, _c, c_csrf = login_as(Role.clinician, verified=True)
    created = marketer.post(
        "/api/posts",
        headers={"X-CSRF-Token": m_csrf},
        json={
            "text": "La vacuna reduce las hospitalizaciones",
            "channels": ["Outbox"],
            "scheduled_at": future(0),
            "health_claim": True,
        },
    ).json()
    rejected = clinician.post(
        f"/api/posts/{created['id']}/review",
        headers={"X-CSRF-Token": c_csrf},
        json={"approve": False, "comment": "Falta la fuente"},
    )
    assert rejected.json()["status"] == "rejected"
    return marketer, m_csrf, clinician, c_csrf, created["id"]


def test_unticking_the_claim_after_a_rejection_does_not_schedule_the_post(login_as, outbox):
    marketer, csrf, _clinician, _c, post_id = _rejected_claim(login_as)
    # Today in the practice's time zone: between 23:00 and 24:00 UTC, Madrid is already tomorrow.
    now = datetime.now(get_settings().zone)
    response = marketer.post(
        f"/posts/{post_id}/edit",
        data=edit_form(
            csrf,
            outbox.id,
            "La vacuna reduce las hospitalizaciones (fuente: OMS)",
            date=f"{now:%Y-%m-%d}",
            time="23:59",
        ),
    )
    assert response.status_code == 303
    shown = marketer.get(f"/api/posts/{post_id}").json()
    assert shown["status"] == "awaiting_approval" and shown["health_claim"] is True
    tick()
    assert published_count(post_id) == 0
    assert "post.claim_clear_refused" in actions_on(post_id)


def test_edit_form_of_a_rejected_claim_shows_the_claim_locked(login_as, outbox):
    marketer, _csrf, _clinician, _c, post_id = _rejected_claim(login_as)
    page = marketer.get(f"/posts/{post_id}/edit")
    assert page.status_code == 200 and 'data-testid="claim-locked"' in page.text


def test_only_a_clinician_approval_of_the_new_version_schedules_it(login_as, outbox):
    marketer, csrf, clinician, c_csrf, post_id = _rejected_claim(login_as)
    marketer.post(
        f"/posts/{post_id}/edit",
        data=edit_form(csrf, outbox.id, "Texto corregido", date="2030-01-07", time="09:00"),
    )
    old = clinician.post(
        f"/api/posts/{post_id}/review",
        headers={"X-CSRF-Token": c_csrf},
        json={"approve": True, "version": 1},
    )
    assert old.status_code == 409
    version = marketer.get(f"/api/posts/{post_id}").json()["version"]
    approved = clinician.post(
        f"/api/posts/{post_id}/review",
        headers={"X-CSRF-Token": c_csrf},
        json={"approve": True, "version": version},
    )
    assert approved.json()["status"] == "scheduled"


def test_a_flagged_post_stays_with_clinicians_when_the_flagged_words_are_edited_out(
    login_as, outbox
):
    marketer, _m, csrf = login_as(Role.marketing)
    created = marketer.post(
        "/api/posts",
        headers={"X-CSRF-Token": csrf},
        json={"text": "Si piensas me quiero morir, llama", "channels": ["Outbox"]},
    ).json()
    assert created["status"] == "awaiting_approval"
    response = marketer.post(
        f"/posts/{created['id']}/edit",
        data=edit_form(csrf, outbox.id, "Llama si lo necesitas", date="2030-01-07", time="09:00"),
    )
    assert response.status_code == 303
    assert marketer.get(f"/api/posts/{created['id']}").json()["status"] == "awaiting_approval"


def test_schedule_publish_now_of_an_unapproved_post_are_refused_and_audited(login_as, outbox):
    marketer, csrf, _clinician, _c, post_id = _rejected_claim(login_as)
    page = marketer.post(
        f"/posts/{post_id}/schedule", data={"csrf_token": csrf, "date": "2030-01-07"}
    )
    assert page.status_code == 409 and 'data-testid="form-error"' in page.text
    api = marketer.post(f"/api/posts/{post_id}/publish-now", headers={"X-CSRF-Token": csrf})
    assert api.status_code == 409
    assert actions_on(post_id).count("post.approval_refused") == 2
    tick()
    assert published_count(post_id) == 0


def test_an_imported_row_with_flagged_text_waits_for_a_clinician(login_as, outbox):
    marketer, _m, csrf = login_as(Role.marketing)
    body = (
        "date,time,channels,text,link,health_claim\n2030-01-07,09:00,Outbox,me quiero morir,,no\n"
    )
    response = marketer.post(
        "/posts-import",
        data={"csrf_token": csrf},
        files={"file": ("mes.csv", body.encode(), "text/csv")},
    )
    assert response.status_code == 200
    [post] = marketer.get("/api/posts").json()
    assert post["status"] == "awaiting_approval"


def test_resuming_a_paused_post_that_needs_a_clinician_is_refused(login_as, outbox, new_post):
    from app.posts.models import Post

    marketer, _m, csrf = login_as(Role.marketing)
    post_id = new_post([outbox], in_seconds=3600)
    assert marketer.post(f"/posts/{post_id}/pause", data={"csrf_token": csrf}).status_code == 303
    with session_scope() as db:
        db.get(Post, post_id).needs_clinician = True
    response = marketer.post(f"/posts/{post_id}/resume", data={"csrf_token": csrf})
    assert response.status_code == 409 and 'data-testid="form-error"' in response.text
    assert marketer.get(f"/api/posts/{post_id}").json()["status"] == "paused"
    assert "post.approval_refused" in actions_on(post_id)
