"""Log-in throttling per (account, address): growing waits after repeated failures, never a lockout.

A wrong password from one address never slows down the same account elsewhere, nor other accounts
behind the same address (a practice's shared connection), so an attacker cannot lock anybody out.
"""

import math
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.accounts.models import LoginAttempt
from app.clock import utcnow
from app.errors import TooManyRequests
from app.i18n import N_
from app.settings import get_settings

# The first wait after the free failures; each further failure doubles it, up to the window.
FIRST_WAIT_SECONDS = 30
# Failures older than this no longer count, so a forgotten password is forgiven by the next day.
MEMORY = timedelta(hours=24)
TOO_MANY = N_(
    "too many failed log-ins for this account from your address; wait before trying again"
)


def key_for(username: str) -> str:
    """The account key attempts are recorded under (also for names that do not exist)."""
    return username.strip().lower()[:80]


def wait_after(failures: int) -> int:
    """Seconds to wait after this many consecutive failures (0 while they are still free)."""
    settings = get_settings()
    extra = failures - settings.login_max_failures
    if extra < 0:
        return 0
    return min(FIRST_WAIT_SECONDS * 2 ** min(extra, 20), settings.login_window_minutes * 60)


def check(*, db: Session, key: str, ip: str) -> None:
    """Raise TooManyRequests while this address must wait before trying this account again."""
    since = utcnow() - MEMORY
    pair = (LoginAttempt.key == key, LoginAttempt.ip == ip)
    last_success = db.exec(
        select(func.max(LoginAttempt.at)).where(
            *pair, col(LoginAttempt.succeeded).is_(True), LoginAttempt.at >= since
        )
    ).one()
    failures, last_failure = db.exec(
        select(func.count(), func.max(LoginAttempt.at)).where(
            *pair,
            col(LoginAttempt.succeeded).is_(False),
            LoginAttempt.at > (last_success or since),
        )
    ).one()
    wait = wait_after(failures)
    if not wait or last_failure is None:
        return
    remaining = (last_failure + timedelta(seconds=wait) - utcnow()).total_seconds()
    if remaining > 0:
        raise TooManyRequests(TOO_MANY, retry_after=math.ceil(remaining))


def record(*, db: Session, key: str, ip: str, succeeded: bool) -> None:
    """Remember one attempt for this account from this address."""
    db.add(LoginAttempt(key=key, ip=ip[:45], succeeded=succeeded, at=utcnow()))
    db.flush()
