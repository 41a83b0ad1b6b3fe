"""Group pages for finding and changing posts: search, edit, delete, history, follow, images and
the group's categories."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from app.deps import CurrentUser, PathId, SessionDep
from app.errors import NotFound
from app.groups import categories, editing, images, threads
from app.groups.models import GroupPostImage
from app.groups.search import search
from web.flash import flash
from web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/groups", tags=["groups"])


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _thread_url(group_id: int, post) -> str:
    return f"/groups/{group_id}/posts/{post.parent_id or post.id}#post-{post.id}"


@pages.get("/groups/{group_id}/search", name="group_search")
def group_search(
    request: Request, db: SessionDep, user: CurrentUser, group_id: PathId, q: str = ""
):
    group, found, parents = search(db=db, viewer=user, group_id=group_id, q=q[:200])
    context = {
        "group": group,
        "q": q[:200],
        "results": threads.public(db, found, user),
        "titles": {i: p.title for i, p in parents.items()},
    }
    return render(request, "groups/search.html", context)


@pages.post("/groups/{group_id}/posts/{post_id}/edit", name="group_post_edit")
def group_post_edit(
    request: Request,
    db: SessionDep,
    user: CurrentUser,
    group_id: PathId,
    post_id: PathId,
    text: Annotated[str, Form()] = "",
    title: Annotated[str | None, Form()] = None,
):
    post = editing.edit(
        db=db, viewer=user, group_id=group_id, post_id=post_id, text=text, title=title
    )
    if post.status != "visible":
        flash(request, "Your edit is waiting for review: only you can see the post until then.")
    return _see(_thread_url(group_id, post))


@pages.post("/groups/{group_id}/posts/{post_id}/delete", name="group_post_delete")
def group_post_delete(
    request: Request, db: SessionDep, user: CurrentUser, group_id: PathId, post_id: PathId
):
    post = editing.delete(db=db, viewer=user, group_id=group_id, post_id=post_id)
    flash(request, "Your post was deleted.")
    if post.parent_id is None:
        return _see(f"/groups/{group_id}")
    return _see(f"/groups/{group_id}/posts/{post.parent_id}")


@pages.get("/groups/{group_id}/posts/{post_id}/history", name="group_post_history")
def group_post_history(
    request: Request, db: SessionDep, user: CurrentUser, group_id: PathId, post_id: PathId
):
    group, post, versions = editing.history(db=db, viewer=user, group_id=group_id, post_id=post_id)
    context = {
        "group": group,
        "post": post,
        "author": threads.authors(db, [post]).get(post.author_id),
        "versions": versions,
    }
    return render(request, "groups/history.html", context)


@pages.post("/groups/{group_id}/posts/{post_id}/follow", name="group_follow")
def group_follow(
    db: SessionDep,
    user: CurrentUser,
    group_id: PathId,
    post_id: PathId,
    on: Annotated[bool, Form()] = True,
):
    editing.follow(db=db, viewer=user, group_id=group_id, post_id=post_id, on=on)
    return _see(f"/groups/{group_id}/posts/{post_id}")


@pages.get("/groups/{group_id}/images/{image_id}", name="group_image")
def group_image(db: SessionDep, user: CurrentUser, group_id: PathId, image_id: PathId):
    image = db.get(GroupPostImage, image_id)
    if image is None:
        raise NotFound("no such image")
    threads.get_post(db=db, viewer=user, group_id=group_id, post_id=image.post_id)
    return Response(
        images.read(image),
        media_type=image.mime_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@pages.post("/groups/{group_id}/categories", name="group_category_add")
def group_category_add(
    db: SessionDep, user: CurrentUser, group_id: PathId, name: Annotated[str, Form()] = ""
):
    categories.create(db=db, viewer=user, group_id=group_id, name=name)
    return _see(f"/groups/{group_id}/members#categories")


@pages.post("/groups/{group_id}/categories/{category_id}/delete", name="group_category_delete")
def group_category_delete(db: SessionDep, user: CurrentUser, group_id: PathId, category_id: PathId):
    categories.delete(db=db, viewer=user, group_id=group_id, category_id=category_id)
    return _see(f"/groups/{group_id}/members#categories")
