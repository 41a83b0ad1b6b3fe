"""X (Twitter) through tweepy's v2 Client; media through the v2 chunked upload, signed the same way."""

import threading
import time
from datetime import UTC, datetime, timedelta

import requests
import tweepy
from requests_oauthlib import OAuth1

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
from connectors.xtext import MAX_WEIGHTED, weighted_length

API = "https://api.twitter.com"
TOKEN_URL = "https://api.twitter.com/2/oauth2/token"
OAUTH2_SCOPES = ["tweet.read", "tweet.write", "users.read", "offline.access"]
REFRESH_MARGIN_SECONDS = 120
MEDIA_API = "https://api.x.com/2/media/upload"
CHUNK = 4 * 1024 * 1024
MAX_COMMENT_PAGES = 10
MAX_LOOKUP_PAGES = 5
RENEWED_FIELDS = ("oauth2_access_token", "oauth2_refresh_token", "oauth2_expires_at")
# Spent refresh token -> what it was exchanged for, so no connector in this process spends it twice.
_RENEWALS: dict[str, dict] = {}
_RENEWAL_LOCK = threading.Lock()
LIMITS = Limits(
    max_text=MAX_WEIGHTED,
    max_media=4,
    media_types=frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"}),
    max_media_bytes=5 * 1024 * 1024,
)


class XConnector:
    """Posts as one X account, with OAuth 1.0a user tokens or an OAuth 2.0 user access token."""

    kind = "x"
    limits = LIMITS

    def __init__(self, credentials: dict, *, timeout=None):
        self.credentials = dict(credentials)
        self.oauth2 = bool(credentials.get("oauth2_access_token"))
        self.refreshed: dict | None = None  # renewed OAuth 2.0 credentials the caller must store
        session = TimeoutSession(timeout) if timeout else TimeoutSession()
        if self.oauth2:
            self.client = tweepy.Client(bearer_token=credentials["oauth2_access_token"])
        else:
            self.client = tweepy.Client(
                consumer_key=credentials["consumer_key"],
                consumer_secret=credentials["consumer_secret"],
                access_token=credentials["access_token"],
                access_token_secret=credentials["access_token_secret"],
            )
        # tweepy sets no timeout of its own: a hung connection would block a worker forever.
        self.client.session = session
        self.session = session
        self.user_auth = not self.oauth2

    @staticmethod
    def validate(draft: Draft) -> list[Problem]:
        problems = []
        length = weighted_length(draft.body)
        if not draft.body.strip() and not draft.media:
            problems.append(problem("text", "X needs text or an image"))
        if length > MAX_WEIGHTED:
            problems.append(
                problem(
                    "text",
                    "X allows {n} characters; this text counts {length} "
                    "(links count as 23, emoji and CJK characters as 2)",
                    n=MAX_WEIGHTED,
                    length=length,
                )
            )
        return problems + validate_media(draft, LIMITS, "X")

    def _ensure_fresh_token(self) -> None:
        """OAuth 2.0 user tokens last two hours: refresh shortly before expiry with the refresh token.

        A refresh token works once, so renewals in this process take turns: a connector whose token
        another one already renewed takes that renewal instead of spending the token again.
        """
        c = self.credentials
        if not (self.oauth2 and c.get("oauth2_refresh_token") and c.get("oauth2_expires_at")):
            return
        if float(c["oauth2_expires_at"]) - time.time() > REFRESH_MARGIN_SECONDS:
            return
        with _RENEWAL_LOCK:
            spent = c["oauth2_refresh_token"]
            if spent in _RENEWALS:
                c.update(_RENEWALS[spent])
            else:
                c.update(self._renew())
                if len(_RENEWALS) > 256:
                    _RENEWALS.clear()
                _RENEWALS[spent] = {k: c[k] for k in RENEWED_FIELDS}
                self.refreshed = dict(c)
        self.client.bearer_token = c["oauth2_access_token"]

    def _renew(self) -> dict:
        c = self.credentials
        auth = (c["client_id"], c["client_secret"]) if c.get("client_secret") else None
        data = {
            "grant_type": "refresh_token",
            "refresh_token": c["oauth2_refresh_token"],
            "client_id": c["client_id"],
        }
        try:
            response = self.session.post(TOKEN_URL, data=data, auth=auth)
        except requests.RequestException as error:
            raise transport_error(error, "X") from None
        if response.status_code in (400, 401):
            raise ChannelError(
                ErrorKind.final,
                "X refused to renew this account's access: reconnect the channel",
                reconnect=True,
                code="refresh",
            )
        if response.status_code >= 300:
            raise ChannelError(
                ErrorKind.retryable, "X could not renew the access token right now", code="refresh"
            )
        token = response.json()
        return {
            "oauth2_access_token": token["access_token"],
            "oauth2_refresh_token": token.get("refresh_token", c["oauth2_refresh_token"]),
            "oauth2_expires_at": time.time() + int(token.get("expires_in", 7200)),
        }

    @staticmethod
    def backoff_until() -> None:
        """X says when to resume only in a 429, which arrives as a ChannelError with retry_at."""
        return None

    def _call(self, action, *, sending: bool):
        self._ensure_fresh_token()
        try:
            return action()
        except tweepy.TooManyRequests as error:
            reset = error.reset_time
            retry_at = (
                datetime.fromtimestamp(reset, UTC)
                if reset
                else datetime.now(UTC) + timedelta(minutes=15)
            )
            raise ChannelError(
                ErrorKind.retryable,
                f"X's rate limit is reached; carepost will send after {retry_at:%H:%M} UTC",
                retry_at=retry_at,
                code="429",
            )
        except tweepy.Unauthorized:
            raise ChannelError(
                ErrorKind.final,
                "X no longer accepts this account's access: reconnect the channel",
                reconnect=True,
                code="401",
            )
        except tweepy.Forbidden as error:
            text = " ".join(error.api_messages).lower()
            if "duplicate" in text:
                raise ChannelError(
                    ErrorKind.final,
                    "X refused the post as a duplicate of a recent one",
                    code="duplicate",
                )
            raise ChannelError(
                ErrorKind.final,
                "X refused the post (forbidden): check the account's permissions or the content",
                reconnect="permission" in text,
                code="403",
            )
        except tweepy.BadRequest as error:
            raise ChannelError(
                ErrorKind.final,
                "X rejected the post: " + "; ".join(error.api_messages)[:200],
                code="400",
            )
        except tweepy.TwitterServerError as error:
            kind = ErrorKind.unknown if sending else ErrorKind.retryable
            raise ChannelError(
                kind,
                f"X had an internal error ({error.response.status_code}); carepost "
                "will check whether the post went out before trying again",
                code="5xx",
            )
        except tweepy.HTTPException as error:
            raise ChannelError(
                ErrorKind.final, f"X answered {error.response.status_code}", code="http"
            )
        except requests.RequestException as error:
            raise transport_error(error, "X") from None

    def _auth(self):
        if self.oauth2:
            return None
        c = self.credentials
        return OAuth1(
            c["consumer_key"], c["consumer_secret"], c["access_token"], c["access_token_secret"]
        )

    def _media_request(self, url: str, **kwargs) -> dict:
        headers = (
            {"Authorization": f"Bearer {self.credentials['oauth2_access_token']}"}
            if self.oauth2
            else {}
        )
        response = self.session.post(url, auth=self._auth(), headers=headers, **kwargs)
        if response.status_code == 429:
            raise tweepy.TooManyRequests(
                response, reset_time=int(response.headers.get("x-rate-limit-reset", 0)) or None
            )
        if response.status_code == 401:
            raise tweepy.Unauthorized(response)
        if response.status_code == 403:
            raise tweepy.Forbidden(response)
        if response.status_code >= 500:
            raise tweepy.TwitterServerError(response)
        if response.status_code >= 400:
            raise tweepy.BadRequest(response)
        return response.json() if response.content else {}

    def upload(self, media) -> str:
        """Upload one image by the v2 chunked flow and return its media id."""
        init = self._media_request(
            f"{MEDIA_API}/initialize",
            json={
                "media_type": media.mime_type,
                "total_bytes": len(media.data),
                "media_category": "tweet_image",
            },
        )
        media_id = init["data"]["id"]
        for index, start in enumerate(range(0, len(media.data), CHUNK)):
            self._media_request(
                f"{MEDIA_API}/{media_id}/append",
                data={"segment_index": str(index)},
                files={
                    "media": (
                        media.filename,
                        media.data[start : start + CHUNK],
                        "application/octet-stream",
                    )
                },
            )
        self._media_request(f"{MEDIA_API}/{media_id}/finalize")
        return media_id

    def publish(self, draft: Draft) -> Published:
        # Uploads post nothing visible, so their failures are never "unknown outcome".
        media_ids = [self._call(lambda m=m: self.upload(m), sending=False) for m in draft.media]
        response = self._call(
            lambda: self.client.create_tweet(
                text=draft.body,
                media_ids=media_ids or None,
                in_reply_to_tweet_id=draft.reply_to,
                user_auth=self.user_auth,
            ),
            sending=True,
        )
        tweet_id = str(response.data["id"])
        return Published(tweet_id, f"https://x.com/i/web/status/{tweet_id}")

    def _me_id(self) -> str:
        me = self._call(lambda: self.client.get_me(user_auth=self.user_auth), sending=False)
        return str(me.data.id)

    def find_published(self, draft: Draft, since: datetime) -> list[Published]:
        """The account's own tweets with the draft's text created since the claim (X stores no
        reference of ours), newest first."""
        user_id = self.credentials.get("user_id") or self._me_id()
        start = (since - CLOCK_SKEW).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        params = {"start_time": start, "max_results": 100, "tweet_fields": ["created_at"]}
        found: list[Published] = []
        for _page in range(MAX_LOOKUP_PAGES):
            response = self._call(
                lambda p=dict(params): self.client.get_users_tweets(
                    user_id, user_auth=self.user_auth, **p
                ),
                sending=False,
            )
            found += [
                Published(
                    str(tweet.id),
                    f"https://x.com/i/web/status/{tweet.id}",
                    created_at=tweet.created_at,
                )
                for tweet in response.data or []
                if same_text(tweet.text, draft) and created_since(tweet.created_at, since)
            ]
            next_token = (response.meta or {}).get("next_token")
            if not next_token:
                break
            params["pagination_token"] = next_token
        return found

    def metrics(self, remote_id: str) -> dict[str, int]:
        response = self._call(
            lambda: self.client.get_tweet(
                remote_id, tweet_fields=["public_metrics"], user_auth=self.user_auth
            ),
            sending=False,
        )
        return {k: int(v) for k, v in (response.data.public_metrics or {}).items()}

    def test_connection(self) -> str:
        me = self._call(lambda: self.client.get_me(user_auth=self.user_auth), sending=False)
        return f"@{me.data.username}"

    def picture_url(self) -> str | None:
        """GET /2/users/me?user.fields=profile_image_url: the account's profile picture."""
        me = self._call(
            lambda: self.client.get_me(user_auth=self.user_auth, user_fields=["profile_image_url"]),
            sending=False,
        )
        return getattr(me.data, "profile_image_url", None) or None

    def comments(self, remote_id: str, since: datetime | None) -> list[Comment]:
        """Replies in the post's conversation (recent search covers the last 7 days), oldest first."""
        own_id = self.credentials.get("user_id") or self._me_id()
        params = {
            "tweet_fields": ["author_id", "created_at", "referenced_tweets"],
            "expansions": ["author_id"],
            "user_fields": ["username"],
            "max_results": 100,
        }
        if since is not None:
            earliest = datetime.now(UTC) - timedelta(days=7) + timedelta(minutes=1)
            start = max(since.astimezone(UTC), earliest)
            params["start_time"] = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        found: list[Comment] = []
        for _page in range(MAX_COMMENT_PAGES):
            response = self._call(
                lambda p=dict(params): self.client.search_recent_tweets(
                    f"conversation_id:{remote_id}", user_auth=self.user_auth, **p
                ),
                sending=False,
            )
            users = {str(u.id): u.username for u in (response.includes or {}).get("users", [])}
            for tweet in response.data or []:
                if str(tweet.author_id) == str(own_id):
                    continue  # the account's own replies
                parent = next(
                    (str(r.id) for r in tweet.referenced_tweets or [] if r.type == "replied_to"),
                    None,
                )
                username = users.get(str(tweet.author_id))
                found.append(
                    Comment(
                        remote_id=str(tweet.id),
                        text=tweet.text,
                        author=f"@{username}" if username else "an X user",
                        created_at=tweet.created_at,
                        parent_id=None if parent in (None, str(remote_id)) else parent,
                    )
                )
            next_token = (response.meta or {}).get("next_token")
            if not next_token:
                break
            params["next_token"] = next_token
        return sorted(found, key=lambda c: int(c.remote_id))

    def hide_comment(self, comment_id: str, hidden: bool) -> None:
        """PUT /2/tweets/{id}/hidden: only replies in the account's own conversations."""
        toggle = self.client.hide_reply if hidden else self.client.unhide_reply
        self._call(lambda: toggle(comment_id, user_auth=self.user_auth), sending=False)

    def reply(self, comment_id: str, text: str) -> Published:
        response = self._call(
            lambda: self.client.create_tweet(
                text=text, in_reply_to_tweet_id=comment_id, user_auth=self.user_auth
            ),
            sending=True,
        )
        tweet_id = str(response.data["id"])
        return Published(tweet_id, f"https://x.com/i/web/status/{tweet_id}")

    def find_replies(self, comment_id: str, text: str, since: datetime) -> list[Published]:
        """The account's own tweets answering the comment with this text since the claim."""
        user_id = self.credentials.get("user_id") or self._me_id()
        start = (since - CLOCK_SKEW).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        params = {
            "start_time": start,
            "max_results": 100,
            "tweet_fields": ["created_at", "referenced_tweets"],
        }
        found: list[Published] = []
        for _page in range(MAX_LOOKUP_PAGES):
            response = self._call(
                lambda p=dict(params): self.client.get_users_tweets(
                    user_id, user_auth=self.user_auth, **p
                ),
                sending=False,
            )
            found += [
                Published(
                    str(tweet.id),
                    f"https://x.com/i/web/status/{tweet.id}",
                    created_at=tweet.created_at,
                )
                for tweet in response.data or []
                if any(
                    r.type == "replied_to" and str(r.id) == str(comment_id)
                    for r in tweet.referenced_tweets or []
                )
                and same_text(_without_mentions(tweet.text), Draft(_without_mentions(text)))
            ]
            next_token = (response.meta or {}).get("next_token")
            if not next_token:
                break
            params["pagination_token"] = next_token
        return found


def _without_mentions(text: str) -> str:
    """A reply's text without the @handles X puts before it (those it answers)."""
    words = text.split(" ")
    while words and words[0].startswith("@") and len(words) > 1:
        words.pop(0)
    return " ".join(words)
