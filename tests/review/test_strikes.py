"""Strikes and appeals: a removal counts against its author, who may appeal it once within the window;
an accepted appeal restores the content and withdraws the label, repeated strikes slow posting down."""

from datetime import timedelta

import pytest
from sqlmodel import select

from app.clock import utcnow
from app.database import session_scope
from app.errors import Conflict, InvalidInput, NotFound, TooManyRequests
from app.groups import threads
from app.groups.models import GroupPost
from app.notifications.models import Notification
from app.review import service as review
from app.review import strikes
from app.review.models import (
    AppealStatus,
    ContentStatus,
    ModerationLabel,
    Reviewable,
    ReviewStatus,
    Strike,
)

INVITATION = "Caminata solidaria el sábado, inscripción gratis en www.caminata.example"


def _removed_post(people, group_id, text=INVITATION):
    """A member's post that a moderator reports and removes as spam."""
    with session_scope() as db:
        post = threads.write(db=db, viewer=people["member"], group_id=group_id, text=text)
        review.report(
            db,
            kind="group_post",
            target=post,
            reporter=people["moderator"],
            reason="advertising",
            label="spam",
            group_id=group_id,
        )
        item = review.item_for(db, "group_post", post.id)
        review.decide(
            db,
            item_id=item.id,
            action="remove",
            actor=people["admin"],
            version=item.version,
            labels=["spam"],
        )
        strike = db.exec(select(Strike).where(Strike.reviewable_id == item.id)).one()
        return post.id, item.id, strike.id


def test_a_removal_is_a_strike_the_author_hears_of_with_the_appeal_date(community):
    people, group_ids = community
    _post_id, _item_id, strike_id = _removed_post(people, group_ids["public"])
    with session_scope() as db:
        strike = db.get(Strike, strike_id)
        assert strike.user_id == people["member"].id and strike.reason == "spam"
        assert timedelta(days=13) < strike.appeal_until - utcnow() <= timedelta(days=14)
        told = db.exec(
            select(Notification).where(Notification.user_id == people["member"].id)
        ).all()
        assert any("appeal until" in n.message and n.link == "/strikes" for n in told)
        assert strikes.active_counts(db, [people["member"].id]) == {people["member"].id: 1}


def test_an_accepted_appeal_restores_the_post_and_withdraws_the_label(community):
    people, group_ids = community
    post_id, item_id, strike_id = _removed_post(people, group_ids["public"])
    with session_scope() as db:
        with pytest.raises(NotFound):  # someone else's strike does not exist for them
            strikes.appeal(db, user=people["outsider"], strike_id=strike_id, text="x" * 20)
        with pytest.raises(InvalidInput):
            strikes.appeal(db, user=people["member"], strike_id=strike_id, text="no")
        strikes.appeal(
            db,
            user=people["member"],
            strike_id=strike_id,
            text="It is our group's charity walk, the moderators announced it.",
        )
    with session_scope() as db:
        item = db.get(Reviewable, item_id)
        assert item.status == ReviewStatus.pending
        assert [i.id for i in review.queue(db, viewer=people["moderator"])] == [item_id]
        assert "charity walk" in " ".join(s.reason for s in review.signals(db, item))
        with pytest.raises(Conflict):
            strikes.appeal(db, user=people["member"], strike_id=strike_id, text="again, please!")
        review.decide(
            db, item_id=item_id, action="approve", actor=people["moderator"], version=item.version
        )
    with session_scope() as db:
        assert db.get(GroupPost, post_id).status == ContentStatus.visible
        strike = db.get(Strike, strike_id)
        assert strike.appeal_status == AppealStatus.overturned
        labels = db.exec(
            select(ModerationLabel).where(ModerationLabel.reviewable_id == item_id)
        ).all()
        assert [label.labels for label in labels] == [""]  # benign, the "spam" label is gone
        assert strikes.active_counts(db, [people["member"].id]) == {}
        assert db.exec(select(Strike)).all() == [strike]  # no second strike from the re-decision


def test_an_upheld_appeal_keeps_the_strike_and_a_late_one_is_refused(community):
    people, group_ids = community
    _post_id, item_id, strike_id = _removed_post(people, group_ids["public"])
    with session_scope() as db:
        strikes.appeal(
            db, user=people["member"], strike_id=strike_id, text="Please look again at it."
        )
        item = db.get(Reviewable, item_id)
        review.decide(
            db, item_id=item_id, action="remove", actor=people["admin"], version=item.version
        )
    with session_scope() as db:
        assert db.get(Strike, strike_id).appeal_status == AppealStatus.upheld
        assert len(db.exec(select(Strike)).all()) == 1
    _post_id, _item_id, late_id = _removed_post(people, group_ids["public"], INVITATION + " 2")
    with session_scope() as db:
        db.get(Strike, late_id).appeal_until = utcnow() - timedelta(minutes=1)
    with session_scope() as db, pytest.raises(Conflict, match="window closed"):
        strikes.appeal(db, user=people["member"], strike_id=late_id, text="Too late, I know.")


def test_members_with_several_strikes_post_at_the_new_members_rate(community, monkeypatch):
    from app.groups.models import GroupMembership

    people, group_ids = community
    with session_scope() as db:  # an established member, not a new one
        membership = db.exec(
            select(GroupMembership).where(
                GroupMembership.user_id == people["member"].id,
                GroupMembership.group_id == group_ids["public"],
            )
        ).one()
        membership.joined_at = utcnow() - timedelta(days=30)
    for n in range(3):
        _removed_post(people, group_ids["public"], f"{INVITATION} ({n})")
    with session_scope() as db:
        assert strikes.restricted(db, people["member"])
        written = db.exec(select(GroupPost).where(GroupPost.author_id == people["member"].id)).all()
        assert len(written) == 3
    for n in range(2):  # five an hour: three removed ones count, two more are allowed
        with session_scope() as db:
            threads.write(
                db=db, viewer=people["member"], group_id=group_ids["public"], text=f"Gracias {n}"
            )
    with session_scope() as db, pytest.raises(TooManyRequests, match="removed"):
        threads.write(db=db, viewer=people["member"], group_id=group_ids["public"], text="Hola")
