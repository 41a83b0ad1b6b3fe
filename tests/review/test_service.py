"""The review queue: held content is invisible to others until decided, decisions are labels,
two clinicians cannot both win, and a retrain learns from the decisions."""

import pytest
from click.testing import CliRunner
from sqlmodel import select

from app.cli import cli
from app.database import session_scope
from app.errors import Conflict
from app.groups import threads
from app.groups.models import GroupPost
from app.notifications.models import Notification
from app.review import scoring
from app.review import service as review
from app.review.models import ContentStatus, ModerationLabel, Reviewable


def _write(user, group_id, text):
    with session_scope() as db:
        return threads.write(db=db, viewer=user, group_id=group_id, text=text)


def test_an_emergency_is_held_with_the_numbers_and_clinicians_are_told(community):
    people, group_ids = community
    post = _write(people["member"], group_ids["public"], "I want to kill myself tonight")
    assert post.status == ContentStatus.held
    assert "112" in post.notice and "024" in post.notice
    with session_scope() as db:
        item = review.item_for(db, "group_post", post.id)
        assert item.severity == 100 and item.clinical
        told = db.exec(select(Notification).where(Notification.kind == "emergency")).all()
        assert [n.user_id for n in told] == [people["clinician"].id]
        # Others do not see it; the author does.
        assert (
            threads.threads(db=db, viewer=people["moderator"], group=_group(db, group_ids))[0] == []
        )
        assert [
            p.id
            for p in threads.threads(db=db, viewer=people["member"], group=_group(db, group_ids))[0]
        ] == [post.id]


def _group(db, group_ids):
    from app.groups.models import SupportGroup

    return db.get(SupportGroup, group_ids["public"])


def test_a_dosage_question_is_held_and_answered_from_the_queue(community, with_model):
    people, group_ids = community
    post = _write(
        people["member"], group_ids["public"], "How many mg of ibuprofen can I give my 3 year old?"
    )
    assert post.status == ContentStatus.held and post.notice
    with session_scope() as db:
        queue = review.queue(db, viewer=people["clinician"])
        assert [i.target_id for i in queue] == [post.id]
        assert review.queue(db, viewer=people["moderator"]) == []  # clinical: not for moderators
        review.decide(
            db,
            item_id=queue[0].id,
            action="answer",
            actor=people["clinician"],
            version=queue[0].version,
            text="Dose by weight, not age: ask your pharmacist with the box in hand.",
        )
    with session_scope() as db:
        shown = db.get(GroupPost, post.id)
        assert shown.status == ContentStatus.visible and shown.notice is None
        answer = db.exec(select(GroupPost).where(GroupPost.parent_id == post.id)).one()
        assert answer.clinician_answer and answer.author_id == people["clinician"].id
        label = db.exec(select(ModerationLabel)).one()
        assert label.labels == "unsafe_consultation"
        assert db.exec(
            select(Notification).where(
                Notification.user_id == people["member"].id, Notification.kind == "moderation"
            )
        ).first()


def test_two_decisions_on_the_same_version_cannot_both_win(community):
    people, group_ids = community
    post = _write(
        people["member"], group_ids["public"], "Patient Mary Jones DOB 12/03/1961 has cancer"
    )
    with session_scope() as db:
        item = review.item_for(db, "group_post", post.id)
        version = item.version
        review.decide(
            db, item_id=item.id, action="approve", actor=people["clinician"], version=version
        )
    with session_scope() as db, pytest.raises(Conflict):
        review.decide(
            db, item_id=item.id, action="remove", actor=people["clinician"], version=version
        )


def test_reports_add_up_and_the_reporter_learns_the_outcome(community):
    people, group_ids = community
    post = _write(people["admin"], group_ids["public"], "Our walking group meets on Saturday")
    with session_scope() as db:
        target = db.get(GroupPost, post.id)
        item = review.report(
            db,
            kind="group_post",
            target=target,
            reporter=people["member"],
            reason="off topic",
            group_id=group_ids["public"],
        )
        assert target.status == ContentStatus.visible  # one average report does not hide
        review.report(
            db,
            kind="group_post",
            target=target,
            reporter=people["moderator"],
            reason="spam",
            group_id=group_ids["public"],
        )
        assert target.status == ContentStatus.hidden
        item_id, version = item.id, item.version
    with session_scope() as db:
        # Not clinical: the group's moderator may decide it.
        review.decide(
            db, item_id=item_id, action="approve", actor=people["moderator"], version=version
        )
        told = db.exec(
            select(Notification).where(
                Notification.user_id == people["member"].id, Notification.kind == "report"
            )
        ).one()
        assert "kept" in told.message
        assert db.get(GroupPost, post.id).status == ContentStatus.visible


def test_a_retrain_learns_from_decisions(community, db_url, shipped_model, monkeypatch):
    people, group_ids = community
    # Part of the shipped corpus keeps the retraining quick; the decisions are what is tested.
    part = [scoring.CORPUS_DIR / name for name in ("en.csv", "es.csv", "en_myths.csv")]
    monkeypatch.setattr(scoring, "corpus_files", lambda: part)
    claims = [
        "Zorblax crystals under the pillow cure diabetes overnight",
        "Doctors hide that zorblax water reverses cancer",
        "My aunt stopped insulin after zorblax drops and feels great",
        "Zorblax tea clears the lungs of covid in a day",
        "Put zorblax powder on wounds instead of antibiotics",
        "Zorblax bracelets fix high blood pressure, skip the pills",
    ]
    probe = "a friend swears zorblax pills cure asthma"
    assert "misinformation" not in scoring.score([probe])[0].flags
    for text in claims:
        post = _write(people["admin"], group_ids["public"], text)
        with session_scope() as db:
            target = db.get(GroupPost, post.id)
            item = review.report(
                db,
                kind="group_post",
                target=target,
                reporter=people["clinician"],
                reason="false cure",
                label="misinformation",
            )
            review.decide(
                db,
                item_id=item.id,
                action="remove",
                actor=people["clinician"],
                version=item.version,
            )
    result = CliRunner().invoke(cli, ["moderation", "retrain", "--folds", "0"])
    assert result.exit_code == 0, result.output
    assert "6 from decisions" in result.output
    assert "misinformation" in scoring.score([probe])[0].flags


def test_held_items_are_not_readable_through_the_api_by_other_members(app, community, login_as):
    from fastapi.testclient import TestClient

    from tests.conftest import login

    people, group_ids = community
    post = _write(
        people["member"], group_ids["public"], "Patient Mary Jones DOB 12/03/1961 has cancer"
    )
    assert post.status == ContentStatus.hidden
    with TestClient(app, follow_redirects=False) as other:
        login(other, people["moderator"].username)
        listed = other.get(f"/api/groups/{group_ids['public']}/posts").json()["items"]
        assert post.id not in {p["id"] for p in listed}
        assert other.get(f"/groups/{group_ids['public']}/posts/{post.id}").status_code == 404
    with session_scope() as db:
        assert db.exec(select(Reviewable)).one().flags == ["phi"]


def test_a_flagged_practice_post_waits_for_a_clinician_before_it_is_scheduled(
    marketer, clinician, outbox
):
    from datetime import timedelta

    from app.clock import utcnow
    from app.posts import service as posts
    from app.posts.models import Post, PostCreate, PostStatus

    with session_scope() as db:
        post = posts.create(
            db=db,
            author=marketer,
            data=PostCreate(
                text="Thanks to Mary Jones, DOB 12/03/1961, for sharing her cancer story",
                channels=[outbox.id],
                scheduled_at=utcnow() + timedelta(hours=1),
            ),
        )
        assert post.status == PostStatus.awaiting_approval and post.moderation_flags == ["phi"]
        with pytest.raises(Conflict):
            posts.schedule(db=db, post=post, when=utcnow() + timedelta(hours=2), actor=marketer)
        post_id = post.id
    with session_scope() as db:
        posts.review(
            db=db,
            post=db.get(Post, post_id),
            clinician=clinician,
            approve=False,
            comment="remove her name and date of birth",
        )
        assert db.exec(select(ModerationLabel)).one().labels == "phi"
