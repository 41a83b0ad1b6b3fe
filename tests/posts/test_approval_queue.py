"""Posts awaiting approval in the clinicians' review queue: one decision path, and a diff on return."""

import pytest

from app.accounts.models import Role, User
from app.database import session_scope
from app.errors import Conflict, InvalidInput
from app.posts import approvals, review_versions
from app.posts import service as posts
from app.posts.models import Post, PostCreate, PostStatus
from app.review import service as review
from app.review.models import ReviewStatus

CLAIM = "La vacuna de la gripe reduce las hospitalizaciones en mayores"


def claim_post(marketer, channel, text=CLAIM) -> int:
    with session_scope() as db:
        data = PostCreate(text=text, channels=[channel.id], health_claim=True)
        return posts.create(db=db, author=marketer, data=data).id


def queue_of(user_id: int) -> list:
    with session_scope() as db:
        viewer = db.get(User, user_id)
        return [(i.kind, i.target_id) for i in review.queue(db, viewer=viewer)]


def decide(clinician_id, post_id, action, note=None):
    with session_scope() as db:
        item = review.item_for(db, posts.APPROVAL_KIND, post_id)
        review.decide(
            db,
            item_id=item.id,
            action=action,
            actor=db.get(User, clinician_id),
            version=item.version,
            note=note,
        )


def test_queue_lists_posts_awaiting_approval_for_verified_clinicians_only(
    make_user, marketer, clinician, outbox
):
    post_id = claim_post(marketer, outbox)
    admin = make_user(Role.admin)
    unverified = make_user(Role.clinician)
    assert ("post_approval", post_id) in queue_of(clinician.id)
    assert ("post_approval", post_id) not in queue_of(admin.id)
    with session_scope() as db:
        assert approvals.waiting_for(db, db.get(User, clinician.id)) == 1
        assert approvals.waiting_for(db, db.get(User, unverified.id)) == 0
        assert not review.may_review(db, db.get(User, unverified.id))


def test_approve_and_reject_from_the_queue_go_through_the_posts_review(marketer, clinician, outbox):
    approved_id, rejected_id = claim_post(marketer, outbox), claim_post(marketer, outbox)
    decide(clinician.id, approved_id, "approve")
    with pytest.raises(InvalidInput):
        decide(clinician.id, rejected_id, "reject", note="  ")
    with pytest.raises(InvalidInput):
        decide(clinician.id, rejected_id, "remove")
    decide(clinician.id, rejected_id, "reject", note="Falta la fuente")
    with session_scope() as db:
        assert db.get(Post, approved_id).status == PostStatus.approved
        rejected = db.get(Post, rejected_id)
        assert rejected.status == PostStatus.rejected
        assert rejected.review_comment == "Falta la fuente" and rejected.needs_clinician
        statuses = {
            pid: review.item_for(db, posts.APPROVAL_KIND, pid).status
            for pid in (approved_id, rejected_id)
        }
    assert statuses == {approved_id: ReviewStatus.approved, rejected_id: ReviewStatus.rejected}
    assert ("post_approval", approved_id) not in queue_of(clinician.id)


def test_a_decision_on_the_post_page_closes_its_queue_item(marketer, clinician, outbox):
    post_id = claim_post(marketer, outbox)
    with session_scope() as db:
        post = db.get(Post, post_id)
        posts.review(db=db, post=post, clinician=clinician, approve=True, comment=None)
    with session_scope() as db:
        item = review.item_for(db, posts.APPROVAL_KIND, post_id)
        assert item.status == ReviewStatus.approved and item.decided_by == clinician.id


def test_an_edit_after_a_rejection_returns_to_the_queue_with_a_word_diff(
    marketer, clinician, outbox
):
    post_id = claim_post(marketer, outbox)
    decide(clinician.id, post_id, "reject", note="Falta la fuente")
    with session_scope() as db:
        stale_version = review.item_for(db, posts.APPROVAL_KIND, post_id).version
        post = db.get(Post, post_id)
        data = PostCreate(
            text="La vacuna de la gripe reduce los ingresos en mayores (fuente: OMS)",
            channels=[outbox.id],
            health_claim=False,  # unticked: the claim stays after a rejection
        )
        posts.update(db=db, post=post, data=data, actor=marketer)
    assert ("post_approval", post_id) in queue_of(clinician.id)
    with session_scope() as db:
        post = db.get(Post, post_id)
        assert post.status == PostStatus.awaiting_approval and post.health_claim
        changes = review_versions.changes_since_review(db, post)
        item = review.item_for(db, posts.APPROVAL_KIND, post_id)
        with pytest.raises(Conflict):  # a decision on the version seen before the edit
            review.decide(
                db, item_id=item.id, action="approve", actor=clinician, version=stale_version
            )
    assert changes.reviewer == clinician.display_name and changes.reviewed.comment
    [text] = changes.fields
    removed = [s.text for s in text.segments if s.change == "removed"]
    added = [s.text for s in text.segments if s.change == "added"]
    assert removed == ["las hospitalizaciones"] and added == ["los ingresos", " (fuente: OMS)"]


def test_an_edit_while_waiting_reopens_nothing_and_a_cancel_withdraws_the_item(
    marketer, clinician, outbox
):
    post_id = claim_post(marketer, outbox)
    with session_scope() as db:
        posts.cancel(db=db, post=db.get(Post, post_id), actor=marketer)
    with session_scope() as db:
        item = review.item_for(db, posts.APPROVAL_KIND, post_id)
        assert item.status == ReviewStatus.withdrawn
        assert review_versions.changes_since_review(db, db.get(Post, post_id)) is None


def test_word_diff_keeps_spacing_and_marks_only_changed_words():
    segments = review_versions.diff_words("Abrimos el sábado", "Abrimos el domingo y festivos")
    assert [(s.change, s.text) for s in segments] == [
        ("same", "Abrimos el "),
        ("removed", "sábado"),
        ("added", "domingo y festivos"),
    ]


def test_home_counts_the_approvals_and_the_item_page_shows_the_diff(login_as, marketer, outbox):
    client, clinician, _csrf = login_as(Role.clinician, verified=True)
    post_id = claim_post(marketer, outbox)
    decide(clinician.id, post_id, "reject", note="Falta la fuente")
    with session_scope() as db:
        data = PostCreate(text=CLAIM + " (OMS)", channels=[outbox.id], health_claim=True)
        posts.update(db=db, post=db.get(Post, post_id), data=data, actor=marketer)
        item_id = review.item_for(db, posts.APPROVAL_KIND, post_id).id
    home = client.get("/").text
    assert 'data-testid="approvals-count">1<' in home and "?kind=post_approval" in home
    assert 'data-testid="changed-since-review"' in client.get("/review?kind=post_approval").text
    page = client.get(f"/review/{item_id}").text
    assert '<ins><span class="skip">[added: </span> (OMS)' in page
    assert "Falta la fuente" in page and 'value="reject"' in page
    [listed] = [i for i in client.get("/api/review").json() if i["kind"] == "post_approval"]
    assert listed["target_id"] == post_id and listed["context"]["link"] == f"/posts/{post_id}"
