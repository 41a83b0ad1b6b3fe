"""The clinician network: case discussions, events and jobs; comments; follows of people and topics."""

from datetime import datetime
from enum import StrEnum

from pydantic import field_validator
from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import AwareInstant, UTCDateTime, utcnow
from app.database import enum_type
from app.i18n import N_
from app.review.models import ContentStatus

TOPIC_PATTERN = r"^[a-z0-9áéíóúñü-]{2,40}$"
MIN_OPTIONS, MAX_OPTIONS = 2, 5


class NetworkKind(StrEnum):
    case = "case"
    event = "event"
    job = "job"


class NetworkPost(SQLModel, table=True):
    __table_args__ = (
        Index("ix_networkpost_status_id", "status", "id"),
        Index("ix_networkpost_author_id", "author_id", "id"),
        Index("ix_networkpost_topic_id", "topic", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="user.id")
    kind: NetworkKind = Field(sa_type=enum_type(NetworkKind, 10))
    title: str = Field(max_length=200)
    text: str = Field(sa_column=Column(Text, nullable=False))
    topic: str | None = Field(default=None, max_length=40)
    status: ContentStatus = Field(default=ContentStatus.visible, sa_type=enum_type(ContentStatus))
    notice: str | None = Field(default=None, sa_column=Column(Text))
    search_text: str = Field(sa_column=Column(Text, nullable=False))
    starts_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    place: str | None = Field(default=None, max_length=200)
    hours: str | None = Field(default=None, max_length=100)
    contact: str | None = Field(default=None, max_length=200)
    comment_count: int = 0
    # Shown to clinicians without its author; administrators still see who wrote it.
    anonymous: bool = False
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class NetworkComment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="networkpost.id", index=True)
    author_id: int = Field(foreign_key="user.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: ContentStatus = Field(default=ContentStatus.visible, sa_type=enum_type(ContentStatus))
    notice: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class Follow(SQLModel, table=True):
    """A clinician follows another clinician (followee_id) or a topic."""

    __table_args__ = (UniqueConstraint("follower_id", "followee_id", "topic"),)

    id: int | None = Field(default=None, primary_key=True)
    follower_id: int = Field(foreign_key="user.id", index=True)
    followee_id: int | None = Field(default=None, foreign_key="user.id")
    topic: str | None = Field(default=None, max_length=40)


class NetworkPostCreate(SQLModel):
    kind: NetworkKind
    title: str = Field(min_length=3, max_length=200)
    text: str = Field(min_length=1, max_length=10000)
    topic: str | None = Field(default=None, max_length=40)
    starts_at: AwareInstant | None = None
    place: str | None = Field(default=None, max_length=200)
    hours: str | None = Field(default=None, max_length=100)
    contact: str | None = Field(default=None, max_length=200)
    anonymous: bool = False
    poll: list[str] | None = Field(default=None, description="2 to 5 options (cases only)")

    @field_validator("poll", mode="before")
    @classmethod
    def _poll(cls, value):
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(N_("a poll is a list of 2 to 5 options"))
        options = [v.strip() for v in value if v.strip()]
        if not options:
            return None
        if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            raise ValueError(N_("a poll is a list of 2 to 5 options"))
        if any(len(o) > 100 for o in options) or len(set(options)) != len(options):
            raise ValueError(N_("each poll option is different and at most 100 characters"))
        return options

    @field_validator("topic", mode="before")
    @classmethod
    def _topic(cls, value):
        if value is not None and not isinstance(value, str):
            raise ValueError("the topic must be text")
        if isinstance(value, str):
            value = value.strip().lower().lstrip("#").replace(" ", "-") or None
        if value is not None:
            import re

            if not re.match(TOPIC_PATTERN, value):
                raise ValueError(N_("use 2 to 40 letters, digits or '-'"))
        return value


class PollOptionPublic(SQLModel):
    id: int
    text: str
    votes: int | None = Field(description="shown once the reader has voted")


class PollPublic(SQLModel):
    options: list[PollOptionPublic]
    voted_option_id: int | None
    total_votes: int | None


class NetworkPostPublic(SQLModel):
    id: int
    kind: NetworkKind
    title: str
    text: str
    topic: str | None
    status: ContentStatus
    notice: str | None
    anonymous: bool = False
    author: str | None = Field(description="empty for an anonymous case, except to administrators")
    author_id: int | None
    specialty: str | None
    starts_at: datetime | None
    place: str | None
    hours: str | None
    contact: str | None
    comment_count: int
    useful_count: int = 0
    useful_mine: bool = False
    poll: PollPublic | None = None
    created_at: datetime


class FollowIn(SQLModel):
    user_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    topic: str | None = Field(default=None, max_length=40)
    following: bool = Field(default=True, description="false stops following")


class NetworkReaction(SQLModel, table=True):
    """A clinician found a post useful: one row per clinician and post."""

    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="networkpost.id", index=True)
    user_id: int = Field(foreign_key="user.id")


class PollOption(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="networkpost.id", index=True)
    position: int
    text: str = Field(max_length=100)


class PollVote(SQLModel, table=True):
    """One vote per clinician and poll (the post)."""

    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="networkpost.id", index=True)
    option_id: int = Field(foreign_key="polloption.id")
    user_id: int = Field(foreign_key="user.id")


SPECIALTIES: dict[str, str] = {
    "family_medicine": N_("Family medicine"),
    "internal_medicine": N_("Internal medicine"),
    "cardiology": N_("Cardiology"),
    "dermatology": N_("Dermatology"),
    "endocrinology": N_("Endocrinology"),
    "gastroenterology": N_("Gastroenterology"),
    "geriatrics": N_("Geriatrics"),
    "gynaecology": N_("Obstetrics and gynaecology"),
    "neurology": N_("Neurology"),
    "oncology": N_("Oncology"),
    "paediatrics": N_("Paediatrics"),
    "psychiatry": N_("Psychiatry"),
    "pulmonology": N_("Pulmonology"),
    "emergency_medicine": N_("Emergency medicine"),
    "surgery": N_("General surgery"),
    "nursing": N_("Nursing"),
    "other": N_("Other"),
}


class ClinicianProfile(SQLModel, table=True):
    """What a clinician tells colleagues about themselves; edited by the clinician only."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    specialty: str | None = Field(default=None, max_length=40, index=True)
    centre: str | None = Field(default=None, max_length=120)
    interests: str | None = Field(default=None, max_length=300)
    bio: str | None = Field(default=None, max_length=500)
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class ProfileIn(SQLModel):
    specialty: str | None = Field(default=None, max_length=40)
    centre: str | None = Field(default=None, max_length=120)
    interests: str | None = Field(default=None, max_length=300)
    bio: str | None = Field(default=None, max_length=500)

    @field_validator("specialty", "centre", "interests", "bio", mode="before")
    @classmethod
    def _blank(cls, value):
        return (value.strip() or None) if isinstance(value, str) else value

    @field_validator("specialty")
    @classmethod
    def _specialty(cls, value):
        if value is not None and value not in SPECIALTIES:
            raise ValueError(N_("choose a specialty from the list"))
        return value


class ColleaguePublic(SQLModel):
    """A verified clinician as colleagues see them in the directory."""

    id: int
    display_name: str
    specialty: str | None
    specialty_label: str | None
    centre: str | None
    interests: str | None
    bio: str | None


class DirectMessage(SQLModel, table=True):
    """A message between two verified clinicians; scored like every text, held when flagged."""

    __table_args__ = (
        Index("ix_directmessage_pair_id", "sender_id", "recipient_id", "id"),
        Index("ix_directmessage_recipient_id", "recipient_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sender_id: int = Field(foreign_key="user.id")
    recipient_id: int = Field(foreign_key="user.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: ContentStatus = Field(default=ContentStatus.visible, sa_type=enum_type(ContentStatus))
    notice: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    read_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))

    @property
    def author_id(self) -> int:
        """The review queue's name for who wrote it."""
        return self.sender_id


class MessageIn(SQLModel):
    text: str = Field(min_length=1, max_length=5000)


class MessagePublic(SQLModel):
    id: int
    sender_id: int
    recipient_id: int
    text: str
    status: ContentStatus
    notice: str | None
    created_at: datetime
    read_at: datetime | None


class ConversationPublic(SQLModel):
    with_id: int
    with_name: str
    last_text: str
    last_at: datetime
    unread: int
