"""Connecting channels (admins), the outbox's published posts, and the channels API."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlmodel import col, select

from app.channels import service as channels
from app.channels.models import (
    ChannelKind,
    ChannelPublic,
    ChannelStatus,
    OutboxComment,
    OutboxMessage,
)
from app.delivery import uncertain
from app.deps import AdminUser, PathId, SessionDep, StaffUser
from app.errors import DomainError, InvalidInput, NotFound
from app.i18n import N_
from web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["channels"])
CREDENTIAL_FIELDS = (
    "consumer_key",
    "consumer_secret",
    "access_token",
    "access_token_secret",
    "oauth2_access_token",
    "page_id",
    "page_access_token",
    "app_secret",
)


def _page(request: Request, db, status: int = 200, **extra):
    context = {"channels": channels.list_channels(db=db), "kinds": list(ChannelKind), **extra}
    return render(request, "channels/list.html", context, status)


@pages.get("/channels", name="channel_list")
def channel_list(request: Request, db: SessionDep, _admin: AdminUser):
    return _page(request, db)


@pages.post("/channels", name="channel_create")
async def channel_create(request: Request, db: SessionDep, admin: AdminUser):
    form = await request.form()
    credentials = {name: str(form.get(name, "")) for name in CREDENTIAL_FIELDS}
    try:
        kind = ChannelKind(str(form.get("kind", "")))
        channels.create(
            db=db, kind=kind, name=str(form.get("name", "")), credentials=credentials, actor=admin
        )
    except ValueError:
        return _page(request, db, 422, error=N_("choose a channel type"))
    except DomainError as error:
        return _page(request, db, error.status_code, error=error.message)
    return RedirectResponse("/channels", status_code=303)


@pages.post("/channels/{channel_id}/test", name="channel_test")
def channel_test(request: Request, db: SessionDep, admin: AdminUser, channel_id: PathId):
    ok, message = channels.test_connection(db=db, channel_id=channel_id, actor=admin)
    return render(request, "channels/_test_result.html", {"ok": ok, "message": message})


@pages.post("/channels/{channel_id}/reconnect", name="channel_reconnect")
async def channel_reconnect(request: Request, db: SessionDep, admin: AdminUser, channel_id: PathId):
    form = await request.form()
    credentials = {name: str(form.get(name, "")) for name in CREDENTIAL_FIELDS}
    try:
        channels.update_credentials(
            db=db, channel_id=channel_id, credentials=credentials, actor=admin
        )
    except DomainError as error:
        if error.status_code == 404:
            raise
        return _page(request, db, error.status_code, error=error.message)
    return RedirectResponse("/channels", status_code=303)


@pages.post("/channels/{channel_id}/status", name="channel_status")
def channel_status(
    db: SessionDep, admin: AdminUser, channel_id: PathId, status: Annotated[ChannelStatus, Form()]
):
    channel = channels.get(db=db, channel_id=channel_id)
    channels.set_status(db=db, channel=channel, status=status, reason=None, actor=admin)
    return RedirectResponse("/channels", status_code=303)


@pages.post("/channels/x/connect", name="channel_x_connect")
def channel_x_connect(
    request: Request, db: SessionDep, _admin: AdminUser, name: Annotated[str, Form()] = "X"
):
    try:
        url, state, verifier = channels.start_x_oauth2()
    except DomainError as error:
        return _page(request, db, error.status_code, error=error.message)
    request.session["x_oauth2"] = {
        "state": state,
        "verifier": verifier,
        "name": name.strip() or "X",
    }
    return RedirectResponse(url, status_code=303)


@pages.get("/channels/x/callback", name="channel_x_callback")
def channel_x_callback(request: Request, db: SessionDep, admin: AdminUser):
    pending = request.session.pop("x_oauth2", None)
    if not pending or request.query_params.get("state") != pending["state"]:
        return _page(
            request,
            db,
            400,
            error=N_("the X authorisation expired or did not start here; try again"),
        )
    if request.query_params.get("error"):
        return _page(
            request,
            db,
            400,
            error=f"X did not authorise the account ({request.query_params['error']})",
        )
    try:
        channels.finish_x_oauth2(
            db=db,
            name=pending["name"],
            query=request.url.query,
            state=pending["state"],
            verifier=pending["verifier"],
            actor=admin,
        )
    except DomainError as error:
        return _page(request, db, error.status_code, error=error.message)
    return RedirectResponse("/channels", status_code=303)


@pages.get("/outbox", name="outbox_list")
def outbox_list(request: Request, db: SessionDep, staff: StaffUser):
    messages = db.exec(
        select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(100)
    ).all()
    waiting = uncertain.items(db, kinds=("post", "reply"), viewer=staff)
    return render(
        request,
        "channels/outbox.html",
        {"messages": messages, "uncertain_items": waiting, "back": "outbox"},
    )


@pages.get("/outbox/{message_id}", name="outbox_message")
def outbox_message(request: Request, db: SessionDep, _staff: StaffUser, message_id: PathId):
    message = db.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound("no such outbox message")
    found = db.exec(
        select(OutboxComment)
        .where(OutboxComment.message_id == message.id)
        .order_by(col(OutboxComment.id))
    ).all()
    context = {"messages": [message], "single": True, "comments": found}
    return render(request, "channels/outbox.html", context)


@pages.post("/outbox/{message_id}/comments", name="outbox_comment")
def outbox_comment(
    db: SessionDep,
    _staff: StaffUser,
    message_id: PathId,
    author_name: Annotated[str, Form(min_length=1, max_length=120)],
    text: Annotated[str, Form(min_length=1, max_length=2000)],
):
    """Play the public on the outbox channel: a comment carepost will read like a real channel's."""
    if db.get(OutboxMessage, message_id) is None:
        raise NotFound("no such outbox message")
    if not author_name.strip() or not text.strip():
        raise InvalidInput("write a name and a comment", field="text")
    db.add(OutboxComment(message_id=message_id, author_name=author_name.strip(), text=text.strip()))
    return RedirectResponse(f"/outbox/{message_id}", status_code=303)


@api.get("/channels", response_model=list[ChannelPublic])
def api_channels(db: SessionDep, _staff: StaffUser):
    return channels.list_channels(db=db)
