"""Compose, review, schedule and follow posts: pages for staff and the posts API."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from app.accounts.models import Role
from app.channels import service as channels
from app.deps import ClinicianUser, MarketingUser, PostViewer, SessionDep
from app.errors import DomainError, InvalidInput
from app.posts import calendar as calendar_view
from app.posts import comments, importer, media
from app.posts import service as posts
from app.posts.forms import local_moment, post_from_form
from app.posts.models import Post, PostCreate, PostPublic, PostStatus
from app.settings import get_settings
from connectors import registry
from connectors.base import Draft
from connectors.xtext import weighted_length
from scheduler.metrics import series
from web.charts import line_chart
from web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["posts"])


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _channel_form(form) -> tuple[list[str], dict[str, str]]:
    chosen = [str(v) for v in form.getlist("channels")]
    overrides = {
        key.removeprefix("text_"): str(value)
        for key, value in form.items()
        if key.startswith("text_") and str(value).strip()
    }
    return chosen, overrides


def _compose(request: Request, db, status: int = 200, post: Post | None = None, **extra):
    context = {
        "channels": channels.list_channels(db=db, usable_only=True),
        "post": post,
        "form": {},
        "chosen": [],
        "overrides": {},
        "zone": get_settings().timezone,
        **extra,
    }
    return render(request, "posts/compose.html", context, status)


@pages.get("/posts", name="post_list")
def post_list(
    request: Request,
    db: SessionDep,
    _user: PostViewer,
    status: str = "",
    channel: int | None = None,
):
    chosen = PostStatus(status) if status in PostStatus.__members__ else None
    items = posts.list_posts(db=db, status=chosen, channel_id=channel)
    rows = [(p, posts.targets(db=db, post=p)) for p in items]
    context = {
        "rows": rows,
        "statuses": list(PostStatus),
        "filters": {"status": status, "channel": channel},
        "channels": channels.list_channels(db=db),
    }
    return render(request, "posts/list.html", context)


@pages.get("/posts/new", name="post_new")
def post_new(request: Request, db: SessionDep, _user: MarketingUser):
    return _compose(request, db)


@pages.post("/posts/preview", name="post_preview")
async def post_preview(request: Request, db: SessionDep, _user: MarketingUser):
    form = await request.form()
    chosen, overrides = _channel_form(form)
    link = str(form.get("link", "")).strip() or None
    previews = []
    for channel in channels.list_channels(db=db, usable_only=True):
        if str(channel.id) not in chosen:
            continue
        text = overrides.get(str(channel.id)) or str(form.get("text", ""))
        draft = Draft(text, link=link)
        count = weighted_length(draft.body) if channel.kind == "x" else len(text)
        previews.append(
            {
                "channel": channel,
                "text": draft.body if channel.kind == "x" else text,
                "count": count,
                "limit": registry.limits(channel.kind).max_text,
                "problems": [posts.problem_text(p) for p in registry.validate(channel.kind, draft)],
            }
        )
    return render(request, "posts/_preview.html", {"previews": previews})


async def _save_media(db, post_id: int, form) -> None:
    for upload in form.getlist("images"):
        if isinstance(upload, str) or not getattr(upload, "filename", ""):
            continue
        data = await upload.read(media.MAX_BYTES + 1)
        media.attach(db=db, post_id=post_id, filename=upload.filename, data=data)


@pages.post("/posts", name="post_create")
async def post_create(request: Request, db: SessionDep, user: MarketingUser):
    form = await request.form()
    chosen, overrides = _channel_form(form)
    try:
        data = post_from_form(dict(form), chosen, overrides)
        post = posts.create(db=db, author=user, data=data)
        await _save_media(db, post.id, form)
    except DomainError as error:
        db.rollback()
        return _compose(
            request,
            db,
            error.status_code,
            form=dict(form),
            chosen=chosen,
            overrides=overrides,
            error=error.message,
        )
    return _see(f"/posts/{post.id}")


@pages.get("/posts/{post_id}", name="post_detail")
def post_detail(request: Request, db: SessionDep, user: PostViewer, post_id: int):
    post = posts.get(db=db, post_id=post_id)
    delivered = posts.deliveries_of(db=db, post=post)
    charts = {d.id: line_chart(series(db, d.id)) for d, _c in delivered if d.status == "published"}
    context = {
        "post": post,
        "targets": posts.targets(db=db, post=post),
        "deliveries": delivered,
        "charts": charts,
        "can_edit": user.role in (Role.admin, Role.marketing),
        "can_review": user.is_verified_clinician and post.status == PostStatus.awaiting_approval,
        "needs_approval": posts.needs_approval(post),
        "comments": comments.of_post(db, post_id=post.id),
        "any_published": bool(charts),
    }
    return render(request, "posts/detail.html", context)


@pages.post("/posts/{post_id}/comments/check", name="post_comments_check")
def post_comments_check(db: SessionDep, _user: PostViewer, post_id: int):
    """Read the post's comments now instead of at the next round (and send what waits)."""
    posts.get(db=db, post_id=post_id)
    comments.run_round(post_id=post_id)
    return _see(f"/posts/{post_id}#comments")


@pages.post("/posts/{post_id}/comments/{comment_id}/reply", name="post_comment_reply")
def post_comment_reply(
    db: SessionDep,
    user: PostViewer,
    post_id: int,
    comment_id: int,
    text: Annotated[str, Form()] = "",
):
    comments.reply_from_page(db, post_id=post_id, comment_id=comment_id, actor=user, text=text)
    return _see(f"/posts/{post_id}#comment-{comment_id}")


@pages.post("/posts/{post_id}/replies/{reply_id}/resend", name="post_reply_resend")
def post_reply_resend(db: SessionDep, user: PostViewer, post_id: int, reply_id: int):
    comments.resend(db, post_id=post_id, reply_id=reply_id, actor=user)
    return _see(f"/posts/{post_id}#comments")


@pages.post("/posts/{post_id}/replies/{reply_id}/confirm", name="post_reply_confirm")
def post_reply_confirm(db: SessionDep, user: PostViewer, post_id: int, reply_id: int):
    comments.mark_sent(db, post_id=post_id, reply_id=reply_id, actor=user)
    return _see(f"/posts/{post_id}#comments")


@pages.get("/posts/{post_id}/edit", name="post_edit")
def post_edit(request: Request, db: SessionDep, _user: MarketingUser, post_id: int):
    post = posts.get(db=db, post_id=post_id)
    zone = get_settings().zone
    local = post.scheduled_at.astimezone(zone) if post.scheduled_at else None
    rule = post.recurrence or {}
    form = {
        "text": post.text,
        "link": post.link or "",
        "health_claim": "on" if post.health_claim else "",
        "date": f"{local:%Y-%m-%d}" if local else "",
        "time": f"{local:%H:%M}" if local else "",
        "recurrence": rule.get("freq", ""),
        "interval": rule.get("interval", 1),
        "until": rule.get("until", ""),
        "n": rule.get("n", 1),
        "weekday": rule.get("weekday", 0),
        "version": post.version,
    }
    targets = posts.targets(db=db, post=post)
    return _compose(
        request,
        db,
        post=post,
        form=form,
        chosen=[str(t.channel_id) for t, _c in targets],
        overrides={str(t.channel_id): t.text_override for t, _c in targets if t.text_override},
    )


@pages.post("/posts/{post_id}/edit", name="post_update")
async def post_update(request: Request, db: SessionDep, user: MarketingUser, post_id: int):
    post = posts.get(db=db, post_id=post_id)
    form = await request.form()
    chosen, overrides = _channel_form(form)
    version = int(form["version"]) if str(form.get("version", "")).isdigit() else None
    try:
        posts.update(
            db=db,
            post=post,
            data=post_from_form(dict(form), chosen, overrides),
            actor=user,
            expected_version=version,
        )
        await _save_media(db, post.id, form)
    except DomainError as error:
        db.rollback()
        return _compose(
            request,
            db,
            error.status_code,
            post=post,
            form=dict(form),
            chosen=chosen,
            overrides=overrides,
            error=error.message,
        )
    return _see(f"/posts/{post.id}")


def _action(db, post_id: int, action) -> RedirectResponse:
    post = posts.get(db=db, post_id=post_id)
    action(post)
    return _see(f"/posts/{post_id}")


@pages.post("/posts/{post_id}/submit", name="post_submit")
def post_submit(db: SessionDep, user: MarketingUser, post_id: int):
    return _action(db, post_id, lambda p: posts.submit_for_approval(db=db, post=p, actor=user))


@pages.post("/posts/{post_id}/review", name="post_review")
def post_review(
    db: SessionDep,
    user: ClinicianUser,
    post_id: int,
    decision: Annotated[str, Form()],
    comment: Annotated[str, Form()] = "",
    version: Annotated[int | None, Form()] = None,
):
    if decision not in ("approve", "reject"):
        raise InvalidInput("decision must be approve or reject", field="decision")
    return _action(
        db,
        post_id,
        lambda p: posts.review(
            db=db,
            post=p,
            clinician=user,
            approve=decision == "approve",
            comment=comment,
            expected_version=version,
        ),
    )


@pages.post("/posts/{post_id}/schedule", name="post_schedule")
def post_schedule(
    db: SessionDep,
    user: MarketingUser,
    post_id: int,
    date: Annotated[str, Form()],
    time: Annotated[str, Form()] = "09:00",
):
    when = local_moment(date, time)
    if when is None:
        raise InvalidInput("choose a date", field="date")
    return _action(db, post_id, lambda p: posts.schedule(db=db, post=p, when=when, actor=user))


@pages.post("/posts/{post_id}/publish-now", name="post_publish_now")
def post_publish_now(db: SessionDep, user: MarketingUser, post_id: int):
    return _action(db, post_id, lambda p: posts.publish_now(db=db, post=p, actor=user))


@pages.post("/posts/{post_id}/pause", name="post_pause")
def post_pause(db: SessionDep, user: MarketingUser, post_id: int):
    return _action(db, post_id, lambda p: posts.set_paused(db=db, post=p, paused=True, actor=user))


@pages.post("/posts/{post_id}/resume", name="post_resume")
def post_resume(db: SessionDep, user: MarketingUser, post_id: int):
    return _action(db, post_id, lambda p: posts.set_paused(db=db, post=p, paused=False, actor=user))


@pages.post("/posts/{post_id}/cancel", name="post_cancel")
def post_cancel(db: SessionDep, user: MarketingUser, post_id: int):
    return _action(db, post_id, lambda p: posts.cancel(db=db, post=p, actor=user))


@pages.post("/posts/{post_id}/deliveries/{delivery_id}/resolve", name="delivery_resolve")
def delivery_resolve(
    db: SessionDep,
    user: MarketingUser,
    post_id: int,
    delivery_id: int,
    outcome: Annotated[str, Form()],
    url: Annotated[str, Form()] = "",
):
    posts.resolve_uncertain(
        db=db,
        post_id=post_id,
        delivery_id=delivery_id,
        published=outcome == "published",
        url=url.strip() or None,
        actor=user,
    )
    return _see(f"/posts/{post_id}")


@pages.get("/calendar", name="calendar")
def calendar_page(
    request: Request, db: SessionDep, _user: PostViewer, month: str = "", week: str = ""
):
    try:
        view = calendar_view.build(db=db, month=month, week=week)
    except ValueError:
        raise InvalidInput("use month=YYYY-MM or week=YYYY-Www", field="month") from None
    return render(request, "posts/calendar.html", {"view": view})


@pages.get("/posts-import", name="post_import_form")
def post_import_form(request: Request, _user: MarketingUser):
    return render(request, "posts/import.html", {"columns": importer.COLUMNS})


@pages.post("/posts-import", name="post_import")
async def post_import(request: Request, db: SessionDep, user: MarketingUser, file: UploadFile):
    raw = await file.read(5 * 1024 * 1024 + 1)
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError:
        content, result = "", importer.ImportResult(errors=["the file is not UTF-8 text"])
    else:
        result = importer.import_csv(db=db, author=user, content=content)
    status = 422 if result.errors else 200
    return render(
        request, "posts/import.html", {"columns": importer.COLUMNS, "result": result}, status
    )


@pages.get("/posts-export.csv", name="post_export")
def post_export(db: SessionDep, _user: PostViewer, status: str = ""):
    chosen = PostStatus(status) if status in PostStatus.__members__ else None
    body = importer.export_csv(db=db, items=posts.list_posts(db=db, status=chosen, limit=5000))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="carepost-queue.csv"'},
    )


class PostCreateRequest(BaseModel):
    text: str = Field(min_length=1, max_length=63206)
    link: str | None = Field(default=None, max_length=2000, pattern=r"^https?://\S+$")
    channels: list[int | str] = Field(min_length=1)
    channel_texts: dict[str, str] = Field(default_factory=dict)
    scheduled_at: datetime | None = None
    health_claim: bool = False
    recurrence: dict | None = None


class ReviewRequest(BaseModel):
    approve: bool
    comment: str | None = Field(default=None, max_length=1000)


@api.post("/posts", response_model=PostPublic, status_code=201)
def api_post_create(db: SessionDep, user: MarketingUser, body: PostCreateRequest):
    post = posts.create(db=db, author=user, data=PostCreate(**body.model_dump()))
    return posts.public_view(db=db, post=post)


@api.get("/posts", response_model=list[PostPublic])
def api_post_list(
    db: SessionDep, _user: PostViewer, status: Annotated[PostStatus | None, Query()] = None
):
    return [posts.public_view(db=db, post=p) for p in posts.list_posts(db=db, status=status)]


@api.get("/posts/{post_id}", response_model=PostPublic)
def api_post(db: SessionDep, _user: PostViewer, post_id: int):
    return posts.public_view(db=db, post=posts.get(db=db, post_id=post_id))


class ReplyPublic(BaseModel):
    id: int
    text: str
    automatic: bool
    state: str
    error: str | None
    remote_url: str | None
    sent_at: datetime | None


class CommentPublic(BaseModel):
    id: int
    channel: str
    remote_id: str
    author: str
    text: str
    status: str
    hidden_on_channel: bool
    created_at: datetime | None
    replies: list[ReplyPublic]


@api.get("/posts/{post_id}/comments", response_model=list[CommentPublic])
def api_post_comments(db: SessionDep, _user: PostViewer, post_id: int):
    """Comments read from the channels under this post, with carepost's verdict and replies."""
    posts.get(db=db, post_id=post_id)
    return [
        CommentPublic(
            id=c.id,
            channel=channel.name,
            remote_id=c.remote_id,
            author=c.author_name,
            text=c.text,
            status=str(c.status),
            hidden_on_channel=c.hidden_on_channel,
            created_at=c.remote_created_at,
            replies=[
                ReplyPublic(
                    id=r.id,
                    text=r.text,
                    automatic=r.automatic,
                    state=str(r.state),
                    error=r.error,
                    remote_url=r.remote_url,
                    sent_at=r.sent_at,
                )
                for r in replies
            ],
        )
        for c, channel, replies in comments.of_post(db, post_id=post_id)
    ]


@api.post("/posts/{post_id}/review", response_model=PostPublic)
def api_post_review(db: SessionDep, user: ClinicianUser, post_id: int, body: ReviewRequest):
    post = posts.review(
        db=db,
        post=posts.get(db=db, post_id=post_id),
        clinician=user,
        approve=body.approve,
        comment=body.comment,
    )
    return posts.public_view(db=db, post=post)


@api.post("/posts/{post_id}/cancel", response_model=PostPublic)
def api_post_cancel(db: SessionDep, user: MarketingUser, post_id: int):
    post = posts.cancel(db=db, post=posts.get(db=db, post_id=post_id), actor=user)
    return posts.public_view(db=db, post=post)
