"""Connecting channels, building their connectors, and the outbox's storage."""

import threading
from datetime import datetime

from sqlmodel import Session, col, func, select

from app.accounts.models import User
from app.audit import service as audit
from app.channels import crypto
from app.channels.models import (
    Channel,
    ChannelKind,
    ChannelStatus,
    OutboxComment,
    OutboxMessage,
)
from app.errors import Conflict, InvalidInput, NotFound
from app.settings import get_settings
from connectors.base import ChannelError, Comment, Connector, ErrorKind
from connectors.facebook import FacebookConnector
from connectors.outbox import OutboxConnector
from connectors.x import XConnector

REQUIRED = {
    ChannelKind.outbox: (),
    ChannelKind.x: ("consumer_key", "consumer_secret", "access_token", "access_token_secret"),
    ChannelKind.facebook: ("page_id", "page_access_token"),
}
OAUTH2_FIELDS = (
    "oauth2_access_token",
    "oauth2_refresh_token",
    "oauth2_expires_at",
    "client_id",
    "client_secret",
)
OPTIONAL = {
    ChannelKind.x: ("oauth2_access_token",),
    ChannelKind.facebook: ("app_secret",),
    ChannelKind.outbox: (),
}


def _clean_credentials(kind: ChannelKind, given: dict) -> dict:
    values = {k: str(v).strip() for k, v in given.items() if v and str(v).strip()}
    if kind == ChannelKind.x and values.get("oauth2_access_token"):
        return {k: values[k] for k in OAUTH2_FIELDS if k in values}
    missing = [name for name in REQUIRED[kind] if not values.get(name)]
    if missing:
        raise InvalidInput("missing {fields}", field=missing[0], fields=", ".join(missing))
    return {k: values[k] for k in REQUIRED[kind] + OPTIONAL[kind] if k in values}


def create(*, db: Session, kind: ChannelKind, name: str, credentials: dict, actor: User) -> Channel:
    """Connect a channel; credentials are encrypted before they reach the database."""
    name = name.strip()
    if not 1 <= len(name) <= 60:
        raise InvalidInput("give the channel a name of 1 to 60 characters", field="name")
    if db.exec(select(Channel).where(Channel.name == name)).first():
        raise Conflict("a channel named “{name}” exists already", field="name", name=name)
    channel = Channel(
        kind=kind,
        name=name,
        credentials_encrypted=crypto.encrypt(_clean_credentials(kind, credentials)),
        created_by=actor.id,
        account_label="local outbox" if kind == ChannelKind.outbox else None,
    )
    db.add(channel)
    db.flush()
    audit.record(
        db,
        actor=actor,
        action="channel.connect",
        object_type="channel",
        object_id=channel.id,
        kind=str(kind),
    )
    return channel


def get(*, db: Session, channel_id: int) -> Channel:
    """The channel with this id, or NotFound."""
    channel = db.get(Channel, channel_id)
    if channel is None:
        raise NotFound("no such channel")
    return channel


def list_channels(*, db: Session, usable_only: bool = False) -> list[Channel]:
    """All channels by name; usable_only leaves out disabled ones."""
    query = select(Channel).order_by(Channel.name)
    if usable_only:
        query = query.where(Channel.status != ChannelStatus.disabled)
    return list(db.exec(query))


def resolve(*, db: Session, refs: list[int | str]) -> list[Channel]:
    """Channels named by id, name or kind; an unknown one is a 422 that names it."""
    channels = list_channels(db=db, usable_only=True)
    found, unknown = [], []
    for ref in refs:
        match = [
            c
            for c in channels
            if c.id == ref
            or (isinstance(ref, str) and ref.strip().lower() in (c.name.lower(), str(c.kind)))
        ]
        if not match:
            unknown.append(str(ref))
        elif match[0] not in found:
            found.append(match[0])
    if unknown:
        raise InvalidInput("unknown channel: {names}", field="channels", names=", ".join(unknown))
    if not found:
        raise InvalidInput("choose at least one channel", field="channels")
    return found


class DatabaseOutbox:
    """The outbox connector's storage: a table in carepost's database, in its own short transaction."""

    def __init__(self, engine):
        self.engine = engine

    def add(self, channel_id: int, text: str, link: str | None, media_count: int) -> str:
        with Session(self.engine) as db:
            message = OutboxMessage(
                channel_id=channel_id, text=text, link=link, media_count=media_count
            )
            db.add(message)
            db.commit()
            return str(message.id)

    def find(self, channel_id: int, text: str, since: datetime) -> str | None:
        with Session(self.engine) as db:
            query = select(OutboxMessage.id).where(
                OutboxMessage.channel_id == channel_id,
                OutboxMessage.text == text,
                OutboxMessage.created_at >= since,
            )
            found = db.exec(query.order_by(col(OutboxMessage.id).desc())).first()
            return str(found) if found else None

    def counters(self, remote_id: str) -> dict[str, int]:
        with Session(self.engine) as db:
            query = select(func.count()).where(
                OutboxComment.message_id == int(remote_id), col(OutboxComment.hidden).is_(False)
            )
            return {"comments": db.exec(query).one()}

    def comments(self, remote_id: str, since: datetime | None) -> list[Comment]:
        with Session(self.engine) as db:
            query = select(OutboxComment).where(
                OutboxComment.message_id == int(remote_id), col(OutboxComment.from_page).is_(False)
            )
            if since is not None:
                query = query.where(OutboxComment.created_at >= since)
            return [
                Comment(
                    remote_id=str(c.id),
                    text=c.text,
                    author=c.author_name,
                    created_at=c.created_at,
                    parent_id=str(c.parent_id) if c.parent_id else None,
                )
                for c in db.exec(query.order_by(col(OutboxComment.id)))
            ]

    def hide_comment(self, comment_id: str, hidden: bool) -> None:
        with Session(self.engine) as db:
            comment = db.get(OutboxComment, int(comment_id))
            if comment is None:
                raise ChannelError(ErrorKind.final, "the comment no longer exists on the outbox")
            comment.hidden = hidden
            db.add(comment)
            db.commit()

    def reply(self, comment_id: str, text: str) -> str:
        with Session(self.engine) as db:
            comment = db.get(OutboxComment, int(comment_id))
            if comment is None:
                raise ChannelError(ErrorKind.final, "the comment no longer exists on the outbox")
            answer = OutboxComment(
                message_id=comment.message_id,
                parent_id=comment.id,
                author_name="the practice",
                text=text,
                from_page=True,
            )
            db.add(answer)
            db.commit()
            return str(answer.id)


def connector_for(channel: Channel, engine=None, *, timeout=None) -> Connector:
    """The connector that speaks for this channel, with its credentials decrypted."""
    from app.database import get_engine

    credentials = crypto.decrypt(channel.credentials_encrypted)
    if channel.kind == ChannelKind.x:
        return XConnector(credentials, timeout=timeout)
    if channel.kind == ChannelKind.facebook:
        return FacebookConnector(
            credentials, version=get_settings().graph_api_version, timeout=timeout
        )
    return OutboxConnector(channel.id, DatabaseOutbox(engine or get_engine()))


_local = threading.local()


def reusable_connector(channel: Channel) -> Connector:
    """This thread's connector for the channel, reused across calls so HTTP connections stay open.

    Keyed by the encrypted credentials too, so a reconnected channel gets a fresh connector.
    """
    cache = _local.__dict__.setdefault("connectors", {})
    key = (channel.id, channel.credentials_encrypted)
    if key not in cache:
        if len(cache) > 64:
            cache.clear()
        cache[key] = connector_for(channel)
    return cache[key]


def test_connection(*, db: Session, channel_id: int, actor: User) -> tuple[bool, str]:
    """Call the channel; on success store the account's name and clear a reconnect flag."""
    channel = get(db=db, channel_id=channel_id)
    try:
        label = connector_for(channel).test_connection()
    except ChannelError as error:
        audit.record(
            db,
            actor=actor,
            action="channel.test",
            object_type="channel",
            object_id=channel.id,
            ok=False,
        )
        return False, error.message
    except ValueError as error:
        return False, str(error)
    channel.account_label = label[:120]
    if channel.status == ChannelStatus.reconnect_needed:
        channel.status, channel.status_reason = ChannelStatus.active, None
    db.add(channel)
    audit.record(
        db, actor=actor, action="channel.test", object_type="channel", object_id=channel.id, ok=True
    )
    return True, label


def set_status(
    *, db: Session, channel: Channel, status: ChannelStatus, reason: str | None, actor: User | None
) -> None:
    """Change a channel's status (disable, re-enable, or mark it as needing a reconnect)."""
    channel.status, channel.status_reason = status, reason
    db.add(channel)
    audit.record(
        db, actor=actor, action=f"channel.{status}", object_type="channel", object_id=channel.id
    )


def update_credentials(*, db: Session, channel_id: int, credentials: dict, actor: User) -> Channel:
    """Reconnect: replace the credentials and make the channel active again."""
    channel = get(db=db, channel_id=channel_id)
    channel.credentials_encrypted = crypto.encrypt(_clean_credentials(channel.kind, credentials))
    channel.status, channel.status_reason = ChannelStatus.active, None
    db.add(channel)
    audit.record(
        db, actor=actor, action="channel.reconnect", object_type="channel", object_id=channel.id
    )
    return channel


def x_oauth2_handler():
    """tweepy's PKCE handler for the app configured in settings; InvalidInput when there is none."""
    import tweepy

    from connectors.x import OAUTH2_SCOPES

    settings = get_settings()
    if not settings.x_client_id:
        raise InvalidInput(
            "set CAREPOST_X_CLIENT_ID (and CAREPOST_X_CLIENT_SECRET for a confidential app) "
            "to connect X with OAuth 2.0",
            field="x_client_id",
        )
    secret = settings.x_client_secret.get_secret_value() if settings.x_client_secret else None
    return tweepy.OAuth2UserHandler(
        client_id=settings.x_client_id,
        client_secret=secret,
        scope=OAUTH2_SCOPES,
        redirect_uri=f"{settings.public_url}/channels/x/callback",
    )


def start_x_oauth2() -> tuple[str, str, str]:
    """The X authorisation URL to send the admin to, with the state and PKCE verifier to keep until the callback."""
    handler = x_oauth2_handler()
    url = handler.get_authorization_url()
    return url, handler._state, handler._client.code_verifier


def finish_x_oauth2(
    *, db: Session, name: str, query: str, state: str, verifier: str, actor: User
) -> Channel:
    """Exchange the callback's code for tokens (PKCE) and connect the account as a channel."""
    from oauthlib.oauth2 import OAuth2Error

    handler = x_oauth2_handler()
    handler._state = state
    handler._client.code_verifier = verifier
    try:
        # oauthlib reads only code and state from this URL; the scheme is fixed so local http set-ups work too.
        token = handler.fetch_token(f"https://callback.invalid/?{query}")
    except (OAuth2Error, ValueError) as error:
        raise InvalidInput(
            "X did not authorise the account: {reason}",
            reason=str(getattr(error, "description", None) or error),
        ) from None
    settings = get_settings()
    credentials = {
        "oauth2_access_token": token["access_token"],
        "oauth2_refresh_token": token.get("refresh_token", ""),
        "oauth2_expires_at": str(token.get("expires_at", "")),
        "client_id": settings.x_client_id,
        "client_secret": settings.x_client_secret.get_secret_value()
        if settings.x_client_secret
        else "",
    }
    return create(db=db, kind=ChannelKind.x, name=name, credentials=credentials, actor=actor)


def store_refreshed_credentials(*, db: Session, channel_id: int, credentials: dict) -> None:
    """Keep the tokens a connector renewed (encrypted, like all credentials)."""
    channel = get(db=db, channel_id=channel_id)
    channel.credentials_encrypted = crypto.encrypt(credentials)
    db.add(channel)
    audit.record(
        db, actor=None, action="channel.token_refresh", object_type="channel", object_id=channel_id
    )
