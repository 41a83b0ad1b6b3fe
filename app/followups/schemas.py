"""What staff send to write a follow-up sequence."""

from pydantic import BaseModel, Field

MAX_STEPS = 30
MAX_TEXT = 480  # three SMS segments of GSM-7


class StepIn(BaseModel):
    day: int = Field(ge=0, le=365)
    es: str = Field(min_length=1, max_length=MAX_TEXT)
    en: str = Field(default="", max_length=MAX_TEXT)


class SequenceIn(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    send_hour: int = Field(default=10, ge=0, le=23)
    steps: list[StepIn] = Field(min_length=1, max_length=MAX_STEPS)
