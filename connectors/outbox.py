"""The local outbox: a channel that records posts in carepost's own database (demo and tests)."""

from datetime import datetime
from typing import Protocol

from connectors.base import (
    CLOCK_SKEW,
    Comment,
    Draft,
    Limits,
    Problem,
    Published,
    problem,
    same_text,
    validate_media,
)

LIMITS = Limits(
    max_text=5000,
    max_media=4,
    media_types=frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"}),
    max_media_bytes=10 * 1024 * 1024,
)


class OutboxStore(Protocol):
    """Where the outbox keeps what it "publishes"; the app provides it."""

    def add(
        self,
        channel_id: int,
        text: str,
        link: str | None,
        media_count: int,
        reference: str | None = None,
    ) -> str: ...

    def find(
        self, channel_id: int, *, reference: str | None, text: str, since: datetime
    ) -> list[tuple[str, datetime, str | None]]:
        """(id, created_at, reference) of the messages with this reference (with this text since
        `since` when there is no reference)."""
        ...

    def counters(self, remote_id: str) -> dict[str, int]: ...

    def comments(self, remote_id: str, since: datetime | None) -> list[Comment]: ...

    def hide_comment(self, comment_id: str, hidden: bool) -> None: ...

    def reply(self, comment_id: str, text: str) -> str: ...

    def replies(self, comment_id: str, since: datetime) -> list[tuple[str, datetime, str]]:
        """(id, created_at, text) of the practice's answers to the comment since `since`,
        newest first."""
        ...


class OutboxConnector:
    kind = "outbox"
    limits = LIMITS
    refreshed = None  # nothing to renew

    def __init__(self, channel_id: int, store: OutboxStore, base_url: str = ""):
        self.channel_id = channel_id
        self.store = store
        self.base_url = base_url

    @staticmethod
    def backoff_until() -> None:
        return None

    @staticmethod
    def validate(draft: Draft) -> list[Problem]:
        problems = [] if draft.text.strip() else [problem("text", "the outbox needs text")]
        if len(draft.text) > LIMITS.max_text:
            problems.append(problem("text", "the outbox allows {n} characters", n=LIMITS.max_text))
        return problems + validate_media(draft, LIMITS, "the outbox")

    def _url(self, remote_id: str) -> str:
        return f"{self.base_url}/outbox/{remote_id}"

    def publish(self, draft: Draft) -> Published:
        remote_id = self.store.add(
            self.channel_id, draft.text, draft.link, len(draft.media), draft.reference
        )
        return Published(remote_id, self._url(remote_id), reference=draft.reference)

    def find_published(self, draft: Draft, since: datetime) -> list[Published]:
        """The outbox keeps each message's reference: a draft that has one is found by it alone."""
        found = self.store.find(
            self.channel_id, reference=draft.reference, text=draft.text, since=since
        )
        return [
            Published(remote_id, self._url(remote_id), created_at=created_at, reference=reference)
            for remote_id, created_at, reference in found
        ]

    def metrics(self, remote_id: str) -> dict[str, int]:
        return self.store.counters(remote_id)

    def test_connection(self) -> str:
        return "local outbox"

    def picture_url(self) -> str | None:
        return None  # the outbox page shows no account picture

    def comments(self, remote_id: str, since: datetime | None) -> list[Comment]:
        return self.store.comments(remote_id, since)

    def hide_comment(self, comment_id: str, hidden: bool) -> None:
        self.store.hide_comment(comment_id, hidden)

    def reply(self, comment_id: str, text: str) -> Published:
        reply_id = self.store.reply(comment_id, text)
        return Published(reply_id, None)

    def find_replies(self, comment_id: str, text: str, since: datetime) -> list[Published]:
        return [
            Published(reply_id, None, created_at=created_at)
            for reply_id, created_at, body in self.store.replies(comment_id, since - CLOCK_SKEW)
            if same_text(body, Draft(text))
        ]
