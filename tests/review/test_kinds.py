"""The review queue's content kinds are registered by each process at start-up, not on import."""

import subprocess
import sys

EVERY_KIND = [
    "channel_comment",
    "direct_message",
    "group_post",
    "network_comment",
    "network_post",
    "post_approval",
    "question",
    "sms_reply",
]


def _python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_importing_the_domains_registers_nothing_and_start_up_registers_every_kind():
    imported = "import app.groups.threads, app.posts.comments, app.questions.service\n"
    assert _python(imported + "from app.review.service import KINDS; print(len(KINDS))") == "0"
    started = (
        "from app.review import kinds, service\n"
        "kinds.register_all(); kinds.register_all()\n"
        "print(' '.join(sorted(service.KINDS)))"
    )
    assert _python(started).split() == EVERY_KIND
