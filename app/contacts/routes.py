"""Contact pages and API: the list, a contact's page with consent history, CSV import, GDPR export."""

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse

from app.appointments import service as appointments
from app.audit import service as audit
from app.clock import utcnow
from app.contacts import export as exporting
from app.contacts import service as contacts
from app.contacts.auth import CareStaff, ContactViewer
from app.contacts.models import CHOOSABLE, LEGAL_BASIS, Contact
from app.contacts.schemas import (
    ConsentCreate,
    ConsentPublic,
    ContactCreate,
    ContactOptIns,
    ContactPublic,
)
from app.deps import AdminUser, PathId, SessionDep, client_ip
from app.followups import service as followups
from app.outreach import templates
from app.outreach.models import TemplateKind
from app.settings import get_settings
from app.sms import service as sms
from web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["contacts"])
MAX_UPLOAD = 5 * 1024 * 1024


def _views(db, user, items: list[Contact]) -> list[ContactPublic | ContactOptIns]:
    """Each contact as this user may see it."""
    if contacts.sees_care_details(user):
        return [ContactPublic.model_validate(c, from_attributes=True) for c in items]
    chosen = contacts.opt_ins(db=db, contact_ids=[c.id for c in items])
    return [ContactOptIns(id=c.id, name=c.name, opt_ins=chosen[c.id]) for c in items]


@pages.get("/contacts", name="contact_list")
def contact_list(request: Request, db: SessionDep, user: ContactViewer, tag: str = ""):
    items = contacts.list_contacts(db=db, tag=tag.strip().lower() or None)
    return render(
        request,
        "contacts/list.html",
        {"contacts": _views(db, user, items), "care": contacts.sees_care_details(user), "tag": tag},
    )


@pages.get("/contacts/{contact_id}", name="contact_detail")
def contact_detail(request: Request, db: SessionDep, user: ContactViewer, contact_id: PathId):
    contact = contacts.get(db=db, contact_id=contact_id)
    context = {"contact": _views(db, user, [contact])[0], "care": contacts.sees_care_details(user)}
    if context["care"]:
        audit.record(
            db, actor=user, action="contact.view", object_type="contact", object_id=contact.id
        )
        context |= {
            "history": contacts.history(db=db, contact_id=contact.id),
            "status": contacts.purposes_status(db=db, contact=contact, now=utcnow()),
            "appointments": appointments.for_contact(db=db, contact_id=contact.id),
            "messages": sms.for_contact(db, contact.id),
            "purposes": CHOOSABLE,
            "basis": LEGAL_BASIS,
            "results_templates": templates.approved(db=db, kind=TemplateKind.results_ready),
            "enrolments": followups.enrolments(db, contact_id=contact.id),
            "sequences": followups.approved(db),
            "today": utcnow().astimezone(get_settings().zone).date().isoformat(),
        }
    return render(request, "contacts/detail.html", context)


@pages.post("/contacts/{contact_id}/consent", name="contact_consent")
async def contact_consent(request: Request, db: SessionDep, user: CareStaff, contact_id: PathId):
    contact = contacts.get(db=db, contact_id=contact_id)
    form = await request.form()
    data = ConsentCreate.model_validate(
        {k: form.get(k) for k in ConsentCreate.model_fields if form.get(k)}
    )
    contacts.record_consent(db=db, contact=contact, data=data, staff=user, ip=client_ip(request))
    return RedirectResponse(f"/contacts/{contact.id}#consent", status_code=303)


@pages.get("/contacts-import", name="contact_import_form")
def contact_import_form(request: Request, _user: AdminUser):
    return render(request, "contacts/import.html", {"columns": contacts.CSV_COLUMNS})


@pages.post("/contacts-import", name="contact_import")
async def contact_import(request: Request, db: SessionDep, user: AdminUser, file: UploadFile):
    raw = await file.read(MAX_UPLOAD + 1)
    try:
        result = contacts.import_csv(db=db, content=raw.decode("utf-8"), actor=user)
    except UnicodeDecodeError:
        result = contacts.ImportResult(errors=["the file is not UTF-8 text"])
    status = 422 if result.errors else 200
    return render(
        request, "contacts/import.html", {"columns": contacts.CSV_COLUMNS, "result": result}, status
    )


@api.get("/contacts", response_model=list[ContactPublic] | list[ContactOptIns])
def api_contacts(db: SessionDep, user: ContactViewer, tag: str = "", before_id: int | None = None):
    items = contacts.list_contacts(db=db, tag=tag.strip().lower() or None, before_id=before_id)
    return _views(db, user, items)


@api.post("/contacts", response_model=ContactPublic, status_code=201)
def api_create_contact(db: SessionDep, user: CareStaff, data: ContactCreate):
    return contacts.create(db=db, data=data, actor=user)


@api.get("/contacts/{contact_id}/consent", response_model=list[ConsentPublic])
def api_consent(db: SessionDep, _user: CareStaff, contact_id: PathId):
    contacts.get(db=db, contact_id=contact_id)
    return contacts.history(db=db, contact_id=contact_id)


@api.get("/contacts/{contact_id}/export")
def api_export(db: SessionDep, user: AdminUser, contact_id: PathId):
    body = exporting.export(db=db, contact_id=contact_id)
    audit.record(
        db, actor=user, action="contact.export", object_type="contact", object_id=contact_id
    )
    return JSONResponse(
        body, headers={"Content-Disposition": f'attachment; filename="contact-{contact_id}.json"'}
    )
