"""Outreach in and out: the lab system's results-ready request and its answer."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

MAX_ID = 2**31 - 1  # ids are 32-bit on PostgreSQL


class ResultsReadyIn(BaseModel):
    """`contact`: a contact id, or a phone number exactly one contact has; `external_id`: the lab's
    own id of the result, so that the same request sent twice sends one SMS."""

    contact: Annotated[int, Field(ge=1, le=MAX_ID)] | Annotated[str, Field(max_length=40)] = Field(
        union_mode="left_to_right"
    )
    external_id: str | None = Field(default=None, min_length=1, max_length=100)
    template_id: int | None = Field(
        default=None, ge=1, le=MAX_ID
    )  # the newest approved results-ready template when absent


class ResultsReadyPublic(BaseModel):
    id: int
    contact_id: int
    external_id: str | None
    template_id: int
    sms_id: int | None
    sms_status: str | None
    created: bool  # False: this external_id was received before and nothing new was queued
    may_send: bool  # False: the person opted out or the number is suppressed; nothing will go
    created_at: datetime
