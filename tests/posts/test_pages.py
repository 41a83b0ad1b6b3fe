"""The posts pages: filters, and refusals shown inline in the user's language with the input kept."""

from app.accounts.models import Role, User
from app.database import session_scope


def in_spanish(user) -> None:
    with session_scope() as db:
        db.get(User, user.id).locale = "es"


def test_posts_filter_with_any_channel_lists_the_posts(login_as, outbox, new_post):
    marketer, _m, _csrf = login_as(Role.marketing)
    new_post([outbox], text="Aviso de prueba", in_seconds=None)
    for query in (
        "status=draft&channel=",
        "status=&channel=",
        "channel=%C2%B2",
        "channel=99999999999999999999",
    ):
        response = marketer.get(f"/posts?{query}")
        assert response.status_code == 200, query
    assert "Aviso de prueba" in marketer.get("/posts?status=draft&channel=").text
    assert "Aviso de prueba" not in marketer.get("/posts?status=scheduled&channel=").text


def test_rejecting_without_a_comment_is_refused_inline_in_spanish(login_as, outbox, new_post):
    clinician, user, csrf = login_as(Role.clinician, verified=True)
    in_spanish(user)
    post_id = new_post([outbox], in_seconds=3600, health_claim=True)
    response = clinician.post(
        f"/posts/{post_id}/review", data={"csrf_token": csrf, "decision": "reject", "comment": " "}
    )
    assert response.status_code == 422
    assert 'data-testid="form-error"' in response.text and "explica por qué" in response.text
    assert 'name="decision" value="reject"' in response.text  # the review form is still there


def test_a_past_time_is_refused_inline_in_practice_time_with_the_input_kept(
    login_as, outbox, new_post
):
    marketer, user, csrf = login_as(Role.marketing)
    in_spanish(user)
    post_id = new_post([outbox], in_seconds=None)
    response = marketer.post(
        f"/posts/{post_id}/schedule",
        data={"csrf_token": csrf, "date": "2020-07-01", "time": "09:00"},
    )
    assert response.status_code == 422
    assert "2020-07-01 09:00 (Europe/Madrid) ya ha pasado" in response.text
    assert 'value="2020-07-01"' in response.text


def test_compose_errors_are_in_the_users_language_and_keep_the_text(login_as, outbox):
    marketer, user, csrf = login_as(Role.marketing)
    in_spanish(user)
    response = marketer.post(
        "/posts",
        data={
            "csrf_token": csrf,
            "text": "Horario de verano",
            "channels": [str(outbox.id)],
            "date": "2020-07-01",
            "time": "09:00",
        },
    )
    assert response.status_code == 422 and "ya ha pasado" in response.text
    assert "Horario de verano" in response.text
    api = marketer.post(
        "/api/posts",
        headers={"X-CSRF-Token": csrf},
        json={"text": "hola", "channels": ["Outbox"], "scheduled_at": "2020-07-01T09:00:00+02:00"},
    )
    assert api.status_code == 422 and api.json()["detail"].startswith(
        "2020-07-01 09:00 (Europe/Madrid)"
    )


def test_post_detail_and_compose_pages_render(login_as, outbox, new_post):
    marketer, _m, _csrf = login_as(Role.marketing)
    post_id = new_post([outbox], in_seconds=3600, recurrence={"freq": "weekly"})
    for path in (
        f"/posts/{post_id}",
        f"/posts/{post_id}/edit",
        "/posts/new",
        "/posts",
        "/calendar",
    ):
        assert marketer.get(path).status_code == 200, path


def test_an_api_link_refusal_is_in_the_users_language(login_as, outbox):
    marketer, user, csrf = login_as(Role.marketing)
    in_spanish(user)
    response = marketer.post(
        "/api/posts",
        headers={"X-CSRF-Token": csrf},
        json={"text": "Hola", "channels": ["Outbox"], "link": "javascript:alert(1)"},
    )
    assert response.status_code == 422 and "el enlace debe ser" in response.json()["detail"]
