"""The clinician network: feed, search, posting cases, events and jobs, comments and follows."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from app.deps import MAX_ID, NetworkUser, PathId, SessionDep
from app.errors import InvalidInput
from app.network import cases
from app.network import service as network
from app.network.models import FollowIn, NetworkPostCreate, NetworkPostPublic
from app.settings import get_settings
from web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/network", tags=["network"])


def _form_post(form) -> NetworkPostCreate:
    """The post form (a FormData: poll options repeat) as the schema."""
    starts_at = None
    if form.get("starts_date"):
        try:
            naive = datetime.fromisoformat(
                f"{form['starts_date']}T{form.get('starts_time') or '00:00'}"
            )
        except ValueError:
            raise InvalidInput(
                "give the date as YYYY-MM-DD and the time as HH:MM", field="starts_at"
            ) from None
        starts_at = naive.replace(tzinfo=get_settings().zone)
    fields = {
        k: (str(v).strip() or None)
        for k, v in form.items()
        if k in ("place", "hours", "contact", "topic")
    }
    poll = [str(v) for v in form.getlist("poll")]
    return NetworkPostCreate.model_validate(
        {
            "kind": form.get("kind"),
            "anonymous": form.get("anonymous") == "on",
            "poll": poll or None,
            "title": form.get("title", ""),
            "text": form.get("text", ""),
            "starts_at": starts_at,
            **fields,
        }
    )


@pages.get("/network", name="network_feed")
def network_feed(
    request: Request,
    db: SessionDep,
    user: NetworkUser,
    cursor: str | None = None,
    q: str = "",
    topic: str = "",
    kind: str = "",
):
    people, topics = network.following(db, user)
    rows, next_cursor = network.browse(
        db=db, viewer=user, cursor=cursor, q=q, topic=topic, kind=kind, follows=(people, topics)
    )
    context = {
        "posts": cases.public(db, rows, user),
        "next_cursor": next_cursor,
        "filters": {"q": q, "topic": topic, "kind": kind},
        "waiting": [] if cursor else network.waiting(db=db, viewer=user),
        "followed_people": set(people),
        "followed_topics": topics,
        "more_only": bool(cursor) and request.headers.get("hx-request") == "true",
    }
    template = "network/_page.html" if context["more_only"] else "network/feed.html"
    return render(request, template, context)


@pages.post("/network/posts", name="network_post_create")
async def network_post_create(request: Request, db: SessionDep, user: NetworkUser):
    form = await request.form()
    post = network.create(db=db, author=user, data=_form_post(form))
    return RedirectResponse(f"/network/posts/{post.id}", status_code=303)


@pages.get("/network/posts/{post_id}", name="network_post")
def network_post(request: Request, db: SessionDep, user: NetworkUser, post_id: PathId):
    post = network.get(db=db, viewer=user, post_id=post_id)
    comments = network.comments(db=db, viewer=user, post=post)
    people, topics = network.following(db, user)
    context = {
        "post": cases.public(db, [post], user)[0],
        "comments": comments,
        "authors": {u.id: u for u in network.authors_of(db, comments)},
        # The anonymous author's own comments stay anonymous too.
        "hidden_author": None if cases.sees_author(user, post) else post.author_id,
        "mine": post.author_id == user.id,
        "followed_people": set(people),
        "followed_topics": topics,
    }
    return render(request, "network/detail.html", context)


@pages.post("/network/posts/{post_id}/edit", name="network_post_edit")
async def network_post_edit(request: Request, db: SessionDep, user: NetworkUser, post_id: PathId):
    form = await request.form()
    network.update(db=db, viewer=user, post_id=post_id, data=_form_post(form))
    return RedirectResponse(f"/network/posts/{post_id}", status_code=303)


@pages.post("/network/posts/{post_id}/comments", name="network_comment")
def network_comment(
    db: SessionDep, user: NetworkUser, post_id: PathId, text: Annotated[str, Form()] = ""
):
    network.comment(db=db, viewer=user, post_id=post_id, text=text)
    return RedirectResponse(f"/network/posts/{post_id}", status_code=303)


@pages.post("/network/follow", name="network_follow")
def network_follow(
    request: Request,
    db: SessionDep,
    user: NetworkUser,
    user_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
    topic: Annotated[str | None, Form()] = None,
    following: Annotated[bool, Form()] = True,
):
    network.follow(db=db, viewer=user, user_id=user_id, topic=topic, on=following)
    back = request.headers.get("referer", "/network")
    return RedirectResponse(
        back if back.startswith(str(request.base_url)) else "/network", status_code=303
    )


class FeedPage(BaseModel):
    items: list[NetworkPostPublic]
    next_cursor: str | None


class CommentIn(BaseModel):
    text: str


@api.get("/posts", response_model=FeedPage)
def api_feed(
    db: SessionDep,
    user: NetworkUser,
    cursor: str | None = None,
    q: str = "",
    topic: str = "",
    kind: str = "",
):
    rows, next_cursor = network.browse(
        db=db, viewer=user, cursor=cursor, q=q, topic=topic, kind=kind
    )
    return FeedPage(items=cases.public(db, rows, user), next_cursor=next_cursor)


@api.post("/posts", response_model=NetworkPostPublic, status_code=201)
def api_post_create(db: SessionDep, user: NetworkUser, data: NetworkPostCreate):
    return cases.public(db, [network.create(db=db, author=user, data=data)], user)[0]


@api.get("/posts/{post_id}", response_model=NetworkPostPublic)
def api_post(db: SessionDep, user: NetworkUser, post_id: PathId):
    return cases.public(db, [network.get(db=db, viewer=user, post_id=post_id)], user)[0]


@api.post("/posts/{post_id}/comments", status_code=201)
def api_comment(db: SessionDep, user: NetworkUser, post_id: PathId, data: CommentIn):
    item = network.comment(db=db, viewer=user, post_id=post_id, text=data.text)
    return {"id": item.id, "status": str(item.status)}


@api.post("/follows")
def api_follow(db: SessionDep, user: NetworkUser, data: FollowIn):
    on = network.follow(
        db=db, viewer=user, user_id=data.user_id, topic=data.topic, on=data.following
    )
    return {"following": on}


@pages.post("/network/posts/{post_id}/useful", name="network_useful")
def network_useful(db: SessionDep, user: NetworkUser, post_id: PathId):
    cases.toggle_useful(db=db, viewer=user, post_id=post_id)
    return RedirectResponse(f"/network/posts/{post_id}", status_code=303)


@pages.post("/network/posts/{post_id}/vote", name="network_vote")
def network_vote(
    db: SessionDep,
    user: NetworkUser,
    post_id: PathId,
    option_id: Annotated[int, Form(ge=1, le=MAX_ID)],
):
    cases.vote(db=db, viewer=user, post_id=post_id, option_id=option_id)
    return RedirectResponse(f"/network/posts/{post_id}", status_code=303)


class VoteIn(BaseModel):
    option_id: int = Field(ge=1, le=MAX_ID)


@api.post("/posts/{post_id}/useful")
def api_useful(db: SessionDep, user: NetworkUser, post_id: PathId):
    """Toggle: the first call marks the post useful, the next one unmarks it."""
    return {"useful": cases.toggle_useful(db=db, viewer=user, post_id=post_id)}


@api.post("/posts/{post_id}/vote", response_model=NetworkPostPublic)
def api_vote(db: SessionDep, user: NetworkUser, post_id: PathId, data: VoteIn):
    """One vote per clinician; a second vote changes nothing. Answers the post with its results."""
    cases.vote(db=db, viewer=user, post_id=post_id, option_id=data.option_id)
    return cases.public(db, [network.get(db=db, viewer=user, post_id=post_id)], user)[0]
