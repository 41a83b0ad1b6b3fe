"""The reviewer's desk: claims, emergencies past their target time, masked identifiers."""

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts.models import Role, User
from app.database import session_scope
from app.network import service as network
from app.network.models import NetworkPostCreate
from app.notifications.models import Notification
from app.questions import service as questions
from app.questions.models import QuestionCreate
from app.review import desk
from app.review import service as review
from app.review.models import Reviewable, ReviewStatus
from tests.conftest import login

CASE = (
    "Paciente Maria Lopez Garcia, DNI 12345678Z, nacida el 03/04/1961, tel 600 111 222: "
    "dolor torácico atípico, ¿opiniones?"
)
IDENTIFIERS = ("Maria", "Lopez", "12345678Z", "03/04/1961", "600 111 222")
EMERGENCY = "My dad has crushing chest pain right now and can't breathe, what do I do"


def test_masking_hides_names_numbers_and_dates_but_keeps_the_clinical_text():
    shown = desk.mask(CASE)
    assert not [part for part in IDENTIFIERS if part in shown]
    assert "dolor torácico atípico" in shown and desk.MASK in shown


def held_case(author: User) -> int:
    with session_scope() as db:
        post = network.create(
            db=db,
            author=db.get(User, author.id),
            data=NetworkPostCreate(kind="case", title="Dolor torácico", text=CASE),
        )
        item = review.item_for(db, "network_post", post.id)
        assert item is not None and item.status in (ReviewStatus.pending, ReviewStatus.escalated)
        return item.id


def test_a_held_case_is_masked_for_a_second_clinician_until_a_decision(login_as):
    author_client, author, _token = login_as(Role.clinician, verified=True)
    other_client, other, other_token = login_as(Role.clinician, verified=True)
    item_id = held_case(author)
    assert "12345678Z" in author_client.get(f"/review/{item_id}").text
    page = other_client.get(f"/review/{item_id}").text
    assert not [part for part in IDENTIFIERS if part in page] and desk.MASK in page
    # The reasons name the n-grams that weighed: those are masked too.
    assert not re.search(r"maria|lopez|12345678z", page, re.I)
    assert "Maria" not in other_client.get("/review").text
    with session_scope() as db:
        item = db.get(Reviewable, item_id)
        review.decide(
            db,
            item_id=item_id,
            action="approve",
            actor=db.get(User, other.id),
            version=item.version,
        )
    assert "12345678Z" in other_client.get(f"/review/{item_id}").text


def test_a_claimed_item_shows_as_taken_and_only_its_holder_decides(login_as, monkeypatch):
    first_client, first, first_token = login_as(Role.clinician, verified=True)
    second_client, _second, second_token = login_as(Role.clinician, verified=True)
    item_id = held_case(first)
    response = first_client.post(f"/review/{item_id}/claim", data={"csrf_token": first_token})
    assert response.status_code == 303
    row = re.search(rf'<tr data-item="{item_id}".*?</tr>', second_client.get("/review").text, re.S)
    assert f"taken by {first.display_name}" in row.group(0)
    assert (
        second_client.post(
            f"/review/{item_id}/claim", data={"csrf_token": second_token}
        ).status_code
        == 409
    )
    with session_scope() as db:
        version = db.get(Reviewable, item_id).version
    decision = {"action": "approve", "version": version, "csrf_token": second_token}
    assert second_client.post(f"/review/{item_id}", data=decision).status_code == 409
    # A claim that has run out no longer holds anyone back.
    with session_scope() as db:
        item = db.get(Reviewable, item_id)
        item.claimed_at -= timedelta(minutes=16)
        db.add(item)
    assert second_client.post(f"/review/{item_id}", data=decision).status_code == 303


def test_an_emergency_past_its_target_is_escalated_and_admins_told_once(make_user):
    patient = make_user(Role.patient)
    admin = make_user(Role.admin)
    with session_scope() as db:
        question = questions.ask(
            db=db,
            asker=db.get(User, patient.id),
            data=QuestionCreate(title="Ayuda", text=EMERGENCY),
        )
        item = review.item_for(db, "question", question.id)
        assert desk.is_emergency(item)
        assert desk.escalate_overdue_emergencies(db) == 0
        item.created_at -= timedelta(minutes=16)
        db.add(item)
    with session_scope() as db:
        assert desk.escalate_overdue_emergencies(db) == 1
    with session_scope() as db:
        assert desk.escalate_overdue_emergencies(db) == 0
        item = db.exec(select(Reviewable).where(Reviewable.target_id == question.id)).one()
        assert item.status == ReviewStatus.escalated and item.overdue_at is not None
        told = db.exec(select(Notification).where(Notification.user_id == admin.id)).all()
        assert len([n for n in told if n.kind == "emergency"]) == 1


def test_the_queue_shows_how_long_an_emergency_has_waited(app, make_user):
    patient = make_user(Role.patient)
    clinician = make_user(Role.clinician, verified=True)
    with session_scope() as db:
        question = questions.ask(
            db=db,
            asker=db.get(User, patient.id),
            data=QuestionCreate(title="Ayuda", text=EMERGENCY),
        )
        item = review.item_for(db, "question", question.id)
        item.created_at -= timedelta(minutes=20)
        db.add(item)
    with TestClient(app, follow_redirects=False) as client:
        login(client, clinician.username)
        page = client.get("/review").text
    assert "waiting 20 min" in page and 'data-testid="key-hints"' in page
