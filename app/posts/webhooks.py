"""Facebook Page webhooks (the `feed` field): new comments arrive in seconds, not at the next poll.

Meta verifies the callback once with a GET carrying hub.verify_token (compared with the configured
one) and hub.challenge (echoed back). Each POST carries X-Hub-Signature-256, the HMAC-SHA256 of the
raw body under the app secret; a request without a valid signature gets 403 and changes nothing.
Comments go to the same screening as the poll (`comments.store`), which stays as the fallback and for
X; a comment already stored (by the poll or an earlier delivery of the same event) changes nothing.
"""

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.channels.models import Channel, ChannelKind
from app.database import session_scope
from app.posts import comments
from app.posts.models import Delivery
from app.settings import get_settings
from connectors.base import Comment

log = logging.getLogger("carepost.comments")
router = APIRouter(include_in_schema=False)
FORBIDDEN = PlainTextResponse("signature check failed", status_code=403)


def signature_ok(body: bytes, header: str | None) -> bool:
    """Whether header is "sha256=" + the HMAC-SHA256 of body under the app secret."""
    secret = get_settings().facebook_app_secret
    if secret is None or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.get_secret_value().encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())


def new_comments(payload: dict) -> list[tuple[str, Comment]]:
    """(post id, comment) for each comment added in a Page `feed` payload; others are skipped."""
    found = []
    if not isinstance(payload, dict) or payload.get("object") != "page":
        return found
    for entry in payload.get("entry") or []:
        page_id = str(entry.get("id", ""))
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            if change.get("field") != "feed" or value.get("item") != "comment":
                continue
            if (
                value.get("verb") != "add"
                or not value.get("comment_id")
                or not value.get("post_id")
            ):
                continue
            author = value.get("from") or {}
            if str(author.get("id")) == page_id:
                continue  # the page's own replies
            post_id, parent = str(value["post_id"]), value.get("parent_id")
            created = value.get("created_time")
            found.append(
                (
                    post_id,
                    Comment(
                        remote_id=str(value["comment_id"]),
                        text=str(value.get("message") or ""),
                        author=str(author.get("name") or "a Facebook user"),
                        created_at=datetime.fromtimestamp(created, UTC)
                        if isinstance(created, int)
                        else None,
                        # As the poll reads them: a comment on the post itself has no parent.
                        parent_id=str(parent) if parent and str(parent) != post_id else None,
                    ),
                )
            )
    return found


def _delivery_of(db: Session, post_remote_id: str) -> tuple[int, int] | None:
    """(delivery id, channel id) of the published Facebook post with this id, if it is ours."""
    query = (
        select(Delivery.id, Delivery.channel_id)
        .join(Channel, col(Channel.id) == Delivery.channel_id)
        .where(Delivery.remote_id == post_remote_id, Channel.kind == ChannelKind.facebook)
    )
    return db.exec(query).first()


def receive(payload: dict) -> int:
    """Store and screen the new comments of a verified payload; returns how many were new."""
    stored = 0
    for post_remote_id, comment in new_comments(payload):
        try:
            with session_scope() as db:
                found = _delivery_of(db, post_remote_id)
                if found is None:
                    continue  # a post carepost did not publish
                new, _flagged = comments.store(
                    db, delivery_id=found[0], channel_id=found[1], found=[comment]
                )
                stored += new
        except IntegrityError:
            pass  # the poll stored the same comment a moment ago: it is screened already
    return stored


@router.get("/webhooks/facebook", name="facebook_webhook_verify")
def facebook_webhook_verify(request: Request):
    params = request.query_params
    expected = get_settings().facebook_verify_token
    given = params.get("hub.verify_token") or ""
    if (
        expected is None
        or params.get("hub.mode") != "subscribe"
        or not hmac.compare_digest(given.encode(), expected.get_secret_value().encode())
    ):
        return PlainTextResponse("verification failed", status_code=403)
    return PlainTextResponse(params.get("hub.challenge", "")[:200])


@router.post("/webhooks/facebook", name="facebook_webhook")
async def facebook_webhook(request: Request):
    body = await request.body()
    if not signature_ok(body, request.headers.get("x-hub-signature-256")):
        log.warning("facebook webhook with a missing or bad signature")
        return FORBIDDEN
    try:
        payload = json.loads(body)
    except ValueError:
        return PlainTextResponse("not JSON", status_code=400)
    receive(payload)
    # Meta retries anything but a 200: a payload with nothing for carepost is still received.
    return PlainTextResponse("ok")
