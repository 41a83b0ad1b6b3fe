"""Moderated Q&A: a question waits for a clinician, the answer names them, the library finds it."""

from sqlmodel import select

from app.accounts.models import Role
from app.database import session_scope
from app.notifications.models import Notification
from app.questions import service as questions
from app.questions.models import QuestionCreate


def test_ask_answer_and_find_in_the_library(app, login_as, make_user):
    patient_client, patient, patient_csrf = login_as(Role.patient)
    doctor_client, doctor, doctor_csrf = login_as(
        Role.clinician, verified=True, specialty="Pediatría"
    )
    other_client, _other, _csrf = login_as(Role.patient)
    asked = patient_client.post(
        "/api/questions",
        json={"title": "¿Ayunas para la analítica?", "text": "¿Tengo que ir en ayunas?"},
        headers={"X-CSRF-Token": patient_csrf},
    )
    assert asked.status_code == 201, asked.text
    question_id = asked.json()["id"]
    assert other_client.get(f"/api/questions/{question_id}").status_code == 404
    answered = doctor_client.post(
        f"/api/questions/{question_id}/answers",
        json={"text": "Sí, 8 horas sin comer; agua sí."},
        headers={"X-CSRF-Token": doctor_csrf},
    )
    assert answered.status_code == 201 and answered.json()["specialty"] == "Pediatría"
    shown = other_client.get(f"/api/questions/{question_id}").json()
    assert shown["answers"][0]["clinician"] == doctor.display_name
    library = other_client.get("/api/questions", params={"q": "ayunas"}).json()["items"]
    assert [q["id"] for q in library] == [question_id]
    with session_scope() as db:
        told = db.exec(select(Notification).where(Notification.user_id == patient.id)).all()
        assert [n.link for n in told] == [f"/questions/{question_id}"]  # once, not twice
        assert [q.id for q in questions.similar(db=db, text="analítica en ayunas")] == [question_id]


def test_a_bad_question_names_the_field(login_as):
    client, _user, csrf = login_as(Role.patient)
    response = client.post(
        "/api/questions", json={"title": "", "text": "x"}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 422 and "title" in response.json()["detail"]


def test_staff_cannot_ask(db, make_user):
    import pytest

    from app.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        questions.ask(
            db=db,
            asker=make_user(Role.marketing),
            data=QuestionCreate(title="Hello there", text="x"),
        )


def test_a_question_answered_from_the_review_queue_notifies_its_asker_once(make_user):
    from app.review import service as review

    patient = make_user(Role.patient)
    doctor = make_user(Role.clinician, verified=True)
    with session_scope() as db:
        question = questions.ask(
            db=db, asker=patient, data=QuestionCreate(title="Vacuna gripe", text="¿Cuándo?")
        )
    with session_scope() as db:
        item = review.item_for(db, "question", question.id)
        review.decide(
            db,
            item_id=item.id,
            action="answer",
            actor=doctor,
            version=item.version,
            text="En octubre.",
        )
    with session_scope() as db:
        told = db.exec(select(Notification).where(Notification.user_id == patient.id)).all()
        shown = questions.public(db, questions.get(db=db, viewer=patient, question_id=question.id))
    assert [n.link for n in told] == [f"/questions/{question.id}"]
    assert [a.text for a in shown.answers] == ["En octubre."]
