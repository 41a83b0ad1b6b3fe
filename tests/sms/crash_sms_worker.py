"""A worker that sends SMS but dies before recording them: run by the crash test, then SIGKILLed."""

import time

from app.sms.outbound import SmsMessages
from scheduler.dispatcher import tick


def never_returns(*_args, **_kwargs):
    time.sleep(3600)


SmsMessages.record_sent = never_returns
tick()
