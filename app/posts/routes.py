"""Compose, review, schedule and follow posts: pages for staff and the posts API."""

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from app.accounts.models import Role
from app.channels import service as channels
from app.clock import utcnow
from app.deps import ClinicianUser, MarketingUser, PathId, PostViewer, SessionDep
from app.errors import DomainError, InvalidInput
from app.i18n import translator
from app.planning import best_time
from app.planning import service as planning
from app.posts import (
    comments,
    importer,
    media,
    publish,
    review_versions,
    threads,
)
from app.posts import service as posts
from app.posts.api import api  # noqa: F401 - app.main mounts each feature's pages and api
from app.posts.forms import local_moment, post_from_form, whole_number
from app.posts.models import Post, PostStatus
from app.posts.preview_routes import channel_form as _channel_form
from app.posts.preview_routes import form_parts as _parts
from app.posts.preview_routes import pages as preview_pages
from app.posts.webhooks import router as webhooks
from app.settings import get_settings
from scheduler.metrics import series
from web.charts import line_chart
from web.flash import flash
from web.templating import render, request_locale

pages = APIRouter(include_in_schema=False)
pages.include_router(webhooks)
pages.include_router(preview_pages)


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _message(request: Request, error: DomainError) -> str:
    """The error's message in the user's language."""
    return error.translated(translator(request_locale(request)))


def _refused(request: Request, db, error: DomainError, actor) -> str:
    """Undo the request's changes; a refused approval bypass still lands in the audit log."""
    db.rollback()
    if isinstance(error, posts.ApprovalRequired):
        posts.record_refusal(db=db, error=error, actor=actor)
        db.commit()
    return _message(request, error)


def _compose(request: Request, db, status: int = 200, post: Post | None = None, **extra):
    usable = channels.list_channels(db=db, usable_only=True)
    context = {
        "channels": usable,
        "best": best_time.heat_maps(db=db, channel_ids=[c.id for c in usable], now=utcnow()),
        "post": post,
        "form": {},
        "chosen": [],
        "overrides": {},
        "parts": [],
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
    channel: str = "",
):
    # Empty values (the "All" choices) and unknown ones mean "any".
    chosen = PostStatus(status) if status in PostStatus.__members__ else None
    channel_id = whole_number(channel)
    items = posts.list_posts(db=db, status=chosen, channel_id=channel_id)
    rows = [(p, posts.targets(db=db, post=p)) for p in items]
    context = {
        "rows": rows,
        "statuses": list(PostStatus),
        "filters": {"status": status, "channel": channel_id},
        "channels": channels.list_channels(db=db),
    }
    return render(request, "posts/list.html", context)


@pages.get("/posts/new", name="post_new")
def post_new(request: Request, db: SessionDep, _user: MarketingUser, date: str = ""):
    """The compose form; a day clicked on the calendar comes as ?date=YYYY-MM-DD."""
    try:
        day = dt.date.fromisoformat(date.strip()).isoformat() if date else ""
    except ValueError:
        day = ""  # a mangled link opens the form without a date rather than an error
    return _compose(request, db, form={"date": day} if day else {})


def _saved(request: Request, form, post: Post) -> None:
    if not form.get("queue"):
        flash(request, "Post saved.")
        return
    zone = get_settings().zone
    when = f"{post.scheduled_at.astimezone(zone):%Y-%m-%d %H:%M}"
    flash(request, "Added to the queue: {when} ({zone}).", when=when, zone=zone.key)
    if post.status == PostStatus.awaiting_approval:
        flash(request, "A clinician must approve it before it goes out.", "info")


def _queued(db, form, data, post_id: int | None = None):
    """With "Add to queue", the time is the channels' next free posting slot."""
    if form.get("queue"):
        planning.queue(db=db, data=data, now=utcnow(), post_id=post_id)
    return data


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
        data = _queued(db, form, post_from_form(dict(form), chosen, overrides, _parts(form)))
        post = posts.create(db=db, author=user, data=data)
        await _save_media(db, post.id, form)
    except DomainError as error:
        message = _refused(request, db, error, user)
        return _compose(
            request,
            db,
            error.status_code,
            form=dict(form),
            chosen=chosen,
            overrides=overrides,
            parts=_parts(form),
            error=message,
        )
    _saved(request, form, post)
    return _see(f"/posts/{post.id}")


def _detail(request: Request, db, user, post: Post, status: int = 200, **extra):
    delivered = posts.deliveries_of(db=db, post=post)
    parts = threads.parts_of(db=db, post_id=post.id)
    charts = {d.id: line_chart(series(db, d.id)) for d, _c in delivered if d.status == "published"}
    can_review = user.is_verified_clinician and post.status == PostStatus.awaiting_approval
    targets = posts.targets(db=db, post=post)
    channel_ids = [c.id for _t, c in targets]
    context = {
        "post": post,
        "targets": targets,
        "best": best_time.heat_maps(db=db, channel_ids=channel_ids, now=utcnow()),
        "deliveries": delivered,
        "charts": charts,
        "can_edit": user.role in (Role.admin, Role.marketing),
        "can_review": can_review,
        "changes": review_versions.changes_since_review(db, post) if can_review else None,
        "needs_approval": posts.needs_approval(post),
        "can_publish_now": publish.can_publish_now(db=db, post=post),
        "can_publish_again": publish.can_publish_again(db=db, post=post),
        "next_run": posts.next_occurrence(db=db, post=post),
        "comments": comments.of_post(db, post_id=post.id),
        "any_published": bool(charts),
        "parts": parts,
        "thread_rows": [(p.position, p.text, p) for p in parts],
        "part_sends": threads.sends_of(db=db, post_id=post.id),
        "can_continue": threads.can_continue(db=db, post=post),
        "can_review_parts": user.is_verified_clinician,
        "form": {},
        **extra,
    }
    return render(request, "posts/detail.html", context, status)


@pages.get("/posts/{post_id}", name="post_detail")
def post_detail(request: Request, db: SessionDep, user: PostViewer, post_id: PathId):
    return _detail(request, db, user, posts.get(db=db, post_id=post_id))


@pages.post("/posts/{post_id}/comments/check", name="post_comments_check")
def post_comments_check(db: SessionDep, _user: PostViewer, post_id: PathId):
    """Read the post's comments now instead of at the next round (and send what waits)."""
    posts.get(db=db, post_id=post_id)
    # The round writes in sessions of its own: this request's pending writes (its session's
    # last-seen time) are committed first, or on SQLite the round would wait on them.
    db.commit()
    comments.run_round(post_id=post_id)
    return _see(f"/posts/{post_id}#comments")


@pages.post("/posts/{post_id}/comments/{comment_id}/reply", name="post_comment_reply")
def post_comment_reply(
    db: SessionDep,
    user: PostViewer,
    post_id: PathId,
    comment_id: PathId,
    text: Annotated[str, Form()] = "",
):
    comments.reply_from_page(db, post_id=post_id, comment_id=comment_id, actor=user, text=text)
    return _see(f"/posts/{post_id}#comment-{comment_id}")


@pages.post("/posts/{post_id}/replies/{reply_id}/resend", name="post_reply_resend")
def post_reply_resend(db: SessionDep, user: PostViewer, post_id: PathId, reply_id: PathId):
    comments.resend(db, post_id=post_id, reply_id=reply_id, actor=user)
    return _see(f"/posts/{post_id}#comments")


@pages.post("/posts/{post_id}/replies/{reply_id}/confirm", name="post_reply_confirm")
def post_reply_confirm(db: SessionDep, user: PostViewer, post_id: PathId, reply_id: PathId):
    comments.mark_sent(db, post_id=post_id, reply_id=reply_id, actor=user)
    return _see(f"/posts/{post_id}#comments")


@pages.get("/posts/{post_id}/edit", name="post_edit")
def post_edit(request: Request, db: SessionDep, _user: MarketingUser, post_id: PathId):
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
        parts=[p.text for p in threads.parts_of(db=db, post_id=post.id) if not p.live],
    )


@pages.post("/posts/{post_id}/edit", name="post_update")
async def post_update(request: Request, db: SessionDep, user: MarketingUser, post_id: PathId):
    post = posts.get(db=db, post_id=post_id)
    form = await request.form()
    chosen, overrides = _channel_form(form)
    version = whole_number(form.get("version"))
    try:
        posts.update(
            db=db,
            post=post,
            data=_queued(
                db, form, post_from_form(dict(form), chosen, overrides, _parts(form)), post.id
            ),
            actor=user,
            expected_version=version,
        )
        await _save_media(db, post.id, form)
    except DomainError as error:
        message = _refused(request, db, error, user)
        return _compose(
            request,
            db,
            error.status_code,
            post=posts.get(db=db, post_id=post_id),
            form=dict(form),
            chosen=chosen,
            overrides=overrides,
            parts=_parts(form),
            error=message,
        )
    _saved(request, form, post)
    return _see(f"/posts/{post.id}")


def _action(request: Request, db, user, post_id: PathId, action, form: dict | None = None):
    """Run an action on the post; a refusal shows on the post's page, with what was typed."""
    post = posts.get(db=db, post_id=post_id)
    try:
        target = action(post)
    except DomainError as error:
        message = _refused(request, db, error, user)
        post = posts.get(db=db, post_id=post_id)
        return _detail(request, db, user, post, error.status_code, error=message, form=form or {})
    return _see(f"/posts/{getattr(target, 'id', post_id)}")


@pages.post("/posts/{post_id}/parts", name="post_part_add")
def post_part_add(
    request: Request,
    db: SessionDep,
    user: MarketingUser,
    post_id: PathId,
    text: Annotated[str, Form()] = "",
    health_claim: Annotated[str, Form()] = "",
):
    """Continue a published thread with a new part (a health claim waits for a clinician)."""

    def add(post: Post) -> Post:
        claim = health_claim in ("on", "true", "1")
        threads.add_part(db=db, post=post, text=text, health_claim=claim, actor=user)
        return post

    response = _action(request, db, user, post_id, add, form={"part_text": text})
    if isinstance(response, RedirectResponse):
        flash(request, "Part added.")
    return response


def _approving(decision: str) -> bool:
    """A clinician's form choice: True to approve, False to reject; anything else is refused."""
    if decision not in ("approve", "reject"):
        raise InvalidInput("choose approve or reject", field="decision")
    return decision == "approve"


@pages.post("/posts/{post_id}/parts/{part_id}/review", name="post_part_review")
def post_part_review(
    request: Request,
    db: SessionDep,
    user: ClinicianUser,
    post_id: PathId,
    part_id: PathId,
    decision: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
):
    """A verified clinician approves or rejects a part added to a published thread."""

    def review(post: Post) -> Post:
        approve = _approving(decision)
        part = threads.get_part(db=db, post=post, part_id=part_id)
        threads.review_part(
            db=db, post=post, part=part, clinician=user, approve=approve, comment=comment
        )
        return post

    return _action(request, db, user, post_id, review, form={"part_comment": comment})


@pages.post("/posts/{post_id}/submit", name="post_submit")
def post_submit(request: Request, db: SessionDep, user: MarketingUser, post_id: PathId):
    return _action(
        request, db, user, post_id, lambda p: posts.submit_for_approval(db=db, post=p, actor=user)
    )


@pages.post("/posts/{post_id}/review", name="post_review")
def post_review(
    request: Request,
    db: SessionDep,
    user: ClinicianUser,
    post_id: PathId,
    decision: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
    version: Annotated[str, Form()] = "",
):
    def review(post: Post) -> Post:
        return posts.review(
            db=db,
            post=post,
            clinician=user,
            approve=_approving(decision),
            comment=comment,
            expected_version=whole_number(version),
        )

    response = _action(request, db, user, post_id, review, form={"comment": comment})
    if isinstance(response, RedirectResponse):  # done: not refused
        if decision == "approve":
            flash(request, "Post approved.")
        else:
            flash(request, "Post rejected.")
    return response


@pages.post("/posts/{post_id}/schedule", name="post_schedule")
def post_schedule(
    request: Request,
    db: SessionDep,
    user: MarketingUser,
    post_id: PathId,
    date: Annotated[str, Form()] = "",
    time: Annotated[str, Form()] = "09:00",
):
    def schedule(post: Post) -> Post:
        when = local_moment(date, time)
        if when is None:
            raise InvalidInput("choose a date", field="date")
        return posts.schedule(db=db, post=post, when=when, actor=user)

    return _action(request, db, user, post_id, schedule, form={"date": date, "time": time})


@pages.post("/posts/{post_id}/publish-now", name="post_publish_now")
def post_publish_now(request: Request, db: SessionDep, user: MarketingUser, post_id: PathId):
    return _action(
        request, db, user, post_id, lambda p: publish.publish_now(db=db, post=p, actor=user)
    )


@pages.post("/posts/{post_id}/publish-again", name="post_publish_again")
def post_publish_again(
    request: Request,
    db: SessionDep,
    user: MarketingUser,
    post_id: PathId,
    confirm: Annotated[str, Form()] = "",
):
    return _action(
        request,
        db,
        user,
        post_id,
        lambda p: publish.publish_again(db=db, post=p, actor=user, confirmed=confirm == "yes"),
    )


@pages.post("/posts/{post_id}/pause", name="post_pause")
def post_pause(request: Request, db: SessionDep, user: MarketingUser, post_id: PathId):
    return _action(
        request,
        db,
        user,
        post_id,
        lambda p: posts.set_paused(db=db, post=p, paused=True, actor=user),
    )


@pages.post("/posts/{post_id}/resume", name="post_resume")
def post_resume(request: Request, db: SessionDep, user: MarketingUser, post_id: PathId):
    return _action(
        request,
        db,
        user,
        post_id,
        lambda p: posts.set_paused(db=db, post=p, paused=False, actor=user),
    )


@pages.post("/posts/{post_id}/cancel", name="post_cancel")
def post_cancel(request: Request, db: SessionDep, user: MarketingUser, post_id: PathId):
    return _action(request, db, user, post_id, lambda p: posts.cancel(db=db, post=p, actor=user))


@pages.post("/posts/{post_id}/deliveries/{delivery_id}/resolve", name="delivery_resolve")
def delivery_resolve(
    db: SessionDep,
    user: MarketingUser,
    post_id: PathId,
    delivery_id: PathId,
    request: Request,
    outcome: Annotated[str, Form()],
    url: Annotated[str, Form()] = "",
):
    def resolve(post: Post) -> Post:
        posts.resolve_uncertain(
            db=db,
            post_id=post.id,
            delivery_id=delivery_id,
            published=outcome == "published",
            url=url.strip() or None,
            actor=user,
        )
        return post

    return _action(request, db, user, post_id, resolve)


@pages.get("/posts-import", name="post_import_form")
def post_import_form(request: Request, _user: MarketingUser):
    return render(request, "posts/import.html", {"columns": importer.COLUMNS})


@pages.post("/posts-import", name="post_import")
async def post_import(request: Request, db: SessionDep, user: MarketingUser, file: UploadFile):
    raw = await file.read(5 * 1024 * 1024 + 1)
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError:
        problem = importer.Problem(InvalidInput("the file is not UTF-8 text"))
        content, result = "", importer.ImportResult(errors=[problem])
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
