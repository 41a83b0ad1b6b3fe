"""Connecting channels: credentials, status, the connection test and X's OAuth 2.0 flow."""

from sqlmodel import Session, select

from app.accounts.models import User
from app.audit import service as audit
from app.channels import crypto, gateway
from app.channels.models import Channel, ChannelKind, ChannelStatus
from app.errors import Conflict, InvalidInput, NotFound
from app.posts import linkcards
from app.settings import get_settings
from connectors.base import ChannelError

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


def _picture(db: Session, channel: Channel) -> str | None:
    """The account's picture for previews, fetched by the server within the link cards' fences
    (public addresses only, a size limit, a short timeout); None when there is none to show."""
    try:
        url = gateway.call(channel, lambda connector: connector.picture_url(), db=db)
    except ChannelError:
        return None
    return linkcards.fetcher().image(url) if url else None


def test_connection(*, db: Session, channel_id: int, actor: User) -> tuple[bool, str]:
    """Call the channel; on success store the account's name and clear a reconnect flag."""
    channel = get(db=db, channel_id=channel_id)
    try:
        label = gateway.call(channel, lambda connector: connector.test_connection(), db=db)
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
    channel.account_label = label[:120]
    channel.picture = _picture(db, channel) or channel.picture
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
