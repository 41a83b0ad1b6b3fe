"""Staff settle messages the engine could not (sent or not sent); the lists live on the outbox and
SMS pages."""

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from app.delivery import uncertain
from app.deps import PathId, SessionDep, StaffUser
from app.posts import settling as _posts  # noqa: F401 - registers post deliveries and replies
from app.sms import settling as _sms  # noqa: F401 - registers SMS
from web.flash import flash

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["delivery"])
BACK = {"outbox": "/outbox#uncertain", "sms": "/sms/inbox#uncertain"}


@pages.post("/delivery/{kind}/{item_id}/settle", name="delivery_settle")
def delivery_settle(
    request: Request,
    db: SessionDep,
    user: StaffUser,
    kind: Literal["post", "reply", "sms"],
    item_id: PathId,
    outcome: Annotated[Literal["sent", "not_sent"], Form()],
    back: Annotated[Literal["outbox", "sms"], Form()] = "outbox",
):
    uncertain.settle(db, kind=kind, item_id=item_id, sent=outcome == "sent", actor=user)
    flash(request, "Settled.")
    return RedirectResponse(BACK[back], status_code=303)
