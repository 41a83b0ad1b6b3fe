"""A worker that posts replies but dies before recording them: run by the crash test, then SIGKILLed."""

import time

from app.posts.comment_outbound import CommentReplies
from scheduler.dispatcher import tick


def never_returns(*_args, **_kwargs):
    time.sleep(3600)


CommentReplies.record_sent = never_returns
tick()
