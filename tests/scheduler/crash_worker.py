"""A worker that publishes but dies before recording the result: run by the crash test, then SIGKILLed."""

import time

from app.posts import deliveries
from scheduler.dispatcher import tick


def never_returns(**_kwargs):
    time.sleep(3600)


deliveries.record_published = never_returns
tick()
