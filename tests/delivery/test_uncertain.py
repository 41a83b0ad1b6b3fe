"""Messages the engine cannot settle: admins are told once, and staff settle them on the outbox and
SMS inbox pages (sent or not sent), each verdict audited."""

from sqlalchemy import update
from sqlmodel import select

from app import settings
from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.database import session_scope
from app.delivery import engine
from app.notifications import service as notifications
from app.notifications.models import Notification
from app.posts.models import CommentReply, ReplyState
from app.sms import outbound
from app.sms.models import SmsStatus
from tests.messaging import messaging  # noqa: F401 - fixture
from tests.posts.test_reply_engine import answer, commented, reply
from tests.sms.test_engine import NeverAnswers, book_soon, make_due, reminders, retry_now, row


def told(kind: str) -> list[Notification]:
    with session_scope() as db:
        return list(db.exec(select(Notification).where(Notification.kind == kind)))


def audited(action: str) -> list[AuditEvent]:
    with session_scope() as db:
        return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_admins_and_the_author_are_told_once_while_it_is_unread(make_user):
    admins = [make_user(Role.admin), make_user(Role.admin)]
    author = make_user(Role.marketing)
    with session_scope() as db:
        first = notifications.notify_uncertain(
            db=db, kind="delivery.uncertain", message="Post #1", link="/posts/1", also=author.id
        )
        again = notifications.notify_uncertain(
            db=db, kind="delivery.uncertain", message="Post #1", link="/posts/1", also=author.id
        )
    assert (first, again) == (3, 0)
    assert sorted(n.user_id for n in told("delivery.uncertain")) == sorted(
        [*(a.id for a in admins), author.id]
    )
    with session_scope() as db:
        notifications.mark_all_read(db=db, user_id=author.id)
        # Settled, sent again and uncertain again: the one who read the first hears of it anew.
        assert (
            notifications.notify_uncertain(
                db=db, kind="delivery.uncertain", message="Post #1", link="/posts/1", also=author.id
            )
            == 1
        )


def test_an_uncertain_sms_is_told_to_the_admins_once_without_number_or_text(
    messaging, monkeypatch, make_user
):
    admin = make_user(Role.admin)
    monkeypatch.setenv("CAREPOST_DISPATCH_MAX_ATTEMPTS", "2")
    settings.get_settings.cache_clear()
    first = reminders(book_soon())[0]
    make_due(first.id)
    kind = outbound.SmsMessages(NeverAnswers())
    engine.tick(worker="w", only=[kind])
    retry_now(first.id)
    engine.tick(worker="w", only=[kind])
    assert row(first.id).status == SmsStatus.uncertain
    [note] = told("sms.uncertain")
    assert note.user_id == admin.id and note.link == f"/sms/inbox#outbound-sms-{first.id}"
    assert first.to_phone not in note.message and first.body not in note.message


def test_staff_settle_an_uncertain_sms_on_the_inbox_page(messaging, login_as):
    first = reminders(book_soon())[0]
    with session_scope() as db:
        db.get(type(first), first.id).status = SmsStatus.uncertain
    client, admin, csrf = login_as(Role.admin)
    page = client.get("/sms/inbox").text
    assert f'id="outbound-sms-{first.id}"' in page and "It went out" in page
    done = client.post(
        f"/delivery/sms/{first.id}/settle",
        data={"csrf_token": csrf, "outcome": "sent", "back": "sms"},
    )
    assert done.status_code == 303 and done.headers["location"] == "/sms/inbox#uncertain"
    assert row(first.id).status == SmsStatus.sent
    [event] = audited("sms.settle")
    assert (event.actor_id, event.object_id, event.detail["sent"]) == (
        admin.id,
        str(first.id),
        True,
    )
    again = client.post(
        f"/delivery/sms/{first.id}/settle",
        data={"csrf_token": csrf, "outcome": "not_sent", "back": "sms"},
    )
    assert again.status_code == 409  # settled already
    assert f'id="outbound-sms-{first.id}"' not in client.get("/sms/inbox").text


def test_staff_settle_an_uncertain_reply_on_the_outbox_page(outbox, new_post, clinician, login_as):
    _remote, comment_id = commented(new_post, outbox)
    reply_id = answer(comment_id, clinician)
    with session_scope() as db:
        db.exec(update(CommentReply).values(state=ReplyState.uncertain))
    client, _marketer, csrf = login_as(Role.marketing)
    assert f'id="reply-{reply_id}"' in client.get("/outbox").text
    done = client.post(
        f"/delivery/reply/{reply_id}/settle",
        data={"csrf_token": csrf, "outcome": "not_sent", "back": "outbox"},
    )
    assert done.status_code == 303 and done.headers["location"] == "/outbox#uncertain"
    assert reply(reply_id).state == ReplyState.failed
    assert [e.detail["sent"] for e in audited("reply.settle")] == [False]
