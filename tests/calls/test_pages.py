"""The call pages: the survey builder, the browser phone answering through the signed webhooks,
results counted per question by language and tag, and the CSV export."""

import csv
import io
import re

from sqlmodel import select

from app.accounts.models import Role
from app.calls.models import CallAnswer, LocalCall, Survey, SurveyQuestion
from app.database import session_scope
from scheduler.dispatcher import tick


def local_call(number: str) -> int:
    with session_scope() as db:
        return db.exec(select(LocalCall.id).where(LocalCall.number == number)).one()


def test_a_marketer_builds_a_survey_with_questions_in_order(calling, login_as):
    client, _user, csrf = login_as(Role.marketing)
    created = client.post(
        "/calls/surveys",
        data={
            "csrf_token": csrf,
            "name": "Tras la visita",
            "intro_es": "Hola, le llama su centro de salud.",
            "intro_en": "Hello, this is your clinic.",
            "closing_es": "Gracias.",
            "closing_en": "Thank you.",
        },
    )
    assert created.status_code == 303
    page = created.headers["location"]
    for kind, es, en in [
        ("yes_no", "¿Le atendieron a tiempo?", "Were you seen on time?"),
        ("scale", "¿Cómo valora la atención?", "How do you rate the care?"),
    ]:
        added = client.post(
            f"{page}/questions",
            data={"csrf_token": csrf, "kind": kind, "text_es": es, "text_en": en},
        )
        assert added.status_code == 303
    with session_scope() as db:
        survey = db.exec(select(Survey)).one()
        second = db.exec(select(SurveyQuestion).where(SurveyQuestion.position == 2)).one()
    moved = client.post(f"/calls/questions/{second.id}/up", data={"csrf_token": csrf})
    assert moved.status_code == 303
    with session_scope() as db:
        order = db.exec(
            select(SurveyQuestion.text_en)
            .where(SurveyQuestion.survey_id == survey.id)
            .order_by(SurveyQuestion.position)
        ).all()
    assert order == ["How do you rate the care?", "Were you seen on time?"]
    shown = client.get(page).text
    assert shown.index("¿Cómo valora la atención?") < shown.index("¿Le atendieron a tiempo?")


def test_a_flagged_question_is_refused_with_a_message(calling, login_as, survey_campaign):
    client, _user, csrf = login_as(Role.marketing)
    response = client.post(
        f"/calls/surveys/{survey_campaign['survey_id']}/questions",
        data={
            "csrf_token": csrf,
            "kind": "yes_no",
            "text_es": "María López, DNI 12345678Z: su prueba de VIH ha dado positivo.",
            "text_en": "Do you exercise?",
        },
    )
    assert response.status_code == 422
    assert "health data" in response.text


def test_the_browser_phone_answers_and_the_results_count_the_keys(
    survey_campaign, login_as, make_user
):
    marketer, _user, csrf = login_as(Role.marketing)
    tick()
    carmen = local_call("+34600000001")
    page = marketer.get(f"/calls/phone/{carmen}")
    assert page.status_code == 200 and "ringing" in page.text
    assert (
        marketer.post(f"/calls/phone/{carmen}/answer", data={"csrf_token": csrf}).status_code == 303
    )
    page = marketer.get(f"/calls/phone/{carmen}").text
    assert "¿Cómo valora la atención?" in page and 'data-testid="keypad"' in page
    marketer.post(f"/calls/phone/{carmen}/press", data={"csrf_token": csrf, "digit": "5"})
    marketer.post(f"/calls/phone/{carmen}/press", data={"csrf_token": csrf, "digit": "1"})
    page = marketer.get(f"/calls/phone/{carmen}").text
    assert "Gracias por responder." in page and 'data-testid="keypad"' not in page

    john = local_call("+34600000002")
    marketer.post(f"/calls/phone/{john}/answer", data={"csrf_token": csrf})
    marketer.post(f"/calls/phone/{john}/press", data={"csrf_token": csrf, "digit": "3"})
    marketer.post(f"/calls/phone/{john}/end", data={"csrf_token": csrf})  # hangs up mid-survey
    with session_scope() as db:
        assert len(list(db.exec(select(CallAnswer)))) == 3

    clinician, _c, _t = login_as(Role.clinician, verified=True)
    results = f"/calls/surveys/{survey_campaign['survey_id']}/results"
    page = clinician.get(results).text
    counts = dict(re.findall(r'data-key="(\d)" data-count="(\d+)"', page.split("data-position")[1]))
    assert counts["5"] == "1" and counts["3"] == "1" and counts["1"] == "0"
    assert "<svg" in page
    english = clinician.get(results, params={"language": "en"}).text
    first = dict(
        re.findall(r'data-key="(\d)" data-count="(\d+)"', english.split("data-position")[1])
    )
    assert first["3"] == "1" and first["5"] == "0"
    tagged = clinician.get(results, params={"tag": "expats"}).text
    assert 'data-key="3" data-count="1"' in tagged and 'data-key="5" data-count="1"' not in tagged

    exported = clinician.get(f"{results}.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert sorted((r["language"], r["question"], r["key"]) for r in rows) == [
        ("en", "1", "3"),
        ("es", "1", "5"),
        ("es", "2", "1"),
    ]
    assert all("+346" not in value for row in rows for value in row.values())


def test_patients_see_no_call_pages(calling, login_as):
    patient, _user, _csrf = login_as(Role.patient)
    assert patient.get("/calls").status_code == 403
