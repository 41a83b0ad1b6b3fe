"""Staff pages for SMS: the inbox of replies, the template preview, and the local phone."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from app.appointments import service as appointments
from app.audit import service as audit
from app.clock import utcnow
from app.contacts.auth import CareStaff
from app.contacts.models import Language, Purpose
from app.contacts.schemas import e164
from app.delivery import uncertain
from app.deps import AdminUser, PathId, SessionDep, StaffUser
from app.errors import InvalidInput, NotFound
from app.i18n import translator
from app.outreach import templates
from app.outreach.models import TemplateKind
from app.settings import get_settings
from app.sms import phone, replies
from app.sms import service as sms
from app.sms.encoding import measure
from app.sms.models import PhoneMessage, SmsKind
from app.sms.webhooks import router as webhooks
from web.templating import render, request_locale

pages = APIRouter(include_in_schema=False)
pages.include_router(webhooks)
api = APIRouter(prefix="/api", tags=["sms"])
SAMPLE = {"nombre": "Carmen", "fecha": "24/11/2026", "hora": "10:30", "profesional": "Dra. Ruiz"}


@pages.get("/sms/inbox", name="sms_inbox")
def sms_inbox(request: Request, db: SessionDep, user: CareStaff):
    waiting = uncertain.items(db, kinds=("sms",), viewer=user)
    context = {"rows": replies.inbox(db), "uncertain_items": waiting, "back": "sms"}
    return render(request, "sms/inbox.html", context)


@pages.post("/sms/inbox/{message_id}/handled", name="sms_handled")
def sms_handled(db: SessionDep, user: CareStaff, message_id: PathId):
    replies.mark_handled(db, message_id=message_id, actor=user, now=utcnow())
    return RedirectResponse("/sms/inbox", status_code=303)


def _sample(text: str, kind: str, lang: str) -> str:
    """The text with sample values, as a patient would get it: a reminder, or a message template
    of `kind` (results_ready, invitation, campaign; promotional ones with their opt-out footer)."""
    if kind in TemplateKind.__members__:
        language = lang if lang in Language.__members__ else get_settings().locale
        return templates.sample(text, TemplateKind(kind), language)
    appointments.check_template(text)
    return text.format(**SAMPLE, centro=get_settings().practice_name)


@pages.post("/sms/preview", name="sms_preview")
async def sms_preview(request: Request, _user: StaffUser):
    """An htmx fragment: characters, encoding and segments of a text as the network counts them."""
    form = await request.form()
    field = str(form.get("field") or "text")
    # Editors with repeated fields (one text per step) say which of them changed.
    values, index = form.getlist(field), str(form.get("index") or "0")
    position = int(index) if index.isdigit() else 0
    text = str(values[position] if position < len(values) else "")
    if len(text) > 2000:
        raise InvalidInput("at most 2,000 characters", field=field)
    try:
        sample = _sample(text, str(form.get("kind") or ""), str(form.get("lang") or ""))
        problem = None
    except InvalidInput as error:
        sample, problem = text, error.message
    return render(
        request, "sms/_preview.html", {"m": measure(sample), "sample": sample, "problem": problem}
    )


@pages.post("/sms/test-send", name="sms_test_send")
def sms_test_send(
    request: Request,
    db: SessionDep,
    user: AdminUser,
    phone: Annotated[str, Form(max_length=40)],
    text: Annotated[str, Form(min_length=1, max_length=1600)],
    kind: Annotated[str, Form(max_length=20)] = "",
    lang: Annotated[str, Form(max_length=5)] = "",
):
    """Queue a template's text to a staff phone: the delivery engine sends it like any SMS."""
    try:
        try:
            number = e164(phone)
        except ValueError as error:
            raise InvalidInput(f"phone: {error}", field="phone") from None
        body = _sample(text, kind, lang or request_locale(request))
    except InvalidInput as error:
        # Shown where the result would be (the plans page swaps this fragment in, 422 or not).
        problem = error.translated(translator(request_locale(request)))
        return render(request, "sms/_test_sent.html", {"problem": problem}, 422)
    message = sms.queue(
        db,
        phone=number,
        contact=None,
        kind=SmsKind.test,
        purpose=Purpose.service,
        language=Language(lang)
        if lang in Language.__members__
        else Language(request_locale(request)),
        body=body,
        now=utcnow(),
    )
    audit.record(db, actor=user, action="sms.test_send", object_type="sms", object_id=message.id)
    return render(request, "sms/_test_sent.html", {"message": message})


@pages.get("/phone", name="phone_list")
def phone_list(request: Request, db: SessionDep, _user: StaffUser):
    return render(request, "sms/phone.html", {"numbers": phone.numbers(db), "messages": None})


def _number_of(db, message_id: int) -> str:
    row = db.get(PhoneMessage, message_id)
    if row is None:
        raise NotFound("no such message")
    return row.number


@pages.get("/phone/{message_id}", name="phone_conversation")
def phone_conversation(request: Request, db: SessionDep, _user: StaffUser, message_id: PathId):
    number = _number_of(db, message_id)
    context = {
        "numbers": phone.numbers(db),
        "messages": phone.conversation(db, number),
        "number": number,
        "message_id": message_id,
    }
    return render(request, "sms/phone.html", context)


@pages.post("/phone/{message_id}/reply", name="phone_reply")
def phone_reply(
    db: SessionDep,
    _user: StaffUser,
    message_id: PathId,
    text: Annotated[str, Form(min_length=1, max_length=1600)],
):
    """Answer as the patient would: carepost receives it like any inbound SMS."""
    number = _number_of(db, message_id)
    row = phone.write_reply(db, number, text)
    replies.handle_inbound(
        db,
        provider="phone",
        provider_sid=f"phone-{row.id}",
        from_phone=number,
        text=text,
        now=utcnow(),
    )
    return RedirectResponse(f"/phone/{message_id}", status_code=303)
