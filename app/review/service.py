"""The review queue: screening new content, reports and flags, and clinicians' decisions.

Every domain describes its kinds of content (a table with `text`, `status` and `author_id`) in a
`REVIEW_KINDS` of its own; `app/review/kinds.py` registers them at start-up. This module never
imports the domains, so data still flows one way.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from app import i18n
from app.accounts.models import Role, User
from app.audit import service as audit
from app.clock import utcnow
from app.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.groups import service as groups
from app.i18n import N_, Message
from app.notifications import service as notifications
from app.review import policy, scoring, strikes
from app.review.models import (
    OPEN_STATUSES,
    ContentStatus,
    ModerationLabel,
    Reviewable,
    ReviewEvent,
    ReviewSignal,
    ReviewStatus,
)
from app.settings import get_settings
from moderation.model import LABELS, Score

CLINICIAN_FLAG_WEIGHT = 5.0
# Reports add up: content is hidden once their weight reaches this (two members with an average
# record, ½ each; one member with a good record and another; or one clinician).
HIDE_AT = 1.0
ACTIONS = ("approve", "remove", "edit_approve", "answer", "escalate", "reject")


@dataclass(frozen=True)
class ContentKind:
    """How the queue reaches one kind of content."""

    model: type
    label: str
    context: Callable[[Session, Any], dict]
    answer: Callable[[Session, Any, User, str], None] | None = None
    actions: tuple[str, ...] = ("approve", "remove", "edit_approve", "escalate")
    # A kind whose decision its own domain makes (a post's approval): the queue hands the action
    # and the reviewer's note to it, and its one state machine changes the content.
    decide: Callable[[Session, Any, User, str, str | None], None] | None = None


KINDS: dict[str, ContentKind] = {}


def register(name: str, kind: ContentKind) -> None:
    KINDS[name] = kind


@dataclass
class Screening:
    status: ContentStatus
    flags: list[str]
    auto_reply: str | None
    item: Reviewable | None
    score: Score | None = field(default=None, repr=False)


def item_for(db: Session, kind: str, target_id: int) -> Reviewable | None:
    """The review item of one piece of content, if it has one."""
    query = select(Reviewable).where(Reviewable.kind == kind, Reviewable.target_id == target_id)
    return db.exec(query).first()


def _open_item(
    db: Session, *, kind: str, target: Any, group_id: int | None, severity: int, clinical: bool
) -> Reviewable:
    item = item_for(db, kind, target.id)
    if item is None:
        item = Reviewable(
            kind=kind,
            target_id=target.id,
            group_id=group_id,
            author_id=target.author_id,
            text=target.text,
        )
        db.add(item)
    elif item.status not in OPEN_STATUSES:
        item.status = ReviewStatus.pending
        item.version += 1
    item.text = target.text
    item.severity = max(item.severity, severity)
    item.clinical = item.clinical or clinical
    item.updated_at = utcnow()
    db.flush()
    return item


def request_decision(db: Session, *, kind: str, target: Any, flags: list[str]) -> Reviewable:
    """Content that waits for a clinician's decision (a post's approval) gets its item, clinical;
    an item already open takes the new text and a new version, so a form opened before is stale."""
    existing = item_for(db, kind, target.id)
    was_open = existing is not None and existing.status in OPEN_STATUSES
    severity = max([policy.SEVERITY.get(f, 0) for f in flags] + [policy.REPORT_SEVERITY])
    item = _open_item(db, kind=kind, target=target, group_id=None, severity=severity, clinical=True)
    item.flags = sorted(set(flags))
    if was_open:
        item.version += 1
    return item


def close(
    db: Session, *, kind: str, target_id: int, status: ReviewStatus, actor: User | None, note=None
) -> None:
    """Content decided or withdrawn outside the queue (on its own page, by its API): its open
    item closes with the same outcome, so the queue never shows what no longer waits."""
    item = item_for(db, kind, target_id)
    if item is None or item.status not in OPEN_STATUSES:
        return
    action = {ReviewStatus.approved: "approve", ReviewStatus.rejected: "reject"}.get(status)
    db.add(
        ReviewEvent(
            reviewable_id=item.id,
            action=action or "withdraw",
            actor_id=actor.id if actor else None,
            from_status=str(item.status),
            to_status=str(status),
            note=(note or "").strip()[:500] or None,
        )
    )
    item.status, item.version, item.updated_at = status, item.version + 1, utcnow()
    if action:
        item.decided_by, item.decided_at = actor.id if actor else None, utcnow()
    db.add(item)


def screen(
    db: Session,
    *,
    kind: str,
    target: Any,
    group_id: int | None = None,
    always_queue: bool = False,
    score: Score | None = None,
    ignore: frozenset[str] = frozenset(),
    locale: str | None = None,
) -> Screening:
    """Score new or edited content and apply the policy; flagged (or always_queue) content gets an item.

    ignore: labels that do not apply where the content is (clinicians discussing doses among
    themselves are not asking the crowd for one). locale: the language of the automatic reply
    (the practice's by default).
    """
    score = score or scoring.score([target.text])[0]
    if ignore:
        score = Score(
            score.text,
            score.scores,
            [f for f in score.flags if f not in ignore],
            {k: v for k, v in score.reasons.items() if k not in ignore},
        )
    result = policy.outcome(score.flags, locale)
    item = None
    if score.flags or always_queue:
        item = _open_item(
            db,
            kind=kind,
            target=target,
            group_id=group_id,
            severity=result.severity,
            clinical=result.clinical or always_queue,
        )
        item.flags = sorted(set(item.flags) | set(score.flags))
        item.scores = score.scores
        item.reasons = score.reasons
        item.auto_reply = result.auto_reply
        for label in score.flags:
            ruled = any(r.startswith("rule:") for r in score.reasons.get(label, []))
            weight = 1.0 if ruled else score.scores.get(label, 0) * scoring.label_precision(label)
            db.add(
                ReviewSignal(
                    reviewable_id=item.id,
                    source="rule" if ruled else "classifier",
                    label=label,
                    weight=round(weight, 4),
                    reason="; ".join(score.reasons.get(label, []))[:300],
                )
            )
        item.score = round(item.score + sum(score.scores.get(f, 0) for f in score.flags), 4)
        audit.record(
            db,
            actor=None,
            action="moderation.flag" if score.flags else "moderation.queue",
            object_type=kind,
            object_id=target.id,
            flags=",".join(score.flags),
        )
        if "emergency" in score.flags:
            notifications.notify_clinicians(
                db=db,
                kind="emergency",
                message=Message("Emergency: a message needs a clinician now"),
                link=f"/review/{item.id}",
            )
    return Screening(result.status, score.flags, result.auto_reply, item, score)


def reporter_accuracy(db: Session, user_id: int) -> float:
    """Share of the member's decided reports that were upheld, smoothed towards one half."""
    query = select(ReviewSignal.upheld, func.count()).where(
        ReviewSignal.user_id == user_id,
        ReviewSignal.source == "report",
        col(ReviewSignal.upheld).is_not(None),
    )
    counts = dict(db.exec(query.group_by(ReviewSignal.upheld)).all())
    upheld, total = counts.get(True, 0), sum(counts.values())
    return (upheld + 1) / (total + 2)


def report(
    db: Session,
    *,
    kind: str,
    target: Any,
    reporter: User,
    reason: str,
    label: str | None = None,
    group_id: int | None = None,
) -> Reviewable:
    """A member's report or a clinician's flag adds its weight to the content's item."""
    if label is not None and label not in LABELS:
        raise InvalidInput("unknown label “{label}”", field="label", label=label)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("say briefly what is wrong", field="reason")
    clinical_flag = reporter.is_verified_clinician
    already = db.exec(
        select(ReviewSignal.id)
        .join(Reviewable, col(Reviewable.id) == ReviewSignal.reviewable_id)
        .where(
            Reviewable.kind == kind,
            Reviewable.target_id == target.id,
            ReviewSignal.user_id == reporter.id,
            col(Reviewable.status).in_(OPEN_STATUSES),
        )
    ).first()
    if already:
        raise Conflict("you have reported this already; moderators will look at it")
    severity = policy.SEVERITY.get(label or "", policy.REPORT_SEVERITY)
    clinical = clinical_flag or (label in policy.CLINICAL)
    item = _open_item(
        db, kind=kind, target=target, group_id=group_id, severity=severity, clinical=clinical
    )
    weight = CLINICIAN_FLAG_WEIGHT if clinical_flag else reporter_accuracy(db, reporter.id)
    db.add(
        ReviewSignal(
            reviewable_id=item.id,
            source="clinician" if clinical_flag else "report",
            user_id=reporter.id,
            label=label,
            weight=round(weight, 4),
            reason=reason[:300],
        )
    )
    if label and label not in item.flags:
        item.flags = [*item.flags, label]
    item.score = round(item.score + weight, 4)
    if item.score >= HIDE_AT and target.status == ContentStatus.visible:
        target.status = ContentStatus.hidden
    audit.record(
        db,
        actor=reporter,
        action="moderation.report",
        object_type=kind,
        object_id=target.id,
        label=label or "",
    )
    return item


def _moderated_groups(db: Session, user: User) -> list[int]:
    return groups.managed_by(db=db, user_id=user.id)


def readable_items(db: Session, viewer: User):
    """The statement every queue read starts from: clinicians see every item, admins the
    non-clinical ones, group admins and moderators the non-clinical ones of their groups."""
    query = select(Reviewable)
    if viewer.is_verified_clinician:
        return query
    if viewer.role == Role.admin:
        return query.where(col(Reviewable.clinical).is_(False))
    mine = _moderated_groups(db, viewer)
    return query.where(col(Reviewable.clinical).is_(False), col(Reviewable.group_id).in_(mine))


def may_review(db: Session, viewer: User) -> bool:
    """Whether the user has a queue at all."""
    return (
        viewer.is_verified_clinician
        or viewer.role == Role.admin
        or bool(_moderated_groups(db, viewer))
    )


def queue(
    db: Session, *, viewer: User, kind: str | None = None, limit: int = 100
) -> list[Reviewable]:
    """Open items the viewer may decide, most severe first, then oldest first."""
    query = readable_items(db, viewer).where(col(Reviewable.status).in_(OPEN_STATUSES))
    if kind:
        query = query.where(Reviewable.kind == kind)
    order = (col(Reviewable.severity).desc(), col(Reviewable.created_at), col(Reviewable.id))
    return list(db.exec(query.order_by(*order).limit(limit)))


def get(db: Session, *, viewer: User, item_id: int) -> Reviewable:
    """One item the viewer may see (404 otherwise, so ids reveal nothing)."""
    item = db.exec(readable_items(db, viewer).where(Reviewable.id == item_id)).first()
    if item is None:
        raise NotFound("no such review item")
    return item


def context(db: Session, item: Reviewable) -> dict:
    """Where the content is and the thread around it, as its domain describes them."""
    kind = KINDS.get(item.kind)
    target = db.get(kind.model, item.target_id) if kind else None
    if target is None:
        return {"where": item.kind, "link": None, "thread": []}
    return {"kind_label": kind.label, **kind.context(db, target)}


def signals(db: Session, item: Reviewable) -> list[ReviewSignal]:
    query = select(ReviewSignal).where(ReviewSignal.reviewable_id == item.id)
    return list(db.exec(query.order_by(col(ReviewSignal.id))))


def history(db: Session, item: Reviewable) -> list[ReviewEvent]:
    query = select(ReviewEvent).where(ReviewEvent.reviewable_id == item.id)
    return list(db.exec(query.order_by(col(ReviewEvent.id))))


NEXT_STATUS = {
    "approve": ReviewStatus.approved,
    "remove": ReviewStatus.removed,
    "edit_approve": ReviewStatus.approved,
    "answer": ReviewStatus.answered,
    "escalate": ReviewStatus.escalated,
    "reject": ReviewStatus.rejected,
}


def _check_action(
    item: Reviewable, action: str, actor: User, text: str | None, note: str | None = None
) -> None:
    if action not in ACTIONS:
        raise InvalidInput(
            "unknown action “{action}” (one of {actions})",
            field="action",
            action=action,
            actions=", ".join(ACTIONS),
        )
    if item.status not in OPEN_STATUSES:
        raise Conflict("this item was already decided ({status})", status=item.status)
    if action in ("edit_approve", "answer") and not (text or "").strip():
        raise InvalidInput("write the text", field="text")
    kind = KINDS.get(item.kind)
    if kind is not None and action not in kind.actions:
        raise InvalidInput(
            "a {kind} cannot be given the action “{action}”",
            field="action",
            kind=i18n.label(item.kind),
            action=i18n.label(action),
        )
    if action == "reject" and not (note or "").strip():
        raise InvalidInput("say why it is rejected, so the author can fix it", field="note")
    if action == "answer" and not actor.is_verified_clinician:
        raise PermissionDenied("only a verified clinician can answer")
    if action == "escalate" and item.status == ReviewStatus.escalated:
        raise Conflict("this item is escalated already")


def _store_label(db: Session, item: Reviewable, text: str, labels: Iterable[str], actor: User):
    db.add(
        ModerationLabel(
            text=text,
            labels=";".join(sorted(set(labels))),
            reviewable_id=item.id,
            decided_by=actor.id,
        )
    )


def decide(
    db: Session,
    *,
    item_id: int,
    action: str,
    actor: User,
    version: int,
    note: str | None = None,
    text: str | None = None,
    labels: list[str] | None = None,
) -> Reviewable:
    """Run one action as one transaction; a stale version means someone else acted first (409)."""
    item = get(db, viewer=actor, item_id=item_id)
    _check_action(item, action, actor, text, note)
    if labels is not None and (unknown := set(labels) - set(LABELS)):
        raise InvalidInput("unknown label “{label}”", field="labels", label=sorted(unknown)[0])
    before = item.status
    changed = db.exec(
        update(Reviewable)
        .where(col(Reviewable.id) == item.id, col(Reviewable.version) == version)
        .values(version=version + 1, status=NEXT_STATUS[action], updated_at=utcnow())
    )
    if changed.rowcount != 1:
        raise Conflict("someone else decided this item first; reload the queue")
    db.refresh(item)
    kind = KINDS.get(item.kind)
    target = db.get(kind.model, item.target_id) if kind else None
    flagged = [label for label in (labels if labels is not None else item.flags) if label in LABELS]
    if action == "escalate":
        item.clinical = True
        item.severity += 30
        notifications.notify_clinicians(
            db=db,
            kind="review",
            message=Message("A review item was escalated to clinicians"),
            link=f"/review/{item.id}",
        )
    else:
        item.decided_by, item.decided_at = actor.id, utcnow()
        if kind is not None and kind.decide is not None:
            if target is None:
                raise NotFound("no such review item")
            kind.decide(db, target, actor, action, note)
        else:
            _apply(db, item, action, actor, target, kind, text, flagged)
    db.add(
        ReviewEvent(
            reviewable_id=item.id,
            action=action,
            actor_id=actor.id,
            from_status=str(before),
            to_status=str(item.status),
            note=(note or "").strip()[:500] or None,
        )
    )
    audit.record(
        db,
        actor=actor,
        action=f"review.{action}",
        object_type=item.kind,
        object_id=item.target_id,
        reviewable=item.id,
    )
    return item


def _apply(db, item, action, actor, target, kind, text, flagged) -> None:
    """Change the content, store the decision as labels, tell the author and the reporters."""
    upheld = action == "remove"
    appealed = strikes.pending_appeal(db, item)
    if appealed is not None:
        strikes.settle_appeal(db, appealed, upheld=upheld, actor=actor)
    if action == "approve":
        _store_label(db, item, item.text, [], actor)
        outcome = N_("approved and visible")
    elif action == "remove":
        if flagged:
            _store_label(db, item, item.text, flagged, actor)
        outcome = N_("removed")
    elif action == "edit_approve":
        _store_label(db, item, item.text, flagged, actor)
        _store_label(db, item, text.strip(), [], actor)
        outcome = N_("edited by a moderator and visible")
    else:  # answer
        _store_label(db, item, item.text, flagged or ["unsafe_consultation"], actor)
        outcome = N_("answered by a clinician")
    if target is not None:
        if action == "edit_approve":
            target.text = text.strip()
        if action == "answer":
            kind.answer(db, target, actor, text.strip())
        target.status = ContentStatus.removed if action == "remove" else ContentStatus.visible
        db.add(target)
    reporters = db.exec(
        select(ReviewSignal).where(
            ReviewSignal.reviewable_id == item.id, col(ReviewSignal.user_id).is_not(None)
        )
    ).all()
    link = (kind.context(db, target).get("link") if kind and target else None) or None
    for signal in reporters:
        signal.upheld = upheld
        db.add(signal)
        notifications.notify(
            db=db,
            user_id=signal.user_id,
            kind="report",
            message=Message("Your report was reviewed: the content was removed")
            if upheld
            else Message("Your report was reviewed: the content was kept"),
            link=None if upheld else link,
        )
    if appealed is not None:
        return  # the author heard the appeal's outcome; reporters were told the first time
    strike = None
    if action == "remove":
        strike = strikes.record(db, item, actor, ", ".join(flagged) or N_("removed by a moderator"))
    if item.author_id:
        what, outcome = i18n.label(item.kind), Message(outcome)
        message = Message("Your {kind} was reviewed: {outcome}", kind=what, outcome=outcome)
        if strike is not None:
            message = Message(
                "Your {kind} was reviewed: {outcome}; you can appeal until {day}",
                kind=what,
                outcome=outcome,
                day=f"{strike.appeal_until:%Y-%m-%d}",
            )
        notifications.notify(
            db=db,
            user_id=item.author_id,
            kind="moderation",
            message=message,
            link="/strikes" if strike is not None else (None if action == "remove" else link),
        )


def bulk(
    db: Session, *, actor: User, action: str, versions: dict[int, int], note: str | None = None
) -> int:
    """Approve, remove or escalate several items; each keeps its own version check."""
    if action not in ("approve", "remove", "escalate"):
        raise InvalidInput("bulk actions are approve, remove and escalate", field="action")
    if not versions:
        raise InvalidInput("choose at least one item", field="items")
    for item_id, version in versions.items():
        decide(db, item_id=item_id, action=action, actor=actor, version=version, note=note)
    return len(versions)


def escalate_stale(db: Session) -> int:
    """Items pending longer than the practice allows go to the clinicians: never silently dropped."""
    cutoff = utcnow() - timedelta(hours=get_settings().review_stale_hours)
    stale = db.exec(
        select(Reviewable).where(
            Reviewable.status == ReviewStatus.pending, col(Reviewable.created_at) < cutoff
        )
    ).all()
    for item in stale:
        item.status, item.clinical = ReviewStatus.escalated, True
        item.severity += 30
        item.version += 1
        db.add(
            ReviewEvent(
                reviewable_id=item.id,
                action="escalate",
                from_status="pending",
                to_status="escalated",
                note="waited too long",
            )
        )
    if stale:
        notifications.notify_clinicians(
            db=db,
            kind="review",
            message=Message("{n} review items waited too long and were escalated", n=len(stale)),
            link="/review",
        )
    return len(stale)


def settle_fixed(db: Session, *, kind: str, target: Any, actor: User) -> None:
    """The author fixed flagged content and it now scores clean: its open item closes."""
    item = item_for(db, kind, target.id)
    if item is None or item.status not in OPEN_STATUSES:
        return
    db.add(
        ReviewEvent(
            reviewable_id=item.id,
            action="fixed",
            actor_id=actor.id,
            from_status=str(item.status),
            to_status="approved",
            note="edited by the author; scores clean",
        )
    )
    item.status, item.version, item.text = ReviewStatus.approved, item.version + 1, target.text
    item.decided_at, item.updated_at = utcnow(), utcnow()


def training_rows(db: Session) -> list[tuple[str, str]]:
    """Every decision stored as a label, latest decision per text winning."""
    latest: dict[str, str] = {}
    for row in db.exec(select(ModerationLabel).order_by(col(ModerationLabel.id))):
        latest[row.text] = row.labels
    return list(latest.items())


def labels_of(db: Session, item: Reviewable) -> list[ModerationLabel]:
    query = select(ModerationLabel).where(ModerationLabel.reviewable_id == item.id)
    return list(db.exec(query.order_by(col(ModerationLabel.id))))


def counts(db: Session, viewer: User) -> int:
    """How many open items the viewer has."""
    query = readable_items(db, viewer).where(col(Reviewable.status).in_(OPEN_STATUSES))
    return db.exec(select(func.count()).select_from(query.subquery())).one()
