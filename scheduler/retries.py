"""When to try a delivery again: exponential back-off with jitter, never before a channel's reset time."""

import random
from datetime import datetime, timedelta

BASE_SECONDS = 30
CAP_SECONDS = 3600


def backoff_seconds(attempt: int, rng: random.Random | None = None) -> float:
    """30 s, 60 s, 120 s … capped at an hour, each scaled by a random 0.5–1.5 so retries spread out."""
    raw = min(CAP_SECONDS, BASE_SECONDS * 2 ** max(0, attempt - 1))
    return raw * (rng or random).uniform(0.5, 1.5)


def next_attempt(now: datetime, attempt: int, not_before: datetime | None = None) -> datetime:
    """The time of the next try after `attempt` tries, honouring a rate-limit reset time."""
    when = now + timedelta(seconds=backoff_seconds(attempt))
    return max(when, not_before) if not_before else when
