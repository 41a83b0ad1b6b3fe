"""The network's pages: a post's text shown once, every comment counted under concurrent writers."""

import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from app.accounts import service as accounts
from app.accounts.models import Role
from app.database import session_scope
from app.network import service as network
from app.network.models import NetworkPostCreate

LONG_TEXT = "A woman in her seventies with resistant hypertension; " * 12 + "what would you add?"


def _case(author, text=LONG_TEXT):
    with session_scope() as db:
        return network.create(
            db=db,
            author=author,
            data=NetworkPostCreate(kind="case", title="Resistant hypertension", text=text),
        )


def test_a_network_post_page_shows_its_whole_text_once(login_as, make_user):
    client, _reader, _csrf = login_as(Role.clinician, verified=True)
    post = _case(make_user(Role.clinician, verified=True))
    page = client.get(f"/network/posts/{post.id}").text
    assert page.count("what would you add?") == 1
    assert page.count("resistant hypertension;") == 12  # the whole text, not a cut preview


def test_the_feed_shows_a_preview_of_a_long_post(login_as):
    client, author, _csrf = login_as(Role.clinician, verified=True)
    _case(author)
    page = client.get("/network").text
    assert page.count("resistant hypertension;") < 12 and "what would you add?" not in page


def test_concurrent_comments_are_all_counted(app, make_user):
    author = make_user(Role.clinician, verified=True)
    commenters = [make_user(Role.clinician, verified=True) for _ in range(4)]
    post = _case(author, text="Short case")
    headers = []
    with session_scope() as db:
        for commenter in commenters:
            headers.append(
                {
                    "Authorization": "Bearer "
                    + accounts.create_token(db=db, user=commenter, name="t")[1]
                }
            )
    start = threading.Barrier(16)

    def comment(i: int):
        if i < 16:
            start.wait(timeout=30)
        return client.post(
            f"/api/network/posts/{post.id}/comments",
            json={"text": f"I would add a diuretic ({i})"},
            headers=headers[i % len(headers)],
        )

    with TestClient(app) as client, ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(comment, range(60)))
        assert [a.status_code for a in answers] == [201] * 60
        shown = client.get(f"/api/network/posts/{post.id}", headers=headers[0]).json()
    assert shown["comment_count"] == 60
