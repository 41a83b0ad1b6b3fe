"""Support groups: pages and API for finding, joining, writing, reacting, reporting and moderating."""

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from app.deps import CurrentUser, PathId, SessionDep, StaffUser
from app.errors import InvalidInput
from app.groups import categories, follows, images, threads
from app.groups import service as groups
from app.groups.models import (
    REACTIONS,
    GroupCreate,
    GroupPostPublic,
    GroupPublic,
    TextIn,
    ThreadIn,
)
from app.review import service as review
from web.flash import flash
from web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/groups", tags=["groups"])


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@pages.get("/groups", name="group_list")
def group_list(request: Request, db: SessionDep, user: CurrentUser, q: str = ""):
    context = {
        "groups": groups.list_groups(db=db, viewer=user, q=q),
        "q": q,
        "can_create": user.role in groups.CREATORS,
    }
    return render(request, "groups/list.html", context)


@pages.post("/groups", name="group_create")
def group_create(
    db: SessionDep,
    user: StaffUser,
    name: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    rules: Annotated[str, Form()] = "",
    visibility: Annotated[str, Form()] = "public",
):
    data = GroupCreate.model_validate(
        {"name": name, "description": description, "rules": rules, "visibility": visibility}
    )
    group = groups.create(db=db, data=data, actor=user)
    return _see(f"/groups/{group.id}")


def _category(value: str | None) -> int | None:
    """A category id from a form or a query ("" for none); a 422 for anything else."""
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 2**31 - 1:
        raise InvalidInput("no such category in this group", field="category_id")
    return int(value)


@pages.get("/groups/{group_id}", name="group_detail")
def group_detail(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    group_id: PathId,
    cursor: str | None = None,
    category: str | None = None,
):
    group, membership = groups.get(db=db, viewer=user, group_id=group_id)
    context = {"group": group, "membership": membership, "readable": False}
    if groups.can_read(group, membership):
        chosen = _category(category)
        rows, next_cursor = threads.threads(
            db=db, viewer=user, group=group, cursor=cursor, category_id=chosen
        )
        pinned = [] if cursor or chosen else threads.pinned(db=db, group=group)
        shown = threads.public(db, pinned + rows, user)
        context |= {
            "readable": True,
            "categories": categories.of_group(db=db, group_id=group.id),
            "category": chosen,
            "pinned": shown[: len(pinned)],
            "threads": shown[len(pinned) :],
            "next_cursor": next_cursor,
            "manager": groups.is_manager(membership),
            "active": groups.is_active(membership),
            "queue_count": review.counts(db, user) if groups.is_manager(membership) else 0,
        }
    return render(request, "groups/detail.html", context)


@pages.post("/groups/{group_id}/join", name="group_join")
def group_join(
    db: SessionDep,
    user: CurrentUser,
    group_id: PathId,
    accept_rules: Annotated[bool, Form()] = False,
):
    groups.join(db=db, viewer=user, group_id=group_id, accept_rules=accept_rules)
    return _see(f"/groups/{group_id}")


@pages.post("/groups/{group_id}/leave", name="group_leave")
def group_leave(db: SessionDep, user: CurrentUser, group_id: PathId):
    groups.leave(db=db, viewer=user, group_id=group_id)
    return _see("/groups")


@pages.get("/groups/{group_id}/members", name="group_members")
def group_members(request: Request, db: SessionDep, user: CurrentUser, group_id: PathId):
    group, membership = groups.get_managed(db=db, viewer=user, group_id=group_id)
    context = {
        "group": group,
        "membership": membership,
        "members": groups.members(db=db, group_id=group.id),
        "categories": categories.of_group(db=db, group_id=group.id),
    }
    return render(request, "groups/members.html", context)


@pages.post("/groups/{group_id}/members/{user_id}", name="group_member_action")
def group_member_action(
    db: SessionDep,
    user: CurrentUser,
    group_id: PathId,
    user_id: PathId,
    action: Annotated[str, Form()] = "",
    role: Annotated[str | None, Form()] = None,
    reason: Annotated[str, Form()] = "",
    days: Annotated[int | None, Form()] = None,
):
    groups.manage_member(
        db=db,
        viewer=user,
        group_id=group_id,
        user_id=user_id,
        action=action,
        role=role,
        reason=reason,
        days=days,
    )
    return _see(f"/groups/{group_id}/members")


@pages.post("/groups/{group_id}/invite", name="group_invite")
def group_invite(
    db: SessionDep, user: CurrentUser, group_id: PathId, username: Annotated[str, Form()] = ""
):
    groups.invite(db=db, viewer=user, group_id=group_id, username=username)
    return _see(f"/groups/{group_id}/members")


def _image(upload: UploadFile | None) -> tuple[str, bytes] | None:
    """The uploaded image's name and bytes (one byte over the limit is enough to refuse it)."""
    if upload is None or isinstance(upload, str) or not upload.filename:
        return None
    return upload.filename, upload.file.read(images.MAX_BYTES + 1)


@pages.post("/groups/{group_id}/posts", name="group_post_create")
def group_post_create(
    db: SessionDep,
    user: CurrentUser,
    group_id: PathId,
    text: Annotated[str, Form()] = "",
    # Required by the page's form; a client that sends no title gets the text's first line.
    title: Annotated[str | None, Form()] = None,
    category_id: Annotated[str, Form()] = "",
    image: Annotated[UploadFile | None, File()] = None,
):
    post = threads.write(
        db=db,
        viewer=user,
        group_id=group_id,
        text=text,
        title=title,
        category_id=_category(category_id),
        image=_image(image),
    )
    return _see(f"/groups/{group_id}/posts/{post.id}")


@pages.get("/groups/{group_id}/posts/{post_id}", name="group_thread")
def group_thread(
    request: Request, db: SessionDep, user: CurrentUser, group_id: PathId, post_id: PathId
):
    group, membership = groups.get_readable(db=db, viewer=user, group_id=group_id)
    thread = threads.thread_start(db=db, viewer=user, group=group, post_id=post_id)
    context = {
        "group": group,
        "membership": membership,
        "thread": threads.public(db, [thread], user)[0],
        "own_ids": {p.id for p in [thread] if p.author_id == user.id},
        "replies": threads.public(
            db, replies := threads.replies(db=db, viewer=user, thread=thread), user
        ),
        "own_replies": {p.id for p in replies if p.author_id == user.id},
        "active": groups.is_active(membership),
        "manager": groups.is_manager(membership),
        "reactions": REACTIONS,
        "following": follows.is_following(db=db, user_id=user.id, thread_id=thread.id),
    }
    return render(request, "groups/thread.html", context)


@pages.post("/groups/{group_id}/posts/{post_id}/replies", name="group_reply")
def group_reply(
    db: SessionDep,
    user: CurrentUser,
    group_id: PathId,
    post_id: PathId,
    text: Annotated[str, Form()] = "",
    image: Annotated[UploadFile | None, File()] = None,
):
    threads.write(
        db=db, viewer=user, group_id=group_id, text=text, parent_id=post_id, image=_image(image)
    )
    return _see(f"/groups/{group_id}/posts/{post_id}")


@pages.post("/groups/{group_id}/posts/{post_id}/react", name="group_react")
def group_react(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    group_id: PathId,
    post_id: PathId,
    kind: Annotated[str, Form()] = "",
    on: Annotated[bool, Form()] = True,
):
    threads.react(db=db, viewer=user, group_id=group_id, post_id=post_id, kind=kind, on=on)
    _group, _membership, post = threads.get_post(
        db=db, viewer=user, group_id=group_id, post_id=post_id
    )
    shown = threads.public(db, [post], user)[0]
    context = {"post": shown, "reactions": REACTIONS, "active": True}
    return render(request, "groups/_reactions.html", context)


@pages.post("/groups/{group_id}/posts/{post_id}/report", name="group_report")
def group_report(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    group_id: PathId,
    post_id: PathId,
    reason: Annotated[str, Form()] = "",
    label: Annotated[str, Form()] = "",
):
    threads.report(
        db=db, viewer=user, group_id=group_id, post_id=post_id, reason=reason, label=label or None
    )
    flash(request, "Thank you: the group's moderators will look at your report.")
    return _see(f"/groups/{group_id}")


@pages.post("/groups/{group_id}/posts/{post_id}/pin", name="group_pin")
def group_pin(db: SessionDep, user: CurrentUser, group_id: PathId, post_id: PathId):
    threads.set_pinned(db=db, viewer=user, group_id=group_id, post_id=post_id)
    return _see(f"/groups/{group_id}")


# ---- API ----


class JoinIn(BaseModel):
    accept_rules: bool = False


class ReportIn(BaseModel):
    reason: str = Field(min_length=1, max_length=300)
    label: str | None = None


class ReactionIn(BaseModel):
    kind: str
    on: bool = Field(default=True, description="false takes the reaction off")


class MemberActionIn(BaseModel):
    action: str
    role: str | None = None
    reason: str = ""
    days: int | None = None


class ThreadPage(BaseModel):
    items: list[GroupPostPublic]
    next_cursor: str | None


@api.get("", response_model=list[GroupPublic])
def api_groups(db: SessionDep, user: CurrentUser, q: str = ""):
    return groups.list_groups(db=db, viewer=user, q=q)


@api.post("", response_model=GroupPublic, status_code=201)
def api_group_create(db: SessionDep, user: StaffUser, data: GroupCreate):
    group = groups.create(db=db, data=data, actor=user)
    membership = groups.membership_of(db=db, group_id=group.id, user_id=user.id)
    return groups.public(group, membership, 1)


@api.get("/{group_id}", response_model=GroupPublic)
def api_group(db: SessionDep, user: CurrentUser, group_id: PathId):
    group, membership = groups.get(db=db, viewer=user, group_id=group_id)
    return groups.public(group, membership)


@api.post("/{group_id}/join")
def api_join(db: SessionDep, user: CurrentUser, group_id: PathId, data: JoinIn | None = None):
    membership = groups.join(
        db=db, viewer=user, group_id=group_id, accept_rules=bool(data and data.accept_rules)
    )
    return {"group_id": group_id, "status": str(membership.status)}


@api.get("/{group_id}/posts", response_model=ThreadPage)
def api_posts(db: SessionDep, user: CurrentUser, group_id: PathId, cursor: str | None = None):
    group, _membership = groups.get_readable(db=db, viewer=user, group_id=group_id)
    rows, next_cursor = threads.threads(db=db, viewer=user, group=group, cursor=cursor)
    return ThreadPage(items=threads.public(db, rows, user), next_cursor=next_cursor)


@api.post("/{group_id}/posts", response_model=GroupPostPublic, status_code=201)
def api_post_create(db: SessionDep, user: CurrentUser, group_id: PathId, data: ThreadIn):
    post = threads.write(
        db=db,
        viewer=user,
        group_id=group_id,
        text=data.text,
        title=data.title,
        category_id=data.category_id,
    )
    return threads.public(db, [post])[0]


@api.get("/{group_id}/posts/{post_id}/replies", response_model=list[GroupPostPublic])
def api_replies(db: SessionDep, user: CurrentUser, group_id: PathId, post_id: PathId):
    group, _membership = groups.get_readable(db=db, viewer=user, group_id=group_id)
    thread = threads.thread_start(db=db, viewer=user, group=group, post_id=post_id)
    return threads.public(db, threads.replies(db=db, viewer=user, thread=thread), user)


@api.post("/{group_id}/posts/{post_id}/replies", response_model=GroupPostPublic, status_code=201)
def api_reply(db: SessionDep, user: CurrentUser, group_id: PathId, post_id: PathId, data: TextIn):
    post = threads.write(db=db, viewer=user, group_id=group_id, text=data.text, parent_id=post_id)
    return threads.public(db, [post])[0]


@api.post("/{group_id}/posts/{post_id}/reports", status_code=201)
def api_report(
    db: SessionDep, user: CurrentUser, group_id: PathId, post_id: PathId, data: ReportIn
):
    item = threads.report(
        db=db,
        viewer=user,
        group_id=group_id,
        post_id=post_id,
        reason=data.reason,
        label=data.label,
    )
    return {"reported": True, "review_status": str(item.status)}


@api.post("/{group_id}/posts/{post_id}/reactions")
def api_react(
    db: SessionDep, user: CurrentUser, group_id: PathId, post_id: PathId, data: ReactionIn
):
    on = threads.react(
        db=db, viewer=user, group_id=group_id, post_id=post_id, kind=data.kind, on=data.on
    )
    return {"kind": data.kind, "on": on}


@api.post("/{group_id}/members/{user_id}")
def api_member_action(
    db: SessionDep, user: CurrentUser, group_id: PathId, user_id: PathId, data: MemberActionIn
):
    membership = groups.manage_member(
        db=db, viewer=user, group_id=group_id, user_id=user_id, **data.model_dump()
    )
    return {"user_id": user_id, "status": str(membership.status), "role": str(membership.role)}
