"""Every call to a channel goes through `call`: the dispatcher, comments, replies, metrics, the test button.

One place keeps what a call teaches about a channel, whoever made it:
- a connector per thread and channel, reused so HTTP connections stay open;
- credentials a connector renewed (an OAuth 2.0 refresh) stored at once, and used by every later call in
  this process even through a channel row read before the refresh (refresh tokens are single-use);
- a throttled channel is not called until its time; a channel that asks to slow down is throttled;
- the error's kind decides the channel's next state (reconnect needed, throttled until a reset time).
"""

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col

from app.audit import service as audit
from app.channels import crypto
from app.channels.models import Channel, ChannelKind, ChannelStatus
from app.channels.outbox import DatabaseOutbox
from app.clock import utcnow
from app.database import get_engine, session_scope
from app.settings import get_settings
from connectors.base import ChannelError, Connector, ErrorKind
from connectors.facebook import FacebookConnector
from connectors.outbox import OutboxConnector
from connectors.x import XConnector

log = logging.getLogger("carepost.channels")
T = TypeVar("T")
MAX_CACHED = 64

_local = threading.local()
_lock = threading.Lock()
# Encrypted credentials -> the encrypted credentials a refresh replaced them with, in this process.
_renewed: dict[str, str] = {}
# Channel -> until when this process leaves it alone (the row a caller read may predate the throttle).
_throttled: dict[tuple, datetime] = {}


def callable_now(now: datetime):
    """The SQL condition for a channel that may be called now: active and not throttled."""
    return and_(
        Channel.status == ChannelStatus.active,
        or_(col(Channel.throttled_until).is_(None), col(Channel.throttled_until) <= now),
    )


def connector_for(channel: Channel, *, credentials_encrypted: str | None = None) -> Connector:
    """A new connector that speaks for this channel, with its credentials decrypted."""
    credentials = crypto.decrypt(credentials_encrypted or channel.credentials_encrypted)
    if channel.kind == ChannelKind.x:
        return XConnector(credentials)
    if channel.kind == ChannelKind.facebook:
        return FacebookConnector(credentials, version=get_settings().graph_api_version)
    return OutboxConnector(channel.id, DatabaseOutbox(get_engine()))


def call(channel: Channel, action: Callable[[Connector], T], *, db: Session | None = None) -> T:
    """Run `action` with the channel's connector; ChannelError is the only error it raises.

    What the call taught (renewed credentials, a request to slow down, a refusal) is written in `db`
    when given (a request's session), else in a short transaction of its own.
    """
    _refuse_if_throttled(channel)
    encrypted = _latest(channel.credentials_encrypted)
    try:
        connector = _connector(channel, encrypted)
    except ChannelError as error:
        _after_error(channel, error, db)
        raise
    try:
        try:
            return action(connector)
        finally:
            _keep_renewed(channel, connector, encrypted, db)
            _after_call(channel, connector, db)
    except ChannelError as error:
        retry = _renewed_elsewhere(channel, encrypted, error, db)
        if retry is None:
            _after_error(channel, error, db)
            raise
        # Another process (or thread) renewed the token first: ours was spent, theirs is good.
        return call(_with_credentials(channel, retry), action, db=db)


def _connector(channel: Channel, encrypted: str) -> Connector:
    """This thread's connector for the channel's current credentials (a reconnect gets a new one)."""
    cache = _local.__dict__.setdefault("connectors", {})
    key = (channel.id, encrypted)
    if key not in cache:
        if len(cache) > MAX_CACHED:
            cache.clear()
        try:
            cache[key] = connector_for(channel, credentials_encrypted=encrypted)
        except (ValueError, KeyError):  # undecryptable or incomplete credentials: nothing was sent
            raise ChannelError(
                ErrorKind.final,
                "carepost cannot read this channel's credentials: reconnect the channel",
                reconnect=True,
                code="credentials",
            ) from None
    return cache[key]


def _latest(encrypted: str) -> str:
    with _lock:
        seen = set()
        while encrypted in _renewed and encrypted not in seen:
            seen.add(encrypted)
            encrypted = _renewed[encrypted]
    return encrypted


def _refuse_if_throttled(channel: Channel) -> None:
    now = utcnow()
    until = max(
        (t for t in (channel.throttled_until, _throttled.get(_identity(channel))) if t),
        default=None,
    )
    if until and until > now:
        raise ChannelError(
            ErrorKind.retryable,
            f"{channel.name} asked carepost to slow down; it will be called again "
            f"after {until:%H:%M} UTC",
            retry_at=until,
            code="throttled",
        )


def _write(db: Session | None, work: Callable[[Session], None]) -> None:
    if db is not None:
        work(db)
        return
    with session_scope() as own:
        work(own)


def _keep_renewed(channel: Channel, connector: Connector, used: str, db: Session | None) -> None:
    """Store credentials the connector renewed during the call, before anything else can use the old."""
    renewed = getattr(connector, "refreshed", None)
    if not renewed:
        return
    encrypted = crypto.encrypt(renewed)

    def store(session: Session) -> None:
        session.exec(
            update(Channel).where(Channel.id == channel.id).values(credentials_encrypted=encrypted)
        )
        audit.record(
            session,
            actor=None,
            action="channel.token_refresh",
            object_type="channel",
            object_id=channel.id,
        )

    _write(db, store)
    connector.refreshed = None
    with _lock:
        if len(_renewed) > 1024:
            _renewed.clear()
        _renewed[used] = encrypted
    _local.__dict__.setdefault("connectors", {})[(channel.id, encrypted)] = connector


def _renewed_elsewhere(
    channel: Channel, used: str, error: ChannelError, db: Session | None
) -> str | None:
    """After a refused token refresh: the credentials stored since, if someone else renewed them."""
    if error.code != "refresh" or not error.reconnect:
        return None
    latest = _latest(used)
    if latest == used:
        if db is not None:
            stored = db.get(Channel, channel.id, populate_existing=True)
        else:
            with session_scope() as own:
                stored = own.get(Channel, channel.id)
        latest = stored.credentials_encrypted if stored else used
    return None if latest == used else latest


def _with_credentials(channel: Channel, encrypted: str) -> Channel:
    return Channel(
        id=channel.id,
        kind=channel.kind,
        name=channel.name,
        credentials_encrypted=encrypted,
        status=channel.status,
        throttled_until=channel.throttled_until,
        created_at=channel.created_at,
    )


def _identity(channel: Channel) -> tuple:
    """A channel across databases (ids repeat between test databases; creation times do not)."""
    return (channel.id, channel.created_at)


def _after_error(channel: Channel, error: ChannelError, db: Session | None) -> None:
    """The channel's next state: reconnect needed, or throttled until the channel's reset time."""
    if error.code == "throttled":
        return
    if error.reconnect:
        reason = error.message[:300]

        def needs_reconnect(session: Session) -> None:
            changed = session.exec(
                update(Channel)
                .where(Channel.id == channel.id, Channel.status == ChannelStatus.active)
                .values(status=ChannelStatus.reconnect_needed, status_reason=reason)
            ).rowcount
            if changed:
                audit.record(
                    session,
                    actor=None,
                    action=f"channel.{ChannelStatus.reconnect_needed}",
                    object_type="channel",
                    object_id=channel.id,
                    code=error.code,
                )

        _write(db, needs_reconnect)
        log.warning("channel %s needs a reconnect (%s)", channel.id, error.code)
    elif error.kind == ErrorKind.retryable and error.retry_at:
        throttle(channel, until=error.retry_at, db=db)


def _after_call(channel: Channel, connector: Connector, db: Session | None) -> None:
    backoff = getattr(connector, "backoff_until", None)
    until = backoff() if backoff else None
    if until:
        throttle(channel, until=until, db=db)


def throttle(channel: Channel, *, until: datetime, db: Session | None = None) -> None:
    """Leave the channel alone until `until`: no post is claimed for it and no call is made."""
    key = _identity(channel)
    with _lock:
        if _throttled.get(key) and _throttled[key] >= until:
            return
        if len(_throttled) > 1024:
            _throttled.clear()
        _throttled[key] = until

    def hold(session: Session) -> None:
        session.exec(update(Channel).where(Channel.id == channel.id).values(throttled_until=until))

    _write(db, hold)
