"""Posts waiting for a clinician's approval, as items of the clinicians' review queue.

The queue shows them beside flagged content and takes the clinician's decision, but the decision
itself is `service.review`, the one the post's own page and the API call: one state machine.
"""

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.errors import InvalidInput
from app.i18n import Message
from app.posts import review_versions
from app.posts import service as posts
from app.posts.models import Post
from app.review import service as review
from app.review.models import OPEN_STATUSES, Reviewable


def _context(db: Session, post: Post) -> dict:
    author = db.get(User, post.author_id)
    channels = ", ".join(c.name for _t, c in posts.targets(db=db, post=post))
    return {
        "where": Message("post #{id} for {channels}", id=post.id, channels=channels or "—"),
        "link": f"/posts/{post.id}",
        "author": author.display_name if author else "?",
        "thread": [],
        "changes": review_versions.changes_since_review(db, post),
    }


def _decide(db: Session, post: Post, clinician: User, action: str, note: str | None) -> None:
    if action not in ("approve", "reject"):
        raise InvalidInput("choose approve or reject", field="action")
    posts.review(db=db, post=post, clinician=clinician, approve=action == "approve", comment=note)


def waiting_for(db: Session, viewer: User) -> int:
    """How many posts wait for this viewer's approval (verified clinicians only; 0 for others)."""
    if not viewer.is_verified_clinician:
        return 0
    query = select(func.count()).where(
        Reviewable.kind == posts.APPROVAL_KIND, col(Reviewable.status).in_(OPEN_STATUSES)
    )
    return db.exec(query).one()


# What the review queue holds of this module's content; app/review/kinds.py registers it at start-up.
REVIEW_KINDS = {
    posts.APPROVAL_KIND: review.ContentKind(
        model=Post,
        label="post awaiting approval",
        context=_context,
        actions=("approve", "reject"),
        decide=_decide,
    )
}
