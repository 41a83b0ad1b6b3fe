"""The clinician network: followed first, cursor pages without repeats, identifiers block a case."""

from app.accounts.models import Role
from app.database import session_scope
from app.network import service as network
from app.network.models import NetworkPostCreate
from app.review.models import ContentStatus


def _post(author, title, topic=None, text="Thoughts welcome"):
    with session_scope() as db:
        return network.create(
            db=db,
            author=author,
            data=NetworkPostCreate(kind="case", title=title, text=text, topic=topic),
        )


def test_feed_shows_followed_first_and_pages_without_repeats(make_user):
    me, friend, other = (make_user(Role.clinician, verified=True) for _ in range(3))
    for i in range(25):
        _post(other if i % 2 else friend, f"Case {i}", topic="cardio" if i == 24 else None)
    with session_scope() as db:
        network.follow(db=db, viewer=me, user_id=friend.id)
    seen, cursor, pages = [], None, 0
    while True:
        with session_scope() as db:
            rows, cursor = network.feed(db=db, viewer=me, cursor=cursor, size=7)
        seen += rows
        pages += 1
        if cursor is None:
            break
    assert len(seen) == 25 and len({p.id for p in seen}) == 25 and pages == 4
    authors = [p.author_id for p in seen]
    assert authors[:13] == [friend.id] * 13 and set(authors[13:]) == {other.id}
    ids = [p.id for p in seen[:13]]
    assert ids == sorted(ids, reverse=True)


def test_a_case_with_identifiers_waits_until_the_author_fixes_it(make_user):
    author = make_user(Role.clinician, verified=True)
    reader = make_user(Role.clinician, verified=True)
    post = _post(
        author, "Chest pain", text="Mr John Smith, NHS 943 476 5919, DOB 12/03/1961, angina"
    )
    assert post.status == ContentStatus.hidden and "identif" in post.notice
    with session_scope() as db:
        assert network.feed(db=db, viewer=reader)[0] == []
        fixed = network.update(
            db=db,
            viewer=author,
            post_id=post.id,
            data=NetworkPostCreate(kind="case", title="Chest pain", text="Man in his 60s, angina"),
        )
        assert fixed.status == ContentStatus.visible
    with session_scope() as db:
        assert [p.id for p in network.feed(db=db, viewer=reader)[0]] == [post.id]


def test_a_job_is_found_by_search(make_user):
    author, seeker = (make_user(Role.clinician, verified=True) for _ in range(2))
    with session_scope() as db:
        network.create(
            db=db,
            author=author,
            data=NetworkPostCreate(
                kind="job",
                title="Pediatra de tarde",
                text="Sustitución en Getafe",
                place="Getafe",
                hours="15-22",
                contact="rrhh@example.es",
                topic="pediatría",
            ),
        )
    with session_scope() as db:
        found, _cursor = network.search(db=db, viewer=seeker, q="getafe pediatra", kind="job")
        assert [p.title for p in found] == ["Pediatra de tarde"]
