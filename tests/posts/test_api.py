"""The posts API: creation, validation messages, approval, and what a delivery shows."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.accounts.models import Role
from scheduler.dispatcher import tick


def future(hours: int = 2) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


def test_create_returns_201_with_its_deliveries(login_as, outbox):
    client, _user, csrf = login_as(Role.marketing)
    response = client.post(
        "/api/posts",
        headers={"X-CSRF-Token": csrf},
        json={
            "text": "Campaña de vacunación",
            "channels": ["Outbox"],
            "scheduled_at": future(),
            "health_claim": False,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "scheduled" and [d["status"] for d in body["deliveries"]] == [
        "pending"
    ]
    assert body["deliveries"][0]["channel"] == "Outbox"


def test_past_time_unknown_channel_and_long_text_are_422_naming_the_problem(
    login_as, outbox, x_channel
):
    client, _user, csrf = login_as(Role.marketing)
    headers = {"X-CSRF-Token": csrf}
    past = client.post(
        "/api/posts",
        headers=headers,
        json={"text": "hola", "channels": ["Outbox"], "scheduled_at": "2020-01-01T09:00:00+01:00"},
    )
    assert (
        past.status_code == 422
        and past.json()["field"] == "scheduled_at"
        and "past" in past.json()["detail"]
    )
    unknown = client.post(
        "/api/posts",
        headers=headers,
        json={"text": "hola", "channels": ["Outbox", "mastodon"], "scheduled_at": future()},
    )
    assert unknown.status_code == 422 and "mastodon" in unknown.json()["detail"]
    long = client.post(
        "/api/posts",
        headers=headers,
        json={"text": "a" * 300, "channels": ["X clinic", "Outbox"], "scheduled_at": future()},
    )
    assert (
        long.status_code == 422
        and "X clinic" in long.json()["detail"]
        and "280" in long.json()["detail"]
    )


def test_naive_time_is_refused(login_as, outbox):
    client, _user, csrf = login_as(Role.marketing)
    response = client.post(
        "/api/posts",
        headers={"X-CSRF-Token": csrf},
        json={"text": "hola", "channels": ["Outbox"], "scheduled_at": "2030-01-01T09:00:00"},
    )
    assert response.status_code == 422 and "offset" in response.json()["detail"]


def test_health_claim_flow_through_the_api(login_as, outbox):
    marketer, _m, m_csrf = login_as(Role.marketing)
    clinician, _c, c_csrf = login_as(Role.clinician, verified=True)
    created = marketer.post(
        "/api/posts",
        headers={"X-CSRF-Token": m_csrf},
        json={
            "text": "La vacuna es segura",
            "channels": ["Outbox"],
            "scheduled_at": future(0),
            "health_claim": True,
        },
    ).json()
    assert created["status"] == "awaiting_approval"
    assert (
        marketer.post(
            f"/api/posts/{created['id']}/review",
            headers={"X-CSRF-Token": m_csrf},
            json={"approve": True},
        ).status_code
        == 403
    )
    rejected = clinician.post(
        f"/api/posts/{created['id']}/review",
        headers={"X-CSRF-Token": c_csrf},
        json={"approve": False},
    )
    assert rejected.status_code == 422 and rejected.json()["field"] == "comment"
    approved = clinician.post(
        f"/api/posts/{created['id']}/review",
        headers={"X-CSRF-Token": c_csrf},
        json={"approve": True, "comment": "Correcto"},
    )
    assert approved.json()["status"] == "scheduled"
    tick()
    shown = marketer.get(f"/api/posts/{created['id']}").json()
    delivery = shown["deliveries"][0]
    assert (
        shown["status"] == "done"
        and delivery["status"] == "published"
        and delivery["attempts"] == 1
    )
    assert delivery["remote_id"] and delivery["remote_url"]


def test_editing_an_approved_post_sends_it_back_for_approval(login_as, outbox, clinician):
    marketer, _m, csrf = login_as(Role.marketing)
    created = marketer.post(
        "/api/posts",
        headers={"X-CSRF-Token": csrf},
        json={
            "text": "Dato de salud",
            "channels": ["Outbox"],
            "scheduled_at": future(),
            "health_claim": True,
        },
    ).json()
    from app.database import session_scope
    from app.posts import service as posts
    from app.posts.models import Post

    with session_scope() as db:
        posts.review(
            db=db, post=db.get(Post, created["id"]), clinician=clinician, approve=True, comment=None
        )
    page = marketer.get(f"/posts/{created['id']}/edit").text
    assert "Dato de salud" in page
    response = marketer.post(
        f"/posts/{created['id']}/edit",
        data={
            "csrf_token": csrf,
            "text": "Dato de salud corregido",
            "channels": [str(outbox.id)],
            "health_claim": "on",
            "date": "2030-01-07",
            "time": "09:00",
        },
    )
    assert response.status_code == 303
    assert marketer.get(f"/api/posts/{created['id']}").json()["status"] == "awaiting_approval"


def test_form_time_is_read_in_the_practice_zone(login_as, outbox):
    marketer, _m, csrf = login_as(Role.marketing)
    response = marketer.post(
        "/posts",
        data={
            "csrf_token": csrf,
            "text": "Hora local",
            "channels": [str(outbox.id)],
            "date": "2030-07-01",
            "time": "09:00",
        },
    )
    post_id = response.headers["location"].rsplit("/", 1)[1]
    scheduled = datetime.fromisoformat(marketer.get(f"/api/posts/{post_id}").json()["scheduled_at"])
    assert (
        scheduled.astimezone(ZoneInfo("Europe/Madrid")).hour == 9
        and scheduled.astimezone(UTC).hour == 7
    )


def test_preview_counts_like_each_channel(login_as, outbox, x_channel):
    marketer, _m, csrf = login_as(Role.marketing)
    page = marketer.post(
        "/posts/preview",
        data={
            "csrf_token": csrf,
            "text": "Hola 👋",
            "link": "https://example.org/a/very/long/path",
            "channels": [str(x_channel.id), str(outbox.id)],
        },
    ).text
    assert (
        f'data-testid="count-{x_channel.id}">31 / 280' in page
    )  # 4 + space + emoji (2) + newline + 23 for the link
    assert f'data-testid="count-{outbox.id}">6 / 5000' in page


def test_csv_import_reports_every_problem_and_imports_nothing(login_as, outbox):
    marketer, _m, csrf = login_as(Role.marketing)
    csv_text = (
        "date,time,channels,text,link\n"
        "2030-01-07,09:00,Outbox,Primera,\n"
        "2020-01-01,09:00,Outbox,En el pasado,\n"
        "2030-01-08,10:00,Nowhere,Canal malo,\n"
        "2030-01-09,25:00,Outbox,Hora mala,\n"
    )
    response = marketer.post(
        "/posts-import",
        data={"csrf_token": csrf},
        files={"file": ("mes.csv", csv_text.encode(), "text/csv")},
    )
    assert response.status_code == 422
    for expected in ("row 3: scheduled_at", "row 4: channels", "row 5"):
        assert expected in response.text
    assert marketer.get("/api/posts").json() == []


def test_csv_import_of_a_clean_file_creates_every_post_and_export_lists_them(login_as, outbox):
    marketer, _m, csrf = login_as(Role.marketing)
    rows = "".join(
        f"2030-02-{day:02d},09:30,Outbox,Aviso {day},https://example.org/{day}\n"
        for day in range(1, 29)
    )
    response = marketer.post(
        "/posts-import",
        data={"csrf_token": csrf},
        files={"file": ("mes.csv", ("date,time,channels,text,link\n" + rows).encode(), "text/csv")},
    )
    assert response.status_code == 200 and "28" in response.text
    exported = marketer.get("/posts-export.csv").text.splitlines()
    assert len(exported) == 29 and exported[1].split(",")[3] == "09:30"


def test_calendar_shows_scheduled_and_projected_posts(login_as, outbox):
    marketer, _m, csrf = login_as(Role.marketing)
    marketer.post(
        "/api/posts",
        headers={"X-CSRF-Token": csrf},
        json={
            "text": "Gripe cada lunes",
            "channels": ["Outbox"],
            "scheduled_at": "2030-01-07T09:00:00+01:00",
            "recurrence": {"freq": "weekly"},
        },
    )
    page = marketer.get("/calendar?month=2030-01").text
    assert page.count("Gripe cada lunes") == 4  # 7, 14, 21 and 28 January
    assert marketer.get("/calendar?month=2030-13").status_code == 422
    assert "Gripe cada lunes" in marketer.get("/calendar?week=2030-W02").text
