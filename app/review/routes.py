"""The review queue (clinicians, admins, group moderators), model versions and the score API."""

import json
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from app.accounts.models import Role, User
from app.audit import service as audit
from app.clock import utcnow
from app.deps import MAX_ID, AdminUser, CurrentUser, PathId, SessionDep, StaffUser
from app.errors import InvalidInput, NotFound, PermissionDenied
from app.i18n import N_
from app.review import desk, scoring, strikes
from app.review import service as review
from app.settings import get_settings
from moderation import versions
from moderation.model import LABELS
from web.flash import flash
from web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["moderation"])


def _reviewer(db: SessionDep, user: CurrentUser) -> User:
    if not review.may_review(db, user):
        raise PermissionDenied("only clinicians, administrators and group moderators review")
    return user


Reviewer = Annotated[User, Depends(_reviewer)]
ANONYMOUS = N_("Anonymous clinician")
FormStr = Annotated[str, Form()]
# Scoring costs CPU in proportion to the text: one call scores at most this much.
MAX_SCORE_TEXTS = 50
MAX_SCORE_CHARS = 5000
# A form's number: ASCII digits only (str.isdigit also accepts "²" and other digits int() refuses).
FORM_NUMBER = re.compile(r"[0-9]{1,10}")


def _form_number(value: object) -> int | None:
    """The form value as a non-negative id or version, or None when it is not one."""
    text = str(value)
    if not FORM_NUMBER.fullmatch(text) or int(text) > MAX_ID:
        return None
    return int(text)


def _shown(item, ctx: dict, viewer: User) -> tuple[str, dict]:
    """The item's text and context as viewer may read them (identifiers masked until decided; the
    author of an anonymous case named to administrators only)."""
    if ctx.get("anonymous") and viewer.role != Role.admin and item.author_id != viewer.id:
        ctx = {**ctx, "author": ANONYMOUS}
    if not desk.masked_for(item, viewer):
        return item.text, ctx
    thread = [(who, desk.mask(text), status) for who, text, status in ctx.get("thread", [])]
    title = desk.mask(ctx["title"]) if ctx.get("title") else ctx.get("title")
    return desk.mask(item.text), {**ctx, "thread": thread, "title": title}


def _signals_shown(db, item, viewer: User) -> list:
    """The item's signals; their reasons masked like its text (they name the n-grams that weighed)."""
    found = review.signals(db, item)
    if not desk.masked_for(item, viewer):
        return found
    return [
        s.model_copy(update={"reason": desk.mask_as_in(s.reason or "", item.text)}) for s in found
    ]


def _rows(db, items, viewer: User):
    return [(item, *_shown(item, review.context(db, item), viewer)) for item in items]


def _waits(items) -> dict[int, int]:
    """Minutes each emergency has waited, by item id."""
    now = utcnow()
    return {i.id: desk.waited_minutes(i, now) for i in items if desk.is_emergency(i)}


@pages.get("/review", name="review_queue")
def review_queue(request: Request, db: SessionDep, user: Reviewer, kind: str = ""):
    items = review.queue(db, viewer=user, kind=kind or None)
    context = {
        "rows": _rows(db, items, user),
        "kind": kind,
        "kinds": sorted(review.KINDS),
        "claims": desk.claims(db, items),
        "waits": _waits(items),
        "target_minutes": get_settings().review_emergency_minutes,
    }
    return render(request, "review/queue.html", context)


@pages.post("/review/{item_id}/claim", name="review_claim")
def review_claim(request: Request, db: SessionDep, user: Reviewer, item_id: PathId):
    item = review.get(db, viewer=user, item_id=item_id)
    desk.claim(db, item=item, viewer=user)
    flash(
        request,
        "The item is yours for {minutes} minutes.",
        minutes=get_settings().review_claim_minutes,
    )
    return RedirectResponse(f"/review/{item_id}", status_code=303)


@pages.post("/review/{item_id}/release", name="review_release")
def review_release(db: SessionDep, user: Reviewer, item_id: PathId):
    item = review.get(db, viewer=user, item_id=item_id)
    desk.release(db, item=item, viewer=user)
    return RedirectResponse("/review", status_code=303)


@pages.get("/review/{item_id}", name="review_item")
def review_item(request: Request, db: SessionDep, user: Reviewer, item_id: PathId):
    item = review.get(db, viewer=user, item_id=item_id)
    text, ctx = _shown(item, review.context(db, item), user)
    context = {
        "item": item,
        "text": text,
        "ctx": ctx,
        "masked": desk.masked_for(item, user),
        "claim": desk.claims(db, [item]).get(item.id),
        "waited": desk.waited_minutes(item) if desk.is_emergency(item) else None,
        "target_minutes": get_settings().review_emergency_minutes,
        "signals": _signals_shown(db, item, user),
        "history": review.history(db, item),
        "labels": review.labels_of(db, item),
        "actions": review.KINDS[item.kind].actions if item.kind in review.KINDS else (),
        "all_labels": LABELS,
        "author_strikes": 0
        if ctx.get("author") == ANONYMOUS
        else strikes.active_counts(db, [item.author_id]).get(item.author_id, 0)
        if item.author_id
        else 0,
    }
    return render(request, "review/item.html", context)


@pages.post("/review/{item_id}", name="review_decide")
async def review_decide(request: Request, db: SessionDep, user: Reviewer, item_id: PathId):
    form = await request.form()
    version = _form_number(form.get("version", ""))
    if version is None:
        raise InvalidInput("the form has no version; reload the queue", field="version")
    chosen = [str(v) for v in form.getlist("labels")] or None
    desk.check_not_taken(db, item=review.get(db, viewer=user, item_id=item_id), viewer=user)
    review.decide(
        db,
        item_id=item_id,
        action=str(form.get("action", "")),
        actor=user,
        version=version,
        note=str(form.get("note", "")),
        text=str(form.get("text", "")),
        labels=chosen,
    )
    flash(request, "Decision saved.")
    return RedirectResponse("/review", status_code=303)


@pages.post("/review-bulk", name="review_bulk")
async def review_bulk(request: Request, db: SessionDep, user: Reviewer):
    form = await request.form()
    versions_by_id = {}
    for value in form.getlist("items"):
        item_id, _, version = (_form_number(part) for part in str(value).partition(":"))
        if item_id is None or version is None:
            raise InvalidInput("the form is damaged; reload the queue", field="items")
        versions_by_id[item_id] = version
    decided = review.bulk(
        db, actor=user, action=str(form.get("action", "")), versions=versions_by_id
    )
    if decided == 1:
        flash(request, "Decision saved.")
    else:
        flash(request, "Decision saved for {n} items.", n=decided)
    return RedirectResponse("/review", status_code=303)


@pages.get("/moderation/models", name="model_versions")
def model_versions(request: Request, user: CurrentUser):
    if not (user.role == Role.admin or user.is_verified_clinician):
        raise PermissionDenied("only administrators and clinicians see the models")
    context = {"versions": versions.list_versions(scoring.models_root()), "labels": LABELS}
    return render(request, "review/models.html", context)


@pages.post("/moderation/models/{name}/activate", name="model_activate")
def model_activate(db: SessionDep, user: AdminUser, name: str):
    try:
        versions.make_active(scoring.models_root(), name)
    except FileNotFoundError as error:
        raise NotFound(str(error)) from None
    audit.record(
        db, actor=user, action="moderation.activate", object_type="model", object_id=name[:60]
    )
    return RedirectResponse("/moderation/models", status_code=303)


class ScoreIn(BaseModel):
    texts: Annotated[
        list[Annotated[str, Field(max_length=MAX_SCORE_CHARS)]],
        Field(min_length=1, max_length=MAX_SCORE_TEXTS),
    ]


class DecisionIn(BaseModel):
    action: str
    version: int = Field(ge=0, le=MAX_ID)
    note: str | None = None
    text: str | None = None
    labels: list[str] | None = None


@api.post("/moderation/score")
def api_score(_user: StaffUser, data: ScoreIn):
    return {"results": [s.as_dict() for s in scoring.score(data.texts)]}


@api.get("/review")
def api_queue(db: SessionDep, user: Reviewer, kind: str = ""):
    return [
        {
            **item.model_dump(
                include={
                    "id",
                    "kind",
                    "target_id",
                    "status",
                    "severity",
                    "score",
                    "flags",
                    "scores",
                    "version",
                    "clinical",
                }
            ),
            "reasons": _reasons_shown(item, user),
            "created_at": item.created_at,
            "context": {k: v for k, v in ctx.items() if k in API_CONTEXT},
        }
        for item, _text, ctx in _rows(db, review.queue(db, viewer=user, kind=kind or None), user)
    ]


# What of an item's context the API shows: words and links (the pages also draw a post's diff).
API_CONTEXT = ("where", "link", "author", "thread", "title", "kind_label")


def _reasons_shown(item, viewer: User) -> dict:
    """The item's reasons; masked like its text when the viewer must not read its identifiers."""
    if not desk.masked_for(item, viewer):
        return item.reasons
    return json.loads(desk.mask_as_in(json.dumps(item.reasons, ensure_ascii=False), item.text))


@api.post("/review/{item_id}")
def api_decide(db: SessionDep, user: Reviewer, item_id: PathId, data: DecisionIn):
    item = review.decide(db, item_id=item_id, actor=user, **data.model_dump())
    return {"id": item.id, "status": str(item.status), "version": item.version}


@pages.get("/strikes", name="strike_list")
def strike_list(request: Request, db: SessionDep, user: CurrentUser):
    context = {"rows": strikes.mine(db, user), "now": utcnow()}
    return render(request, "review/strikes.html", context)


@pages.post("/strikes/{strike_id}/appeal", name="strike_appeal")
def strike_appeal(db: SessionDep, user: CurrentUser, strike_id: PathId, text: FormStr = ""):
    strikes.appeal(db, user=user, strike_id=strike_id, text=text)
    return RedirectResponse("/strikes", status_code=303)


class AppealIn(BaseModel):
    text: str = Field(min_length=10, max_length=strikes.MAX_APPEAL_CHARS)


def _strike_out(strike, item) -> dict:
    return {
        **strike.model_dump(
            include={"id", "reason", "appeal_until", "appeal_status", "appealed_at", "created_at"}
        ),
        "kind": item.kind,
        "text": item.text,
    }


@api.get("/strikes")
def api_strikes(db: SessionDep, user: CurrentUser):
    return [_strike_out(strike, item) for strike, item in strikes.mine(db, user)]


@api.post("/strikes/{strike_id}/appeal")
def api_strike_appeal(db: SessionDep, user: CurrentUser, strike_id: PathId, data: AppealIn):
    strike = strikes.appeal(db, user=user, strike_id=strike_id, text=data.text)
    return {"id": strike.id, "appeal_status": str(strike.appeal_status)}
