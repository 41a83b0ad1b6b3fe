"""The one interface every channel implements, and the one way channel errors are classified."""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlsplit

import requests

# Client libraries log request bodies and headers (tokens) at DEBUG: keep them quiet at any root level.
for _name in ("tweepy", "pyfacebook", "urllib3", "requests_oauthlib", "oauthlib"):
    logging.getLogger(_name).setLevel(logging.WARNING)

DEFAULT_TIMEOUT = (5.0, 20.0)  # connect, read


class ErrorKind(StrEnum):
    retryable = "retryable"  # nothing can have been posted: try again later
    unknown = "unknown"  # the request may have gone through: look it up before any retry
    final = "final"  # retrying will not help: a person must act


class ChannelError(Exception):
    """A channel refused or failed; message is written for a marketer, not a developer."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        retry_at: datetime | None = None,
        reconnect: bool = False,
        code: str | None = None,
    ):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_at = retry_at
        self.reconnect = reconnect
        self.code = code


@dataclass(frozen=True)
class Media:
    filename: str
    mime_type: str
    data: bytes


@dataclass(frozen=True)
class Draft:
    text: str
    link: str | None = None
    media: tuple[Media, ...] = ()
    # A key unique to this outbound message; a channel that can store it echoes it back when asked
    # what was published, so a lost claim is matched to its own message and no other.
    reference: str | None = None
    # The channel's id of the message this one answers (the previous part of a thread on X).
    reply_to: str | None = None

    @property
    def body(self) -> str:
        """The text as published: the link is appended where the channel has no link field."""
        if self.link and self.link not in self.text:
            return f"{self.text}\n{self.link}"
        return self.text


@dataclass(frozen=True)
class Published:
    remote_id: str
    url: str | None
    created_at: datetime | None = None
    reference: str | None = None  # the draft's reference, when the channel echoed it back


@dataclass(frozen=True)
class Comment:
    """Someone else's comment on (or reply to) a published post, as the channel shows it."""

    remote_id: str
    text: str
    author: str
    created_at: datetime | None = None
    parent_id: str | None = None  # the comment it answers; None when it answers the post itself


@dataclass
class Problem:
    """Why a draft does not fit a channel; message is English, msgid and values let the app
    show it in the reader's language."""

    field: str
    message: str
    msgid: str = ""
    values: dict = field(default_factory=dict)


def problem(field_name: str, msgid: str, **values) -> Problem:
    """A Problem whose text is msgid with its {name} fields filled from values."""
    return Problem(field_name, msgid.format(**values), msgid, values)


@dataclass
class Limits:
    max_text: int
    max_media: int
    media_types: frozenset[str]
    max_media_bytes: int
    extra: dict = field(default_factory=dict)


class Connector(Protocol):
    """What the dispatcher and the compose page need from a channel."""

    kind: str
    limits: Limits
    # Credentials the connector renewed during a call (an OAuth 2.0 refresh): the caller stores them
    # at once and sets this back to None; until then the stored refresh token may be a spent one.
    refreshed: dict | None

    def backoff_until(self) -> datetime | None:
        """When the channel asked callers to slow down (usage headers), the time to resume."""

    def validate(self, draft: Draft) -> list[Problem]:
        """Problems that would make the channel refuse the draft (empty when it is fine)."""

    def publish(self, draft: Draft) -> Published:
        """Post the draft; raises ChannelError."""

    def find_published(self, draft: Draft, since: datetime) -> list[Published]:
        """The account's own posts since `since` that may be this draft, each with its created_at.

        A channel that stores the draft's reference returns only the post carrying it; the others
        return every post with the draft's text. Which one is this draft's is the caller's decision.
        """

    def metrics(self, remote_id: str) -> dict[str, int]:
        """Engagement counters of a published post."""

    def test_connection(self) -> str:
        """Call the channel and return the account's name; raises ChannelError."""

    def picture_url(self) -> str | None:
        """Where the account's picture is (a page's or profile's), or None; raises ChannelError."""

    def comments(self, remote_id: str, since: datetime | None) -> list[Comment]:
        """Others' comments on a published post (the account's own replies left out), oldest first."""

    def hide_comment(self, comment_id: str, hidden: bool) -> None:
        """Hide a comment from the public (or show it again) where the channel allows."""

    def reply(self, comment_id: str, text: str) -> Published:
        """Answer a comment in public as the account; raises ChannelError."""

    def find_replies(self, comment_id: str, text: str, since: datetime) -> list[Published]:
        """The account's own answers to the comment with this text created since `since`,
        newest first: whether a reply whose outcome is unknown went out."""


def validate_media(draft: Draft, limits: Limits, channel: str) -> list[Problem]:
    """Media count, types and sizes against a channel's limits."""
    problems = []
    if len(draft.media) > limits.max_media:
        problems.append(
            problem(
                "media", "{channel} accepts at most {n} images", channel=channel, n=limits.max_media
            )
        )
    for item in draft.media:
        if item.mime_type not in limits.media_types:
            problems.append(
                problem(
                    "media",
                    "{channel} does not accept {type} ({filename})",
                    channel=channel,
                    type=item.mime_type,
                    filename=item.filename,
                )
            )
        if len(item.data) > limits.max_media_bytes:
            mb = limits.max_media_bytes // (1024 * 1024)
            problems.append(
                problem(
                    "media",
                    "{filename} is larger than {mb} MB, the {channel} limit",
                    filename=item.filename,
                    mb=mb,
                    channel=channel,
                )
            )
    return problems


class TimeoutSession(requests.Session):
    """A requests session that always applies a timeout (client libraries often pass none)."""

    def __init__(self, timeout=DEFAULT_TIMEOUT):
        super().__init__()
        self.timeout = timeout
        self._environment: dict = {}

    def request(self, method, url, **kwargs):
        kwargs["timeout"] = kwargs.get("timeout") or self.timeout
        return super().request(method, url, **kwargs)

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        """requests reads proxy and CA variables from the environment on every request (a scan of
        os.environ); they do not change while the process runs, so read them once per host."""
        if proxies or stream or verify is not None or cert:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname, parts.port)
        if key not in self._environment:
            self._environment[key] = super().merge_environment_settings(
                url, proxies, stream, verify, cert
            )
        return dict(self._environment[key])


def transport_error(error: requests.RequestException, channel: str) -> ChannelError:
    """Classify a failure below HTTP: refused connections sent nothing, the rest may have."""
    if isinstance(error, requests.ConnectTimeout | requests.exceptions.SSLError) or (
        isinstance(error, requests.ConnectionError)
        and not isinstance(error, requests.ReadTimeout)
        and "Connection refused" in str(error)
    ):
        return ChannelError(
            ErrorKind.retryable, f"{channel} could not be reached; carepost will try again"
        )
    if isinstance(error, requests.Timeout):
        return ChannelError(
            ErrorKind.unknown,
            f"{channel} did not answer in time; carepost will check "
            "whether the post went out before trying again",
        )
    return ChannelError(
        ErrorKind.unknown,
        f"the connection to {channel} dropped; carepost will check "
        "whether the post went out before trying again",
    )


CLOCK_SKEW = timedelta(minutes=1)


def created_since(created_at: datetime | None, since: datetime) -> bool:
    """Whether a post the channel dates at created_at can have come from a claim made at since."""
    return created_at is None or created_at >= since - CLOCK_SKEW


def same_text(published: str, draft: Draft) -> bool:
    """Whether a channel's copy of a post is this draft (channels rewrite links and spacing)."""

    def norm(value: str) -> str:
        words = [w for w in value.split() if not w.startswith(("http://", "https://"))]
        return " ".join(words).casefold()

    return norm(published) == norm(draft.body)
