"""Analytics per ISO week: posts per channel with engagement, SMS reminders (the reminder report's
counts) and newsletters, from a small fixture; CSV columns; who may open the page."""

import csv
import io
from datetime import date

import pytest

from app.accounts.models import Role
from app.analytics import service as analytics
from app.channels.models import Channel, ChannelKind
from app.database import session_scope
from app.newsletters.models import EmailEvent, EmailKind, EmailStatus, Newsletter, OutboundEmail
from app.posts.models import Delivery, DeliveryStatus, MetricSnapshot, Post, PostStatus
from tests.appointments.test_reports import a_fortnight_of_reminders
from tests.messaging import local, messaging  # noqa: F401 - fixture

# The fixed dates below are of the tests' calendar week; the real clock is set to it.
pytestmark = pytest.mark.usefixtures("calendar_clock")

START, END = date(2026, 11, 3), date(2026, 11, 16)  # W45 (from Tuesday), W46, W47 (Monday only)


def published(db, author_id, channel, text, at, values=None) -> int:
    post = Post(author_id=author_id, text=text, status=PostStatus.done)
    db.add(post)
    db.flush()
    delivery = Delivery(
        post_id=post.id,
        channel_id=channel.id,
        due_at=at,
        status=DeliveryStatus.published,
        sent_at=at,
    )
    db.add(delivery)
    db.flush()
    for n, snapshot in enumerate(values or []):
        db.add(
            MetricSnapshot(
                delivery_id=delivery.id, at=local(f"2026-11-20 0{n}:00"), values=snapshot
            )
        )
    return post.id


def a_fortnight_of_posts(author_id: int) -> dict[str, int]:
    with session_scope() as db:
        web = Channel(kind=ChannelKind.facebook, name="Facebook page", credentials_encrypted="")
        x = Channel(kind=ChannelKind.x, name="=X clinic", credentials_encrypted="")
        db.add_all([web, x])
        db.flush()
        # The newest snapshot counts; views are not engagement.
        good = published(
            db,
            author_id,
            web,
            "Vacúnate",
            local("2026-11-10 09:00"),
            [{"reactions": 1}, {"reactions": 8, "comments": 2, "shares": 1}],
        )
        poor = published(
            db, author_id, web, "Horario", local("2026-11-11 09:00"), [{"reactions": 1}]
        )
        quiet = published(
            db,
            author_id,
            x,
            "Gripe",
            local("2026-11-12 09:00"),
            [{"like_count": 3, "impression_count": 900}],
        )
        unread = published(db, author_id, web, "Lunes", local("2026-11-16 00:30"))
        published(db, author_id, web, "Antes", local("2026-11-02 23:30"), [{"reactions": 50}])
        return {"good": good, "poor": poor, "quiet": quiet, "unread": unread}


def a_newsletter_sent(week_day: str) -> None:
    with session_scope() as db:
        letter = Newsletter(subject="Gripe", body="Vacúnate")
        db.add(letter)
        db.flush()
        for n in range(3):
            row = OutboundEmail(
                kind=EmailKind.newsletter,
                newsletter_id=letter.id,
                to_address=f"p{n}@example.org",
                token=f"tok{n}-{week_day}",
                status=EmailStatus.sent,
                sent_at=local(f"{week_day} 10:00"),
            )
            db.add(row)
            db.flush()
            kinds = ["click", "click", "unsubscribe"] if n == 0 else ["hard_bounce"] * (n == 1)
            for kind in kinds:
                db.add(
                    EmailEvent(
                        outbound_id=row.id,
                        newsletter_id=letter.id,
                        kind=kind,
                        at=local(f"{week_day} 12:00"),
                    )
                )


def test_weekly_figures_per_channel_sms_and_email_from_a_small_fixture(
    messaging, marketer, login_as
):
    ids = a_fortnight_of_posts(marketer.id)
    a_fortnight_of_reminders()
    a_newsletter_sent("2026-11-05")
    with session_scope() as db:
        result = analytics.build(db, start=START, end=END)
    assert result.weeks == ["2026-W45", "2026-W46", "2026-W47"]
    rows = {(r.week, r.channel): r for r in result.posts}
    assert set(rows) == {
        ("2026-W46", "Facebook page"),
        ("2026-W46", "=X clinic"),
        ("2026-W47", "Facebook page"),
    }
    facebook = rows[("2026-W46", "Facebook page")]
    assert (facebook.published, facebook.engagement) == (2, 12)
    assert (facebook.best.post_id, facebook.worst.post_id) == (ids["good"], ids["poor"])
    assert rows[("2026-W46", "=X clinic")].engagement == 3
    assert rows[("2026-W47", "Facebook page")].engagement == 0
    assert result.post_totals("published") == [
        ("2026-W45", [0, 0]),
        ("2026-W46", [1, 2]),
        ("2026-W47", [0, 1]),
    ]
    sms = {r.week: r for r in result.sms}
    assert sms["2026-W46"] == analytics.SmsWeek(
        "2026-W46", sent=3, delivered=2, failed=1, confirmed=1, opt_outs=1
    )
    assert sms["2026-W45"] == analytics.SmsWeek("2026-W45")
    email = {r.week: r for r in result.email}
    assert email["2026-W45"] == analytics.EmailWeek(
        "2026-W45", sent=3, bounced=1, unsubscribed=1, complaints=0, clicks=2
    )

    table = list(csv.reader(io.StringIO(analytics.to_csv(result, "posts"))))
    assert table[0] == analytics.POST_COLUMNS
    assert [
        "2026-W46",
        "'=X clinic",
        "1",
        "3",
        str(ids["quiet"]),
        "3",
        str(ids["quiet"]),
        "3",
    ] in table
    assert next(csv.reader(io.StringIO(analytics.to_csv(result, "sms")))) == [
        "week",
        "sent",
        "delivered",
        "failed",
        "confirmed",
        "opt_outs",
    ]
    assert next(csv.reader(io.StringIO(analytics.to_csv(result, "email")))) == [
        "week",
        "sent",
        "bounced",
        "unsubscribed",
        "complaints",
        "clicks",
    ]
    client, _user, _csrf = login_as(Role.marketing)
    page = client.get(f"/analytics?start={START}&end={END}").text
    for chart in ("chart-published", "chart-engagement", "chart-sms", "chart-email"):
        assert f'data-testid="{chart}"' in page
    assert page.count('data-testid="posts-row"') == 3 and "Vacúnate" in page


def test_admin_and_marketing_open_the_page_and_csv_others_do_not(login_as):
    marketing, _m, _c = login_as(Role.marketing)
    page = marketing.get("/analytics?start=2026-11-03&end=2026-11-16")
    assert page.status_code == 200
    for part in ("posts-empty", "sms-empty", "email-empty"):
        assert f'data-testid="{part}"' in page.text
    download = marketing.get("/analytics.csv?part=sms&start=2026-11-03&end=2026-11-16")
    assert download.status_code == 200 and download.text.startswith("week,sent,delivered")
    assert marketing.get("/analytics.csv?part=nope").status_code == 422
    assert marketing.get("/analytics?start=03/11/2026").status_code == 422
    assert marketing.get("/analytics?start=2026-01-01&end=2026-11-16").status_code == 422
    admin, _a, _c = login_as(Role.admin)
    assert admin.get("/analytics").status_code == 200
    for role, verified in ((Role.clinician, True), (Role.patient, False)):
        other, _u, _c = login_as(role, verified=verified)
        assert other.get("/analytics").status_code == 403
        assert other.get("/analytics.csv").status_code == 403
