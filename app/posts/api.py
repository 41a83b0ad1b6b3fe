"""The posts API: create, read, review, publish now or again, cancel, and comments under a post."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, field_validator

from app.deps import ClinicianUser, MarketingUser, PathId, PostViewer, SessionDep
from app.posts import comments, publish
from app.posts import service as posts
from app.posts.models import PostCreate, PostPublic, PostStatus, web_link

api = APIRouter(prefix="/api", tags=["posts"])


class PostCreateRequest(BaseModel):
    text: str = Field(min_length=1, max_length=63206)
    link: str | None = Field(
        default=None, max_length=2000, description="an absolute http(s) URL with a host"
    )
    channels: list[int | str] = Field(min_length=1)
    channel_texts: dict[str, str] = Field(default_factory=dict)
    scheduled_at: datetime | None = None
    health_claim: bool = False
    recurrence: dict | None = None

    _check_link = field_validator("link")(web_link)


class ReviewRequest(BaseModel):
    approve: bool
    comment: str | None = Field(default=None, max_length=1000)
    version: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="the version reviewed; refused if it changed"
    )


class PublishAgainRequest(BaseModel):
    confirm: bool = Field(description="true: send the same text again, as a new post")


def _audited(db, user, action):
    """Run action; a refused approval bypass is written to the audit log before the error answer."""
    try:
        return action()
    except posts.ApprovalRequired as error:
        db.rollback()
        posts.record_refusal(db=db, error=error, actor=user)
        db.commit()
        raise


@api.post("/posts", response_model=PostPublic, status_code=201)
def api_post_create(db: SessionDep, user: MarketingUser, body: PostCreateRequest):
    post = posts.create(db=db, author=user, data=PostCreate(**body.model_dump()))
    return posts.public_view(db=db, post=post)


@api.post("/posts/{post_id}/publish-now", response_model=PostPublic)
def api_post_publish_now(db: SessionDep, user: MarketingUser, post_id: PathId):
    """Send now what is not yet sent; a post already published everywhere answers 409."""
    post = posts.get(db=db, post_id=post_id)
    _audited(db, user, lambda: publish.publish_now(db=db, post=post, actor=user))
    return posts.public_view(db=db, post=post)


@api.post("/posts/{post_id}/publish-again", response_model=PostPublic, status_code=201)
def api_post_publish_again(
    db: SessionDep, user: MarketingUser, post_id: PathId, body: PublishAgainRequest
):
    """A published post copied as a new post (with `confirm: true`); it needs its own approval."""
    post = posts.get(db=db, post_id=post_id)
    copy = publish.publish_again(db=db, post=post, actor=user, confirmed=body.confirm)
    return posts.public_view(db=db, post=copy)


@api.get("/posts", response_model=list[PostPublic])
def api_post_list(
    db: SessionDep, _user: PostViewer, status: Annotated[PostStatus | None, Query()] = None
):
    return [posts.public_view(db=db, post=p) for p in posts.list_posts(db=db, status=status)]


@api.get("/posts/{post_id}", response_model=PostPublic)
def api_post(db: SessionDep, _user: PostViewer, post_id: PathId):
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
def api_post_comments(db: SessionDep, _user: PostViewer, post_id: PathId):
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
def api_post_review(db: SessionDep, user: ClinicianUser, post_id: PathId, body: ReviewRequest):
    post = posts.review(
        db=db,
        post=posts.get(db=db, post_id=post_id),
        clinician=user,
        approve=body.approve,
        comment=body.comment,
        expected_version=body.version,
    )
    return posts.public_view(db=db, post=post)


@api.post("/posts/{post_id}/cancel", response_model=PostPublic)
def api_post_cancel(db: SessionDep, user: MarketingUser, post_id: PathId):
    post = posts.cancel(db=db, post=posts.get(db=db, post_id=post_id), actor=user)
    return posts.public_view(db=db, post=post)
