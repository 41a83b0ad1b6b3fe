"""Thread pages: compose with parts, the network-like preview, continuing a published thread."""

import httpx
from sqlmodel import select

from app.accounts.models import Role
from app.database import session_scope
from app.posts import linkcards, threads
from app.posts.thread_models import PartStatus, PostPart
from tests.posts.test_threads import PARTS, fake_x, thread_post, tick  # noqa: F401 - fixture

PAGE = '<html><head><meta property="og:title" content="Campaña de la gripe"></head></html>'


def test_compose_saves_the_parts_and_the_edit_page_shows_them(login_as, x_channel):
    marketer, _user, csrf = login_as(Role.marketing)
    form = {"csrf_token": csrf, "text": "Parte uno", "channels": [str(x_channel.id)]}
    created = marketer.post("/posts", data={**form, "parts": [*PARTS, "  "]})
    assert created.status_code == 303
    post_id = int(created.headers["location"].rsplit("/", 1)[1])
    with session_scope() as db:
        assert [p.text for p in threads.parts_of(db=db, post_id=post_id)] == PARTS
    edit = marketer.get(f"/posts/{post_id}/edit").text
    assert edit.count('name="parts"') == 3 and PARTS[1] in edit  # two parts and the template
    too_long = marketer.post("/posts", data={**form, "parts": ["a" * 281]})
    assert too_long.status_code == 422 and "part 2" in too_long.text


def test_the_preview_shows_an_x_card_per_part_and_the_facebook_page_post(
    login_as, x_channel, fb_channel
):
    def handler(request):
        return httpx.Response(200, text=PAGE, headers={"content-type": "text/html"})

    linkcards.use(
        linkcards.CardFetcher(
            resolver=lambda host, port: ["93.184.215.14"], transport=httpx.MockTransport(handler)
        )
    )
    marketer, _user, csrf = login_as(Role.marketing, locale="es")
    page = marketer.post(
        "/posts/preview",
        headers={"X-CSRF-Token": csrf},
        data={
            "text": "Parte uno",
            "link": "https://clinica.example/gripe",
            "channels": [str(x_channel.id), str(fb_channel.id)],
            "parts": PARTS,
        },
    ).text
    assert page.count('data-testid="tweet"') == 3
    assert page.count('data-testid="preview-facebook"') == 1
    assert page.count("Campaña de la gripe") == 2  # the link card on both networks
    assert 'id="part-count-3" hx-swap-oob="true"' in page and "18 / 280" in page


def test_a_live_part_with_a_claim_is_approved_by_a_clinician_only(
    login_as,
    fake_x,  # noqa: F811 - the imported fixture
    new_post,
    x_channel,
):
    post_id = thread_post(new_post, x_channel)
    tick()
    marketer, _m, m_csrf = login_as(Role.marketing)
    clinician, _c, c_csrf = login_as(Role.clinician, verified=True)
    refused = clinician.post(f"/posts/{post_id}/parts", data={"csrf_token": c_csrf, "text": "x"})
    assert refused.status_code == 403
    added = marketer.post(
        f"/posts/{post_id}/parts",
        data={"csrf_token": m_csrf, "text": "Parte cuatro: alivia el dolor", "health_claim": "on"},
    )
    assert added.status_code == 303
    with session_scope() as db:
        part = db.exec(select(PostPart).where(PostPart.post_id == post_id)).all()[-1]
    assert part.status == PartStatus.awaiting_approval
    review = f"/posts/{post_id}/parts/{part.id}/review"
    assert (
        marketer.post(review, data={"csrf_token": m_csrf, "decision": "approve"}).status_code == 403
    )
    shown = clinician.get(f"/posts/{post_id}").text
    assert 'id="part-4"' in shown and review in shown
    assert (
        clinician.post(review, data={"csrf_token": c_csrf, "decision": "approve"}).status_code
        == 303
    )
    tick()
    assert fake_x.tweets[-1][1:] == ("Parte cuatro: alivia el dolor", fake_x.tweets[2][0])
    again = clinician.post(review, data={"csrf_token": c_csrf, "decision": "approve"})
    assert again.status_code == 409
