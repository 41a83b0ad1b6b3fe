"""@mentions in group posts: a member's pseudonym after an @ tells that member, in the app.

Only the pseudonyms of the group's active members are looked for, so a real name, a non-member or
a made-up name after an @ tells no one.
"""

import re

from sqlmodel import Session, col, select

from app.accounts.models import User
from app.groups.models import GroupMembership, GroupPost, MembershipStatus, SupportGroup
from app.i18n import Message
from app.notifications import service as notifications

MAX_PER_POST = 10


def mentioned(*, db: Session, group_id: int, text: str) -> list[User]:
    """The active members of the group whose pseudonym follows an @ in text."""
    if "@" not in text:
        return []
    query = (
        select(User)
        .join(GroupMembership, col(GroupMembership.user_id) == User.id)
        .where(
            GroupMembership.group_id == group_id,
            GroupMembership.status == MembershipStatus.active,
            col(User.is_active),
        )
    )
    folded = text.casefold()
    found = []
    # Longest pseudonyms first, so "@Ana María" is not taken for "@Ana".
    for user in sorted(db.exec(query), key=lambda u: -len(u.display_name)):
        pattern = "@" + re.escape(user.display_name.casefold()) + r"(?!\w)"
        if re.search(pattern, folded):
            found.append(user)
            folded = re.sub(pattern, " ", folded)
    return found[:MAX_PER_POST]


def notify(
    *, db: Session, group: SupportGroup, post: GroupPost, author: User, before: str = ""
) -> list[int]:
    """Tell each member mentioned in post (and not already in `before`, its previous text)."""
    already = {u.id for u in mentioned(db=db, group_id=group.id, text=before)} if before else set()
    told = []
    for user in mentioned(db=db, group_id=group.id, text=post.text):
        if user.id == author.id or user.id in already:
            continue
        notifications.notify(
            db=db,
            user_id=user.id,
            kind="mention",
            message=Message(
                "{name} mentioned you in {group}", name=author.display_name, group=group.name
            ),
            link=f"/groups/{group.id}/posts/{post.parent_id or post.id}#post-{post.id}",
        )
        told.append(user.id)
    return told
