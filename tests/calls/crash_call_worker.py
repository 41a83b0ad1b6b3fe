"""A worker that places calls but dies before recording them: run by the crash test, then SIGKILLed."""

import time

from app.calls.outbound import CallDeliveries
from scheduler.dispatcher import tick


def never_returns(*_args, **_kwargs):
    time.sleep(3600)


CallDeliveries.record_sent = never_returns
tick()
