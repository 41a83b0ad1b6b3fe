"""A newsletter's results: how many were sent, bounced, unsubscribed, complained, clicked and
(when the practice tracks opens) opened."""

from collections import defaultdict

from sqlalchemy import func
from sqlmodel import Session, select

from app.newsletters.models import EmailEvent, EmailKind, EmailStatus, OutboundEmail

EVENTS = ("sent", "hard_bounce", "soft_bounce", "complaint", "unsubscribe", "click", "open")


def figures(*, db: Session, newsletter_id: int) -> dict[str, int]:
    statuses = db.exec(
        select(OutboundEmail.status, func.count())
        .where(
            OutboundEmail.newsletter_id == newsletter_id, OutboundEmail.kind == EmailKind.newsletter
        )
        .group_by(OutboundEmail.status)
    ).all()
    events = db.exec(
        select(EmailEvent.kind, func.count())
        .where(EmailEvent.newsletter_id == newsletter_id)
        .group_by(EmailEvent.kind)
    ).all()
    counts = {str(status): n for status, n in statuses} | {str(kind): n for kind, n in events}
    return {
        "queued": sum(n for status, n in statuses),
        "sent": counts.get(EmailStatus.sent, 0),
        "failed": counts.get(EmailStatus.failed, 0) + counts.get(EmailStatus.uncertain, 0),
        "skipped": counts.get(EmailStatus.skipped, 0),
        "bounced": counts.get("hard_bounce", 0) + counts.get("soft_bounce", 0),
        "unsubscribed": counts.get("unsubscribe", 0),
        "complaints": counts.get("complaint", 0),
        "clicks": counts.get("click", 0),
        "opens": counts.get("open", 0),
    }


def by_hour(*, db: Session, newsletter_id: int) -> list[tuple[str, dict[str, int]]]:
    """Sent messages and events per hour (UTC), oldest first: the chart and the CSV export."""
    hours: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sent = db.exec(
        select(OutboundEmail.sent_at).where(
            OutboundEmail.newsletter_id == newsletter_id,
            OutboundEmail.kind == EmailKind.newsletter,
            OutboundEmail.status == EmailStatus.sent,
        )
    )
    for at in sent:
        hours[at.strftime("%Y-%m-%d %H:00")]["sent"] += 1
    events = db.exec(
        select(EmailEvent.kind, EmailEvent.at).where(EmailEvent.newsletter_id == newsletter_id)
    )
    for kind, at in events:
        hours[at.strftime("%Y-%m-%d %H:00")][str(kind)] += 1
    return sorted((hour, dict(counts)) for hour, counts in hours.items())
