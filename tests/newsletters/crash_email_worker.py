"""A worker that dies mid-campaign: it claims four e-mails and never checks them (as if it stopped
right after the claim), then sends eight and hangs before recording them. Run by the crash test,
then SIGKILLed."""

import time

from app.clock import utcnow
from app.newsletters import outbound
from scheduler.dispatcher import tick


def never_returns(*_args, **_kwargs):
    time.sleep(3600)


outbound.EmailMessages.record_sent_many = never_returns
outbound.EmailMessages.record_sent = never_returns
kind = outbound._from_settings()
kind.claim(worker="crash:never-checked", now=utcnow(), limit=4)
kind.threads, kind.concurrency = 2, 8  # eight in flight: the rest of the campaign stays pending
outbound._from_settings = lambda: kind
outbound.engine.register(outbound.EmailMessages.name, lambda: kind)
tick()
