"""Message templates: health data and misinformation refused when saved, a clinician approves each
version, an edit sends an approved template back to draft; admins write, clinicians approve."""

import pytest

from app.accounts.models import Role
from app.database import session_scope
from app.errors import Conflict, InvalidInput, PermissionDenied
from app.outreach import templates
from app.outreach.models import TemplateKind, TemplateStatus
from app.sms.encoding import measure
from tests.messaging import NOW
from tests.outreach.conftest import TEXTS, template_of


def save(admin, text_es: str, text_en: str = "Your results are ready.", **extra):
    with session_scope() as db:
        return templates.save(
            db=db,
            actor=admin,
            kind=extra.pop("kind", TemplateKind.results_ready),
            name="Resultados",
            text_es=text_es,
            text_en=text_en,
            now=NOW,
            **extra,
        ).id


def test_a_template_with_health_data_is_refused_with_a_reason(staff):
    admin, _clinician = staff
    with pytest.raises(InvalidInput) as refused:
        save(admin, "Carmen, DNI 12345678Z: su VIH ha salido positivo.")
    assert refused.value.field == "text_es"
    assert "health data" in str(refused.value.message)


def test_a_template_with_an_unknown_placeholder_is_refused(staff):
    admin, _clinician = staff
    with pytest.raises(InvalidInput, match=r"\{diagnostico\}"):
        save(admin, "{nombre}: {diagnostico}")


def test_a_clinician_approves_the_version_they_read_and_an_edit_sends_it_back(staff):
    admin, clinician = staff
    template_id = save(admin, TEXTS[TemplateKind.results_ready][0])
    assert template_of(template_id).status == TemplateStatus.draft
    with session_scope() as db, pytest.raises(PermissionDenied):
        templates.approve(
            db=db,
            template=templates.get(db=db, template_id=template_id),
            clinician=admin,
            version=1,
            now=NOW,
        )
    with session_scope() as db:
        templates.approve(
            db=db,
            template=templates.get(db=db, template_id=template_id),
            clinician=clinician,
            version=1,
            now=NOW,
        )
    assert template_of(template_id).status == TemplateStatus.approved
    save(admin, "{nombre}, ya tiene sus resultados en recepcion.", template_id=template_id)
    edited = template_of(template_id)
    assert (edited.status, edited.version, edited.approved_by) == (TemplateStatus.draft, 2, None)
    with session_scope() as db, pytest.raises(Conflict):
        templates.approve(db=db, template=edited, clinician=clinician, version=1, now=NOW)


def test_promotional_texts_end_with_the_practice_and_a_gsm7_opt_out(messaging):
    for language, word in (("es", "BAJA"), ("en", "STOP")):
        text = templates.sample(TEXTS[TemplateKind.campaign][0], TemplateKind.campaign, language)
        assert text.endswith(templates.footer(language)) and word in text
        assert "Carepost" in templates.footer(language)
        assert measure(text).encoding == "GSM-7"


def test_admins_write_templates_and_clinicians_approve_them(staff, login_as):
    admin_client, _a, admin_csrf = login_as(Role.admin)
    marketing, _m, marketing_csrf = login_as(Role.marketing)
    clinician, _c, clinician_csrf = login_as(Role.clinician, verified=True)
    form = {
        "kind": "results_ready",
        "name": "Resultados",
        "text_es": TEXTS[TemplateKind.results_ready][0],
        "text_en": TEXTS[TemplateKind.results_ready][1],
    }
    refused = marketing.post("/message-templates", data=form | {"csrf_token": marketing_csrf})
    assert refused.status_code == 403
    created = admin_client.post("/message-templates", data=form | {"csrf_token": admin_csrf})
    assert created.status_code == 303
    url = created.headers["location"]
    approve = {"version": "1"}
    assert (
        admin_client.post(f"{url}/approve", data=approve | {"csrf_token": admin_csrf}).status_code
        == 403
    )
    assert (
        clinician.post(f"{url}/approve", data=approve | {"csrf_token": clinician_csrf}).status_code
        == 303
    )
    page = marketing.get(url)
    assert page.status_code == 200 and 'data-testid="template-status"' in page.text
    assert template_of(int(url.rsplit("/", 1)[1])).status == TemplateStatus.approved


def test_the_preview_counts_a_campaign_with_its_footer(staff, login_as):
    client, _u, csrf = login_as(Role.marketing)
    text = TEXTS[TemplateKind.campaign][0]
    shown = client.post(
        "/sms/preview",
        data={"field": "text_es", "text_es": text, "kind": "campaign", "lang": "es"},
        headers={"X-CSRF-Token": csrf},
    )
    assert shown.status_code == 200
    full = templates.sample(text, TemplateKind.campaign, "es")
    assert f'data-segments="{measure(full).segments}"' in shown.text and "BAJA" in shown.text
