"""Staff pages for e-mail newsletters: list, editor with previews, approval, test send, sending,
results, the settings with the DNS records to publish, and the local mailbox of the demo."""

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from app.clock import utcnow
from app.contacts.auth import ContactViewer
from app.deps import AdminUser, MarketingUser, PathId, SessionDep, StaffUser
from app.errors import InvalidInput, NotFound
from app.newsletters import config, mailbox, results, tokens
from app.newsletters import render as mail_render
from app.newsletters import service as newsletters
from app.newsletters.models import MailboxMessage
from app.newsletters.public import pages as public_pages
from app.newsletters.schemas import EmailSettingsIn, NewsletterIn
from app.settings import get_settings
from web.flash import flash
from web.forms import validation_message
from web.templating import render

pages = APIRouter(include_in_schema=False)
pages.include_router(public_pages)
api = APIRouter(prefix="/api", tags=["newsletters"])
SAMPLE_NAME = "Carmen"


def _form(model, form) -> object:
    try:
        return model(**form)
    except ValidationError as error:
        raise InvalidInput(validation_message(error)) from None


def _preview(db, newsletter) -> str:
    practice = config.current(db)
    rendered = mail_render.render(
        practice,
        subject=newsletter.subject,
        preheader=newsletter.preheader,
        body=newsletter.body,
        language=newsletter.language,
    )
    return mail_render.personal(
        rendered, name=SAMPLE_NAME, token="preview", base_url=get_settings().public_url
    )[1]


@pages.get("/newsletters", name="newsletter_list")
def newsletter_list(request: Request, db: SessionDep, _user: ContactViewer):
    return render(
        request, "newsletters/list.html", {"newsletters": newsletters.list_newsletters(db=db)}
    )


@pages.post("/newsletters", name="newsletter_create")
async def newsletter_create(request: Request, db: SessionDep, user: MarketingUser):
    form = dict(await request.form())
    data = _form(NewsletterIn, {**form, "health_claim": bool(form.get("health_claim"))})
    newsletter = newsletters.save(db=db, data=data, actor=user)
    return RedirectResponse(
        request.url_for("newsletter_detail", newsletter_id=newsletter.id), status_code=303
    )


@pages.get("/newsletters/{newsletter_id}", name="newsletter_detail")
def newsletter_detail(
    request: Request, db: SessionDep, _user: ContactViewer, newsletter_id: PathId
):
    newsletter = newsletters.get(db=db, newsletter_id=newsletter_id)
    return render(
        request,
        "newsletters/detail.html",
        {
            "n": newsletter,
            "preview": _preview(db, newsletter),
            "editable": newsletter.status in newsletters.EDITABLE,
            "figures": results.figures(db=db, newsletter_id=newsletter.id),
            "audience": len(newsletters.recipients(db=db, newsletter=newsletter, now=utcnow())),
        },
    )


@pages.post("/newsletters/{newsletter_id}", name="newsletter_update")
async def newsletter_update(
    request: Request, db: SessionDep, user: MarketingUser, newsletter_id: PathId
):
    form = dict(await request.form())
    data = _form(NewsletterIn, {**form, "health_claim": bool(form.get("health_claim"))})
    newsletters.save(db=db, data=data, actor=user, newsletter_id=newsletter_id)
    flash(request, "Saved.")
    return RedirectResponse(
        request.url_for("newsletter_detail", newsletter_id=newsletter_id), status_code=303
    )


@pages.post("/newsletters/{newsletter_id}/approve", name="newsletter_approve")
def newsletter_approve(request: Request, db: SessionDep, user: StaffUser, newsletter_id: PathId):
    if not user.is_verified_clinician:
        raise NotFound("no newsletter has this id")
    newsletters.approve(db=db, newsletter_id=newsletter_id, clinician=user, now=utcnow())
    flash(request, "Approved.")
    return RedirectResponse(
        request.url_for("newsletter_detail", newsletter_id=newsletter_id), status_code=303
    )


@pages.post("/newsletters/{newsletter_id}/send", name="newsletter_send")
def newsletter_send(request: Request, db: SessionDep, user: MarketingUser, newsletter_id: PathId):
    count = newsletters.queue(db=db, newsletter_id=newsletter_id, actor=user, now=utcnow())
    flash(request, "Queued for {count} recipients.", count=count)
    return RedirectResponse(
        request.url_for("newsletter_detail", newsletter_id=newsletter_id), status_code=303
    )


@pages.post("/newsletters/{newsletter_id}/test", name="newsletter_test_send")
def newsletter_test_send(
    request: Request,
    db: SessionDep,
    user: MarketingUser,
    newsletter_id: PathId,
    address: Annotated[
        str, Form(max_length=254, pattern=r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
    ],
):
    newsletters.queue_test(
        db=db, newsletter_id=newsletter_id, address=address.lower(), actor=user, now=utcnow()
    )
    flash(request, "A test copy is on its way.")
    return RedirectResponse(
        request.url_for("newsletter_detail", newsletter_id=newsletter_id), status_code=303
    )


@pages.get("/newsletters/{newsletter_id}/results.csv", name="newsletter_results_csv")
def newsletter_results_csv(db: SessionDep, _user: MarketingUser, newsletter_id: PathId):
    newsletters.get(db=db, newsletter_id=newsletter_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["hour", *results.EVENTS])
    for hour, counts in results.by_hour(db=db, newsletter_id=newsletter_id):
        writer.writerow([hour, *(counts.get(k, 0) for k in results.EVENTS)])
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="newsletter-{newsletter_id}.csv"'},
    )


@pages.get("/email/settings", name="email_settings")
def email_settings(request: Request, db: SessionDep, _user: AdminUser):
    practice = config.current(db)
    hook = f"{get_settings().public_url}/webhooks/email/bounces/{tokens.token('bounce webhook')}"
    return render(
        request,
        "newsletters/settings.html",
        {
            "s": practice,
            "records": config.dns_records(practice),
            "hook": hook,
            "securities": list(config.SECURITY_PORTS),
        },
    )


@pages.post("/email/settings", name="email_settings_save")
async def email_settings_save(request: Request, db: SessionDep, user: AdminUser):
    form = {k: v for k, v in (await request.form()).items() if k != "csrf_token"}
    config.save(db=db, data=_form(EmailSettingsIn, form), actor=user)
    flash(request, "Saved.")
    return RedirectResponse(request.url_for("email_settings"), status_code=303)


@pages.get("/mailbox", name="mailbox")
def mailbox_page(request: Request, db: SessionDep, _user: ContactViewer):
    return render(
        request, "newsletters/mailbox.html", {"addresses": mailbox.addresses(db), "messages": None}
    )


@pages.get("/mailbox/{message_id}", name="mailbox_message")
def mailbox_message(request: Request, db: SessionDep, _user: ContactViewer, message_id: PathId):
    row = db.get(MailboxMessage, message_id)
    if row is None:
        raise NotFound("no message has this id")
    mail = mailbox.parsed(row)
    return render(
        request,
        "newsletters/mailbox.html",
        {
            "addresses": mailbox.addresses(db),
            "messages": mailbox.messages(db, row.address),
            "current": row,
            "mail": mail,
            "html": mailbox.html_part(mail),
        },
    )
