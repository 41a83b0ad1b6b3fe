"""A post's link is an absolute http(s) URL with a host wherever it enters, and only such links are rendered."""

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.database import session_scope
from app.posts.models import Post

BAD_LINKS = [
    "javascript:alert(1)",
    " JavaScript:alert(1)",
    "data:text/html,x",
    "https://",
    "//evil.example",
]


@pytest.mark.parametrize("link", BAD_LINKS)
def test_the_compose_form_refuses_a_link_that_is_not_a_web_address(login_as, outbox, link):
    marketer, _m, csrf = login_as(Role.marketing)
    response = marketer.post(
        "/posts",
        data={
            "csrf_token": csrf,
            "text": "Nuevo horario",
            "channels": [str(outbox.id)],
            "link": link,
        },
    )
    assert response.status_code == 422 and 'data-testid="form-error"' in response.text
    assert "Nuevo horario" in response.text  # the input is kept
    with session_scope() as db:
        assert db.exec(select(Post)).first() is None


def test_csv_import_and_api_refuse_a_javascript_link(login_as, outbox):
    marketer, _m, csrf = login_as(Role.marketing)
    body = "date,time,channels,text,link\n2030-01-07,09:00,Outbox,Hola,javascript:alert(1)\n"
    response = marketer.post(
        "/posts-import",
        data={"csrf_token": csrf},
        files={"file": ("mes.csv", body.encode(), "text/csv")},
    )
    assert response.status_code == 422 and "row 2: link" in response.text
    api = marketer.post(
        "/api/posts",
        headers={"X-CSRF-Token": csrf},
        json={"text": "Hola", "channels": ["Outbox"], "link": "javascript:alert(1)"},
    )
    assert api.status_code == 422
    assert marketer.get("/api/posts").json() == []


def test_a_stored_link_that_is_not_http_is_never_rendered_as_a_link(login_as, outbox, new_post):
    marketer, _m, _csrf = login_as(Role.marketing)
    post_id = new_post([outbox], in_seconds=None)
    with session_scope() as db:
        db.get(Post, post_id).link = "javascript:alert(1)"
    page = marketer.get(f"/posts/{post_id}").text
    assert 'href="javascript:' not in page.lower()


def test_a_web_link_is_kept_and_rendered(login_as, outbox):
    marketer, _m, csrf = login_as(Role.marketing)
    response = marketer.post(
        "/api/posts",
        headers={"X-CSRF-Token": csrf},
        json={"text": "Hola", "channels": ["Outbox"], "link": "https://example.org/horario"},
    )
    assert response.status_code == 201
    page = marketer.get(f"/posts/{response.json()['id']}").text
    assert 'href="https://example.org/horario"' in page
