"""Patients' questions to the practice and clinicians' answers."""

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from app.clock import UTCDateTime, utcnow
from app.database import enum_type
from app.review.models import ContentStatus


class Question(SQLModel, table=True):
    __table_args__ = (Index("ix_question_library", "public", "answered_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="user.id", index=True)
    title: str = Field(max_length=200)
    text: str = Field(sa_column=Column(Text, nullable=False))
    public: bool = True
    status: ContentStatus = Field(default=ContentStatus.visible, sa_type=enum_type(ContentStatus))
    notice: str | None = Field(default=None, sa_column=Column(Text))
    # Lower case, accents folded: what the library search and the suggestions match against.
    search_text: str = Field(sa_column=Column(Text, nullable=False))
    answered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class Answer(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question.id", index=True)
    clinician_id: int = Field(foreign_key="user.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class QuestionCreate(SQLModel):
    title: str = Field(min_length=5, max_length=200)
    text: str = Field(min_length=1, max_length=5000)
    public: bool = True


class AnswerCreate(SQLModel):
    text: str = Field(min_length=1, max_length=5000)


class AnswerPublic(SQLModel):
    id: int
    text: str
    clinician: str
    specialty: str | None
    created_at: datetime


class QuestionPublic(SQLModel):
    """A question as others see it: the asker's pseudonym only."""

    id: int
    title: str
    text: str
    public: bool
    status: ContentStatus
    notice: str | None
    asker: str
    answered: bool
    answers: list[AnswerPublic] = []
    created_at: datetime
