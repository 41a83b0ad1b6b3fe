"""Fixtures for publishing: channels, a marketer, a verified clinician, and a helper to move time."""

from datetime import timedelta

import pytest

from app.accounts.models import Role
from app.channels import service as channels
from app.channels.models import ChannelKind
from app.clock import utcnow
from app.database import session_scope
from app.posts import service as posts
from app.posts.models import PostCreate

X_CREDS = {
    "consumer_key": "ck",
    "consumer_secret": "cs",
    "access_token": "at",
    "access_token_secret": "ats",
}
FB_CREDS = {"page_id": "1234", "page_access_token": "page-token"}


@pytest.fixture
def marketer(make_user):
    return make_user(Role.marketing)


@pytest.fixture
def clinician(make_user):
    return make_user(Role.clinician, verified=True)


def _channel(make_user, kind, name, creds):
    admin = make_user(Role.admin)
    with session_scope() as db:
        return channels.create(db=db, kind=kind, name=name, credentials=creds, actor=admin)


@pytest.fixture
def outbox(make_user):
    return _channel(make_user, ChannelKind.outbox, "Outbox", {})


@pytest.fixture
def x_channel(make_user):
    return _channel(make_user, ChannelKind.x, "X clinic", X_CREDS)


@pytest.fixture
def fb_channel(make_user):
    return _channel(make_user, ChannelKind.facebook, "Facebook page", FB_CREDS)


@pytest.fixture
def new_post(marketer):
    """Factory: new_post(channels=[...], text=..., in_seconds=0, health_claim=False) -> post id."""

    def make(channel_list, text="Abrimos el sábado de 9 a 14 h", in_seconds=0, **extra):
        when = utcnow() + timedelta(seconds=in_seconds) if in_seconds is not None else None
        with session_scope() as db:
            post = posts.create(
                db=db,
                author=marketer,
                data=PostCreate(
                    text=text, channels=[c.id for c in channel_list], scheduled_at=when, **extra
                ),
            )
            return post.id

    return make
