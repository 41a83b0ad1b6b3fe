"""The posting schedule, "Add to queue", best hours, moving a planned post and the calendar."""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.clock import utcnow
from app.database import session_scope
from app.errors import InvalidInput
from app.newsletters.models import Newsletter, NewsletterStatus
from app.outreach.models import Campaign, CampaignStatus, MessageTemplate, TemplateKind
from app.planning import best_time, slots
from app.planning.models import PostingSlot
from app.posts import service as posts
from app.posts.models import Delivery, DeliveryStatus, MetricSnapshot, Post, PostCreate, PostStatus

MADRID = ZoneInfo("Europe/Madrid")
MON, TUE, SAT, SUN = 0, 1, 5, 6


def _slots(channel_id, *pairs):
    with session_scope() as db:
        for weekday, clock in pairs:
            minute = slots.parse_minute(clock)
            db.add(PostingSlot(channel_id=channel_id, weekday=weekday, minute=minute))


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=MADRID)


def _next(channel_ids, now, **extra):
    with session_scope() as db:
        return slots.next_free_slot(db=db, channel_ids=channel_ids, now=now, **extra)


def test_next_free_slot_crosses_days_and_keeps_local_time_across_dst(outbox):
    _slots(outbox.id, (SAT, "10:00"), (MON, "10:00"), (SUN, "02:30"))
    # Saturday 26 October 2030, summer time (UTC+2): the Saturday slot is 08:00 UTC.
    assert _next([outbox.id], _local("2030-10-26T07:00")) == datetime(2030, 10, 26, 8, tzinfo=UTC)
    # Past it, Sunday 02:30 comes twice as clocks go back: the first one (still summer time).
    sunday = datetime(2030, 10, 27, 0, 30, tzinfo=UTC)
    assert _next([outbox.id], _local("2030-10-26T12:00")) == sunday
    # Then Monday 10:00 in winter time (UTC+1): 09:00 UTC, one hour later than Saturday's.
    after = datetime(2030, 10, 27, 1, 0, tzinfo=UTC)
    assert _next([outbox.id], after) == datetime(2030, 10, 28, 9, tzinfo=UTC)
    # Sunday 31 March 2030 has no 02:30 (clocks jump to 03:00): that Sunday is skipped.
    assert _next([outbox.id], _local("2030-03-30T12:00")) == datetime(2030, 4, 1, 8, tzinfo=UTC)


def test_a_slot_another_post_holds_is_skipped_and_a_post_does_not_block_itself(outbox, marketer):
    _slots(outbox.id, (MON, "10:00"), (MON, "15:00"))
    with session_scope() as db:
        post = posts.create(
            db=db,
            author=marketer,
            data=PostCreate(
                text="Vacunas", channels=[outbox.id], scheduled_at=_local("2030-01-07T10:00")
            ),
        )
        post_id = post.id
    sunday = _local("2030-01-06T12:00")
    assert _next([outbox.id], sunday) == _local("2030-01-07T15:00")
    assert _next([outbox.id], sunday, exclude_post_id=post_id) == _local("2030-01-07T10:00")


def test_channels_without_a_shared_time_cannot_be_queued(outbox, x_channel):
    _slots(outbox.id, (MON, "10:00"))
    _slots(x_channel.id, (TUE, "10:00"))
    with pytest.raises(InvalidInput, match="no posting time in common"):
        _next([outbox.id, x_channel.id], _local("2030-01-06T12:00"))


def _expected_slot(clock: str) -> datetime:
    """Today at `clock` in practice time if that is still ahead, else tomorrow (slots every day)."""
    now = utcnow().astimezone(MADRID)
    hour, minute = map(int, clock.split(":"))
    at = time(hour, minute)
    slot = datetime.combine(now.date(), at, tzinfo=MADRID)
    if slot < now + timedelta(minutes=1):
        slot = datetime.combine(now.date() + timedelta(days=1), at, tzinfo=MADRID)
    return slot.astimezone(UTC)


def test_add_to_queue_keeps_the_approval_gate(login_as, outbox):
    _slots(outbox.id, *[(day, "11:00") for day in range(7)])
    marketer, _m, csrf = login_as(Role.marketing)
    form = {
        "csrf_token": csrf,
        "text": "La vacuna de la gripe protege",
        "channels": str(outbox.id),
        "health_claim": "on",
        "queue": "1",
        "date": "",
        "time": "",
    }
    response = marketer.post("/posts", data=form)
    assert response.status_code == 303
    post_id = int(response.headers["location"].rsplit("/", 1)[1])
    with session_scope() as db:
        post = db.get(Post, post_id)
        assert post.status == PostStatus.awaiting_approval  # queued, but not out without sign-off
        assert post.scheduled_at == _expected_slot("11:00")
    page = marketer.get(f"/posts/{post_id}").text
    assert "Added to the queue" in page and "A clinician must approve it" in page
    clinician, _c, ccsrf = login_as(Role.clinician, verified=True)
    assert clinician.post("/posts", data={**form, "csrf_token": ccsrf}).status_code == 403


def _scheduled(marketer, outbox, when: datetime) -> int:
    with session_scope() as db:
        data = PostCreate(text="Horario de verano", channels=[outbox.id], scheduled_at=when)
        return posts.create(db=db, author=marketer, data=data).id


def test_moving_a_post_moves_its_deliveries_and_checks_the_role(login_as, outbox, marketer):
    post_id = _scheduled(marketer, outbox, _local("2030-06-03T09:30"))
    clinician, _c, ccsrf = login_as(Role.clinician, verified=True)
    refused = clinician.post(
        f"/posts/{post_id}/move", data={"csrf_token": ccsrf, "date": "2030-06-05"}
    )
    assert refused.status_code == 403
    client, _m, csrf = login_as(Role.marketing)
    moved = client.post(
        f"/posts/{post_id}/move",
        data={"csrf_token": csrf, "date": "2030-06-05", "back": "month=2030-06"},
    )
    assert moved.status_code == 303 and moved.headers["location"] == "/calendar?month=2030-06"
    with session_scope() as db:
        due = db.exec(select(Delivery.due_at).where(Delivery.post_id == post_id)).all()
        assert db.get(Post, post_id).scheduled_at == _local("2030-06-05T09:30")
    assert due == [_local("2030-06-05T09:30")]
    bad = client.post(f"/posts/{post_id}/move", data={"csrf_token": csrf, "date": "junio"})
    assert bad.status_code == 422 and "2026-12-01" in bad.text


def test_a_sent_post_cannot_be_moved(login_as, outbox, marketer):
    post_id = _scheduled(marketer, outbox, _local("2030-06-03T09:30"))
    with session_scope() as db:
        delivery = db.exec(select(Delivery).where(Delivery.post_id == post_id)).one()
        delivery.status = DeliveryStatus.sending  # claimed by the dispatcher: no longer movable
        db.add(delivery)
    client, _m, csrf = login_as(Role.marketing)
    move = {"csrf_token": csrf, "date": "2030-06-05"}
    refused = client.post(f"/posts/{post_id}/move", data=move)
    assert refused.status_code == 409 and "can no longer be moved" in refused.text
    with session_scope() as db:
        assert db.get(Post, post_id).scheduled_at == _local("2030-06-03T09:30")
        db.get(Post, post_id).status = PostStatus.done
    done = client.post(f"/posts/{post_id}/move", data=move)
    assert done.status_code == 409 and "cannot be moved" in done.text


def _published(db, post_id, channel_id, sent_at, values):
    delivery = Delivery(
        post_id=post_id,
        channel_id=channel_id,
        due_at=sent_at,
        sent_at=sent_at,
        status=DeliveryStatus.published,
    )
    db.add(delivery)
    db.flush()
    early, late = sent_at + timedelta(hours=1), sent_at + timedelta(days=1)
    db.add(MetricSnapshot(delivery_id=delivery.id, at=early, values={"likes": 1}))
    db.add(MetricSnapshot(delivery_id=delivery.id, at=late, values=values))


def test_best_hour_needs_enough_history(outbox, marketer):
    tuesday = utcnow().astimezone(MADRID).replace(hour=10, minute=15, second=0, microsecond=0)
    tuesday -= timedelta(days=(tuesday.weekday() - TUE) % 7 + 7)
    with session_scope() as db:
        data = PostCreate(text="Consejos", channels=[outbox.id])
        post = posts.create(db=db, author=marketer, data=data)
        for week in range(3):  # Tuesdays 10:15: many likes (impressions do not count)
            when = tuesday - timedelta(weeks=week)
            _published(db, post.id, outbox.id, when, {"likes": 30, "impression_count": 900})
        for week in range(3):  # Thursdays 18:00: few
            thursday = tuesday + timedelta(days=2, hours=8) - timedelta(weeks=week)
            _published(db, post.id, outbox.id, thursday, {"likes": 2, "comments": 1})
    with session_scope() as db:
        few = best_time.heat_maps(db=db, channel_ids=[outbox.id], now=utcnow())[outbox.id]
    assert few.measured == 6 and few.best is None
    with session_scope() as db:
        for week in range(3, 5):
            _published(db, post.id, outbox.id, tuesday - timedelta(weeks=week), {"likes": 20})
        heat = best_time.heat_maps(db=db, channel_ids=[outbox.id], now=utcnow())[outbox.id]
    assert heat.best == (TUE, 10) and heat.cells[(TUE, 10)] == (26.0, 5)


def test_schedule_page_adds_and_removes_times(login_as, outbox):
    client, _m, csrf = login_as(Role.marketing)
    form = {"csrf_token": csrf, "channel": str(outbox.id), "time": "09:30", "weekdays": ["0", "2"]}
    added = client.post("/schedule/slots", data=form)
    assert added.status_code == 303
    page = client.get("/schedule").text
    assert page.count('class="slot">09:30') == 2 and "not enough history" in page
    bad = client.post("/schedule/slots", data={**form, "time": "9h"})
    assert bad.status_code == 422 and "09:30" in bad.text
    slot_id = re.search(r"/schedule/slots/(\d+)/delete", page).group(1)
    removed = client.post(f"/schedule/slots/{slot_id}/delete", data={"csrf_token": csrf})
    assert removed.status_code == 303
    assert client.get("/schedule").text.count('class="slot">09:30') == 1
    clinician, _c, _cc = login_as(Role.clinician, verified=True)
    assert clinician.get("/schedule").status_code == 403


def test_calendar_shows_posts_campaigns_and_newsletters_with_a_filter(login_as, outbox, marketer):
    post_id = _scheduled(marketer, outbox, _local("2030-06-03T09:30"))
    with session_scope() as db:
        template = MessageTemplate(
            kind=TemplateKind.campaign, name="Gripe", text_es="Vacúnate", text_en="Vaccinate"
        )
        db.add(template)
        db.flush()
        campaign = Campaign(
            name="Campaña gripe",
            kind=TemplateKind.campaign,
            template_id=template.id,
            scheduled_at=_local("2030-06-04T11:00"),
            status=CampaignStatus.scheduled,
        )
        sent = _local("2030-06-06T08:00")
        letter = Newsletter(
            subject="Boletín de junio", body="Hola", status=NewsletterStatus.sent, queued_at=sent
        )
        db.add_all([campaign, letter])
    client, _m, _csrf = login_as(Role.marketing)
    page = client.get("/calendar?month=2030-06").text
    assert f'data-move="/posts/{post_id}/move"' in page
    assert "Campaña gripe" in page and "Boletín de junio" in page
    assert 'href="/posts/new?date=2030-06-10"' in page
    only_sms = client.get("/calendar?month=2030-06&show=sms").text
    assert "Campaña gripe" in only_sms
    assert "Boletín" not in only_sms and "Horario de verano" not in only_sms
    today = client.get("/calendar").text
    assert 'aria-current="date"' in today
    clinician, _c, _cc = login_as(Role.clinician, verified=True)
    seen = clinician.get("/calendar?month=2030-06").text
    assert "Campaña gripe" in seen and "data-move=" not in seen and "/posts/new?date=" not in seen


def test_compose_opens_on_the_clicked_day(login_as):
    client, _m, _csrf = login_as(Role.marketing)
    assert 'name="date" value="2030-06-10"' in client.get("/posts/new?date=2030-06-10").text
    assert client.get("/posts/new?date=junio").status_code == 200
