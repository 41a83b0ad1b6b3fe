"""Profiles and the directory, "useful" and polls, anonymous cases, direct messages."""

import pytest
from sqlmodel import select

from app.accounts.models import Role
from app.database import session_scope
from app.errors import InvalidInput, NotFound
from app.network import cases, people
from app.network import messages as dm
from app.network import service as network
from app.network.models import NetworkPostCreate, ProfileIn
from app.notifications.models import Notification
from app.review.models import ContentStatus, Reviewable

PHI = "Mr John Smith, NHS 943 476 5919, DOB 12/03/1961: would you start a beta-blocker?"


def _case(author, **extra):
    with session_scope() as db:
        data = NetworkPostCreate(kind="case", title="Síncope de esfuerzo", text="¿Ideas?", **extra)
        return network.create(db=db, author=author, data=data)


def test_the_directory_finds_verified_colleagues_by_specialty_and_name(make_user):
    me = make_user(Role.clinician, verified=True)
    ana = make_user(Role.clinician, verified=True, display_name="Ana Cardio Ruiz")
    make_user(Role.clinician, verified=True, display_name="Ana Derma Gil")
    make_user(Role.clinician, verified=False, display_name="Ana Unverified")
    with session_scope() as db:
        people.save_profile(
            db=db,
            viewer=ana,
            data=ProfileIn(specialty="cardiology", centre="CS Getafe", bio="Arritmias"),
        )
        found = people.directory(db=db, viewer=me, specialty="cardiology", q="ana")
        assert [(c.display_name, c.centre) for c in found] == [("Ana Cardio Ruiz", "CS Getafe")]
        assert [c.display_name for c in people.directory(db=db, viewer=me, q="ana")] == [
            "Ana Cardio Ruiz",
            "Ana Derma Gil",
        ]
        with pytest.raises(InvalidInput):
            people.directory(db=db, viewer=me, specialty="astrology")
    with pytest.raises(ValueError):
        ProfileIn(specialty="astrology")


def test_profiles_are_edited_by_their_clinician_and_refused_to_other_roles(login_as):
    client, me, csrf = login_as(Role.clinician, verified=True)
    headers = {"X-CSRF-Token": csrf}
    saved = client.post(
        "/api/network/profile", json={"specialty": "paediatrics", "centre": "HU"}, headers=headers
    )
    assert saved.status_code == 200 and saved.json()["specialty_label"] == "Paediatrics"
    bad = client.post("/api/network/profile", json={"specialty": "x"}, headers=headers)
    assert bad.status_code == 422
    page = client.post(
        "/network/profile", data={"csrf_token": csrf, "specialty": "nursing", "bio": "Heridas"}
    )
    assert page.status_code == 303
    assert "Heridas" in client.get(f"/network/people/{me.id}").text
    for role, verified in ((Role.clinician, False), (Role.admin, False), (Role.patient, False)):
        other, _user, token = login_as(role, verified=verified)
        for answer in (
            other.get("/api/network/people"),
            other.get(f"/api/network/people/{me.id}"),
            other.post("/api/network/profile", json={}, headers={"X-CSRF-Token": token}),
        ):
            assert answer.status_code == 404


def test_an_anonymous_case_names_its_author_to_administrators_only(login_as, make_user):
    author = make_user(Role.clinician, verified=True, display_name="Dra Secreta Autora")
    reader, reader_user, csrf = login_as(Role.clinician, verified=True)
    admin, _admin_user, _token = login_as(Role.admin)
    with session_scope() as db:
        network.follow(db=db, viewer=reader_user, user_id=author.id)
    post = _case(author, anonymous=True)
    later = _case(make_user(Role.clinician, verified=True))
    with session_scope() as db:  # not first as "by someone you follow": that would name them
        assert [p.id for p in network.feed(db=db, viewer=reader_user)[0]] == [later.id, post.id]
    answers = [
        reader.get(f"/api/network/posts/{post.id}"),
        reader.get("/api/network/posts"),
        reader.get("/api/network/posts?q=síncope"),
        reader.get(f"/network/posts/{post.id}"),
        reader.get("/network"),
    ]
    reader.post(f"/network/posts/{post.id}/comments", data={"csrf_token": csrf, "text": "ECG?"})
    answers.append(reader.get("/api/notifications"))
    for answer in answers:
        assert answer.status_code == 200
        assert "Secreta" not in answer.text and author.username not in answer.text
    shown = reader.get(f"/api/network/posts/{post.id}").json()
    assert (shown["author"], shown["author_id"], shown["anonymous"]) == (None, None, True)
    assert "Anonymous clinician" in answers[3].text
    listed = admin.get("/api/admin/network/anonymous").json()
    assert {(c["id"], c["author"]) for c in listed} >= {(post.id, "Dra Secreta Autora")}
    assert "Dra Secreta Autora" in admin.get("/admin/network/anonymous").text
    with session_scope() as db:
        assert cases.public(db, [post], author)[0].author == "Dra Secreta Autora"
        told = db.exec(select(Notification).where(Notification.user_id == author.id)).all()
        assert [n.link for n in told] == [f"/network/posts/{post.id}"]


def test_a_held_anonymous_case_is_anonymous_in_the_review_queue_too(login_as, make_user):
    author = make_user(Role.clinician, verified=True, display_name="Dra Secreta Autora")
    reviewer, _user, _csrf = login_as(Role.clinician, verified=True)
    post = _case(author, anonymous=True, poll=None)
    with session_scope() as db:
        network.update(
            db=db,
            viewer=author,
            post_id=post.id,
            data=NetworkPostCreate(kind="case", title="Síncope", text=PHI),
        )
    queue = reviewer.get("/api/review").json()
    mine = [i for i in queue if i["kind"] == "network_post" and i["target_id"] == post.id]
    assert mine and mine[0]["context"]["author"] == "Anonymous clinician"
    item_page = reviewer.get(f"/review/{mine[0]['id']}").text
    assert "Secreta" not in item_page


def test_useful_toggles_and_a_poll_takes_one_vote_per_clinician(make_user):
    author, a, b = (make_user(Role.clinician, verified=True) for _ in range(3))
    post = _case(author, poll=["Beta-blocker", "Holter first", "Refer"])
    with session_scope() as db:
        assert cases.toggle_useful(db=db, viewer=a, post_id=post.id) is True
        assert cases.toggle_useful(db=db, viewer=b, post_id=post.id) is True
        assert cases.toggle_useful(db=db, viewer=b, post_id=post.id) is False
        before = cases.public(db, [post], a)[0]
        assert before.useful_count == 1 and before.useful_mine
        assert [o.votes for o in before.poll.options] == [None, None, None]
        first, second = before.poll.options[0].id, before.poll.options[1].id
        assert cases.vote(db=db, viewer=a, post_id=post.id, option_id=first) is True
        assert cases.vote(db=db, viewer=a, post_id=post.id, option_id=second) is False
        assert cases.vote(db=db, viewer=b, post_id=post.id, option_id=second) is True
        after = cases.public(db, [post], a)[0].poll
        assert [o.votes for o in after.options] == [1, 1, 0]
        assert (after.voted_option_id, after.total_votes) == (first, 2)
        with pytest.raises(InvalidInput):
            cases.vote(db=db, viewer=b, post_id=post.id, option_id=first + 100)
    for options in (["only one"], ["a", "b", "c", "d", "e", "f"], ["same", "same"]):
        with pytest.raises(ValueError):
            NetworkPostCreate(kind="case", title="Poll", text="?", poll=options)


def test_a_vote_over_the_api_answers_the_results(login_as, make_user):
    post = _case(make_user(Role.clinician, verified=True), poll=["Sí", "No"])
    client, _me, csrf = login_as(Role.clinician, verified=True)
    options = client.get(f"/api/network/posts/{post.id}").json()["poll"]["options"]
    headers = {"X-CSRF-Token": csrf}
    answer = client.post(
        f"/api/network/posts/{post.id}/vote", json={"option_id": options[1]["id"]}, headers=headers
    )
    assert answer.status_code == 200 and answer.json()["poll"]["total_votes"] == 1
    again = client.post(
        f"/api/network/posts/{post.id}/vote", json={"option_id": options[0]["id"]}, headers=headers
    )
    assert [o["votes"] for o in again.json()["poll"]["options"]] == [0, 1]
    assert (
        client.post(
            f"/api/network/posts/{post.id}/vote", json={"option_id": "x"}, headers=headers
        ).status_code
        == 422
    )


def test_a_message_is_delivered_and_one_with_health_data_is_held(make_user):
    sender = make_user(Role.clinician, verified=True, display_name="Dr Emisor")
    recipient = make_user(Role.clinician, verified=True)
    with session_scope() as db:
        sent = dm.send(db=db, sender=sender, recipient_id=recipient.id, text="¿Comentamos el caso?")
        held = dm.send(db=db, sender=sender, recipient_id=recipient.id, text=PHI)
        assert sent.status == ContentStatus.visible
        assert held.status == ContentStatus.held and "not delivered" in held.notice
        assert dm.thread(db=db, viewer=recipient, user_id=sender.id)[1] == [sent]
        assert dm.thread(db=db, viewer=sender, user_id=recipient.id)[1] == [sent, held]
        [conversation] = dm.inbox(db=db, viewer=recipient)
        assert (conversation.with_name, conversation.last_text) == ("Dr Emisor", sent.text)
        told = db.exec(select(Notification).where(Notification.user_id == recipient.id)).all()
        assert len(told) == 1
        item = db.exec(
            select(Reviewable).where(
                Reviewable.kind == "direct_message", Reviewable.target_id == held.id
            )
        ).one()
        assert "phi" in item.flags


def test_only_verified_clinicians_send_and_read_messages(login_as, make_user):
    colleague = make_user(Role.clinician, verified=True)
    unverified = make_user(Role.clinician, verified=False)
    client, me, csrf = login_as(Role.clinician, verified=True)
    headers = {"X-CSRF-Token": csrf}
    ok = client.post(f"/api/messages/{colleague.id}", json={"text": "Hola"}, headers=headers)
    assert ok.status_code == 201 and ok.json()["status"] == "visible"
    page = client.post(f"/messages/{colleague.id}", data={"csrf_token": csrf, "text": PHI})
    assert page.status_code == 303
    assert "not delivered" in client.get(page.headers["location"]).text
    for target in (unverified.id, me.id, 2**31 - 1):
        answer = client.post(f"/api/messages/{target}", json={"text": "Hola"}, headers=headers)
        assert answer.status_code == 404
    for role, verified in ((Role.clinician, False), (Role.admin, False), (Role.marketing, False)):
        other, _user, token = login_as(role, verified=verified)
        assert other.get("/messages").status_code == 404
        assert other.get(f"/api/messages/{me.id}").status_code == 404
        sent = other.post(
            f"/api/messages/{me.id}", json={"text": "x"}, headers={"X-CSRF-Token": token}
        )
        assert sent.status_code == 404
    with session_scope() as db, pytest.raises(NotFound):
        dm.inbox(db=db, viewer=unverified)
