"""Facebook Pages through the Graph API, with python-facebook-api (import pyfacebook)."""

import json
from datetime import UTC, datetime, timedelta

import requests
from pyfacebook import FacebookError, GraphAPI, LibraryError

from connectors.base import (
    CLOCK_SKEW,
    ChannelError,
    Comment,
    Draft,
    ErrorKind,
    Limits,
    Problem,
    Published,
    TimeoutSession,
    created_since,
    problem,
    same_text,
    transport_error,
    validate_media,
)

LIMITS = Limits(
    max_text=63206,
    max_media=10,
    media_types=frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"}),
    max_media_bytes=10 * 1024 * 1024,
)
AUTH_CODES = {102, 190, 463, 467}
PERMISSION_CODES = {10} | set(range(200, 300))
RATE_CODES = {4, 17, 32, 613, 80001}
TRANSIENT_CODES = {1, 2}
BUSY_PERCENT = 90
MAX_COMMENT_PAGES = 10
MAX_LOOKUP_PAGES = 5


class FacebookConnector:
    """Posts to one Facebook Page with its page access token."""

    kind = "facebook"
    limits = LIMITS
    refreshed = None  # page tokens are not renewed by carepost

    def __init__(self, credentials: dict, *, version: str = "v25.0", timeout=None):
        self.page_id = credentials["page_id"]
        self.api = GraphAPI(
            access_token=credentials["page_access_token"],
            app_secret=credentials.get("app_secret") or None,
            version=version,
            sleep_on_rate_limit=False,
            timeout=timeout,
        )
        # pyfacebook passes its timeout through; the session guarantees one even when it is None.
        self.api.session = TimeoutSession(timeout) if timeout else TimeoutSession()

    @staticmethod
    def validate(draft: Draft) -> list[Problem]:
        problems = []
        if not draft.text.strip() and not draft.media and not draft.link:
            problems.append(problem("text", "Facebook needs text, a link or an image"))
        if len(draft.text) > LIMITS.max_text:
            problems.append(
                problem(
                    "text",
                    "Facebook allows {n} characters; this text has {length}",
                    n=LIMITS.max_text,
                    length=len(draft.text),
                )
            )
        return problems + validate_media(draft, LIMITS, "Facebook")

    def usage_percent(self) -> int:
        """The highest of Meta's app and business usage headers seen on the last call."""
        return int(self.api.rate_limit.get_max_percent() or 0)

    def backoff_until(self) -> datetime | None:
        """When usage passes 90 %, Meta asks callers to slow down: pause this page for a while."""
        if self.usage_percent() >= BUSY_PERCENT:
            return datetime.now(UTC) + timedelta(minutes=10)
        return None

    def _call(self, action, *, sending: bool):
        try:
            return action()
        except FacebookError as error:
            raise self._classify(error, sending) from None
        except requests.RequestException as error:
            raise transport_error(error, "Facebook") from None
        except LibraryError:
            # Not JSON: a proxy or load balancer answered (502/504 pages), so the outcome is open.
            kind = ErrorKind.unknown if sending else ErrorKind.retryable
            raise ChannelError(
                kind,
                "Facebook answered with an error page; carepost will check whether "
                "the post went out before trying again",
                code="5xx",
            ) from None

    @staticmethod
    def _classify(error: FacebookError, sending: bool) -> ChannelError:
        code = int(getattr(error, "code", 0) or 0)
        user_message = getattr(error, "error_user_msg", None) or getattr(error, "message", "")
        if code in AUTH_CODES:
            return ChannelError(
                ErrorKind.final,
                "Facebook no longer accepts this page's access token: reconnect the channel",
                reconnect=True,
                code=str(code),
            )
        if code in PERMISSION_CODES:
            return ChannelError(
                ErrorKind.final,
                "the page token lacks a permission Facebook requires "
                "(pages_manage_posts): reconnect the channel",
                reconnect=True,
                code=str(code),
            )
        if code in RATE_CODES:
            retry_at = datetime.now(UTC) + timedelta(minutes=15)
            return ChannelError(
                ErrorKind.retryable,
                "Facebook's rate limit is reached; carepost will try "
                f"again after {retry_at:%H:%M} UTC",
                retry_at=retry_at,
                code=str(code),
            )
        if code == 506:
            return ChannelError(
                ErrorKind.final,
                "Facebook refused the post as a duplicate of a recent one",
                code="506",
            )
        if code == 368:
            return ChannelError(
                ErrorKind.final, "Facebook blocked the post as against its policies", code="368"
            )
        if code in TRANSIENT_CODES or getattr(error, "is_transient", False):
            kind = ErrorKind.unknown if sending else ErrorKind.retryable
            return ChannelError(
                kind,
                "Facebook had a temporary problem; carepost will check whether the "
                "post went out before trying again",
                code=str(code),
            )
        return ChannelError(
            ErrorKind.final,
            f"Facebook rejected the post: {str(user_message)[:200]}",
            code=str(code),
        )

    def _post_url(self, post_id: str) -> str:
        page, _, post = post_id.partition("_")
        return (
            f"https://www.facebook.com/{page}/posts/{post}"
            if post
            else f"https://www.facebook.com/{post_id}"
        )

    def _photo(self, media, *, published: bool, message: str | None = None) -> dict:
        data = {"published": "true" if published else "false"} | (
            {"message": message} if message else {}
        )
        return self.api.post_object(
            self.page_id,
            connection="photos",
            data=data,
            files={"source": (media.filename, media.data, media.mime_type)},
        )

    def publish(self, draft: Draft) -> Published:
        if len(draft.media) == 1 and not draft.link:
            result = self._call(
                lambda: self._photo(draft.media[0], published=True, message=draft.text),
                sending=True,
            )
            post_id = str(result.get("post_id") or result["id"])
            return Published(post_id, self._post_url(post_id))
        data: dict[str, str] = {"message": draft.text}
        if draft.link:
            data["link"] = draft.link
        for index, media in enumerate(draft.media):
            photo = self._call(lambda m=media: self._photo(m, published=False), sending=False)
            data[f"attached_media[{index}]"] = json.dumps({"media_fbid": str(photo["id"])})
        result = self._call(
            lambda: self.api.post_object(self.page_id, connection="feed", data=data), sending=True
        )
        return Published(str(result["id"]), self._post_url(str(result["id"])))

    def find_published(self, draft: Draft, since: datetime) -> list[Published]:
        """The page's own posts with the draft's text created since the claim (Facebook stores no
        reference of ours), newest first."""
        params = {
            "fields": "id,message,created_time",
            "since": int((since - CLOCK_SKEW).timestamp()),
            "limit": 100,
        }
        found: list[Published] = []
        for _page in range(MAX_LOOKUP_PAGES):
            result = self._call(
                lambda p=dict(params): self.api.get_connection(
                    self.page_id, connection="posts", **p
                ),
                sending=False,
            )
            for post in result.get("data", []):
                created_at = _graph_time(post.get("created_time"))
                if same_text(post.get("message", ""), Draft(draft.text)) and created_since(
                    created_at, since
                ):
                    post_id = str(post["id"])
                    found.append(Published(post_id, self._post_url(post_id), created_at=created_at))
            paging = result.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                break
            params["after"] = after
        return found

    def metrics(self, remote_id: str) -> dict[str, int]:
        fields = (
            "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares"
        )
        data = self._call(lambda: self.api.get_object(remote_id, fields=fields), sending=False)
        return {
            "reactions": int(data.get("reactions", {}).get("summary", {}).get("total_count", 0)),
            "comments": int(data.get("comments", {}).get("summary", {}).get("total_count", 0)),
            "shares": int(data.get("shares", {}).get("count", 0)),
        }

    def test_connection(self) -> str:
        data = self._call(lambda: self.api.get_object("me", fields="id,name"), sending=False)
        return str(data.get("name") or data.get("id"))

    def picture_url(self) -> str | None:
        """GET /me?fields=picture{url,is_silhouette}: the page's profile picture (none when it
        has only Facebook's silhouette)."""
        data = self._call(
            lambda: self.api.get_object("me", fields="picture{url,is_silhouette}"), sending=False
        )
        picture = (data.get("picture") or {}).get("data") or {}
        if picture.get("is_silhouette"):
            return None
        return picture.get("url") or None

    def comments(self, remote_id: str, since: datetime | None) -> list[Comment]:
        """GET /{post-id}/comments with filter=stream (replies to comments too), oldest first."""
        params = {
            "fields": "id,message,from{id,name},created_time,parent{id}",
            "filter": "stream",
            "order": "chronological",
            "limit": 100,
        }
        if since is not None:
            params["since"] = int(since.timestamp())
        found: list[Comment] = []
        for _page in range(MAX_COMMENT_PAGES):
            result = self._call(
                lambda p=dict(params): self.api.get_connection(
                    remote_id, connection="comments", **p
                ),
                sending=False,
            )
            for item in result.get("data", []):
                author = item.get("from") or {}
                if str(author.get("id")) == str(self.page_id):
                    continue  # the page's own replies
                parent = (item.get("parent") or {}).get("id")
                found.append(
                    Comment(
                        remote_id=str(item["id"]),
                        text=item.get("message", ""),
                        author=str(author.get("name") or "a Facebook user"),
                        created_at=_graph_time(item.get("created_time")),
                        parent_id=str(parent) if parent else None,
                    )
                )
            paging = result.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                break
            params["after"] = after
        return found

    def hide_comment(self, comment_id: str, hidden: bool) -> None:
        """POST /{comment-id} is_hidden: hidden comments stay visible to their author and friends."""
        self._call(
            lambda: self.api.post_object(
                comment_id, data={"is_hidden": "true" if hidden else "false"}
            ),
            sending=False,
        )

    def reply(self, comment_id: str, text: str) -> Published:
        result = self._call(
            lambda: self.api.post_object(comment_id, connection="comments", data={"message": text}),
            sending=True,
        )
        reply_id = str(result["id"])
        return Published(reply_id, f"https://www.facebook.com/{reply_id}")

    def find_replies(self, comment_id: str, text: str, since: datetime) -> list[Published]:
        """GET /{comment-id}/comments: the page's own answers with this text since the claim."""
        params = {
            "fields": "id,message,from{id},created_time",
            "since": int((since - CLOCK_SKEW).timestamp()),
            "order": "reverse_chronological",
            "limit": 100,
        }
        found: list[Published] = []
        for _page in range(MAX_LOOKUP_PAGES):
            result = self._call(
                lambda p=dict(params): self.api.get_connection(
                    comment_id, connection="comments", **p
                ),
                sending=False,
            )
            for item in result.get("data", []):
                created_at = _graph_time(item.get("created_time"))
                if (
                    str((item.get("from") or {}).get("id")) == str(self.page_id)
                    and same_text(item.get("message", ""), Draft(text))
                    and created_since(created_at, since)
                ):
                    reply_id = str(item["id"])
                    found.append(
                        Published(reply_id, f"https://www.facebook.com/{reply_id}", created_at)
                    )
            paging = result.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                break
            params["after"] = after
        return found


def _graph_time(value: str | None) -> datetime | None:
    """Graph API times look like 2026-11-23T09:00:00+0000."""
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)
    except ValueError:
        return None
