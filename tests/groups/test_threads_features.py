"""Thread titles and categories, search, editing with history, deletion, images, mentions and the
weekly digest of followed threads."""

import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import select

from app.clock import utcnow
from app.database import session_scope
from app.errors import InvalidInput, NotFound, PermissionDenied
from app.groups import categories, editing, follows, images, threads
from app.groups.models import GroupPost, GroupPostImage
from app.groups.search import search
from app.notifications.models import Notification
from app.review.models import ContentStatus
from tests.conftest import login

HELD = "me quiero morir, no puedo más"
WEEK2 = timedelta(days=14)


def _notes(db, user, kind):
    query = select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
    return list(db.exec(query))


def test_admins_manage_categories_and_the_group_page_filters_by_them(community):
    people, ids = community
    group_id = ids["public"]
    with session_scope() as db:
        for who in ("moderator", "member"):
            with pytest.raises(PermissionDenied):
                categories.create(db=db, viewer=people[who], group_id=group_id, name="Dieta")
        diet = categories.create(db=db, viewer=people["admin"], group_id=group_id, name="Dieta")
        sport = categories.create(
            db=db, viewer=people["admin"], group_id=group_id, name="Ejercicio"
        )
        with pytest.raises(InvalidInput):  # a group with categories needs one on each thread
            threads.write(db=db, viewer=people["member"], group_id=group_id, text="Hola", title="T")
        with pytest.raises(InvalidInput):
            threads.write(
                db=db,
                viewer=people["member"],
                group_id=group_id,
                text="x",
                title=" ",
                category_id=diet.id,
            )
        lentils = threads.write(
            db=db,
            viewer=people["member"],
            group_id=group_id,
            text="Receta",
            title="Lentejas",
            category_id=diet.id,
        )
        threads.write(
            db=db,
            viewer=people["member"],
            group_id=group_id,
            text="Paseo",
            title="Caminar",
            category_id=sport.id,
        )
        group = db.get(GroupPost, lentils.id).group_id
        from app.groups.models import SupportGroup

        shown, _ = threads.threads(
            db=db, viewer=people["member"], group=db.get(SupportGroup, group), category_id=diet.id
        )
        assert [p.title for p in shown] == ["Lentejas"]
        assert threads.public(db, shown)[0].category == "Dieta"
        categories.delete(db=db, viewer=people["admin"], group_id=group_id, category_id=diet.id)
        assert db.get(GroupPost, lentils.id).category_id is None


def test_search_finds_title_and_text_but_held_posts_only_for_moderators(community):
    people, ids = community
    group_id = ids["public"]
    with session_scope() as db:
        thread = threads.write(
            db=db,
            viewer=people["member"],
            group_id=group_id,
            title="Receta de lentejas",
            text="Con verduras del mercado",
        )
        threads.write(
            db=db,
            viewer=people["member"],
            group_id=group_id,
            parent_id=thread.id,
            text="Las lentejas con arroz también",
        )
        held = threads.write(
            db=db, viewer=people["admin"], group_id=group_id, title="Lentejas", text=HELD
        )
        assert held.status != ContentStatus.visible
        gone = threads.write(
            db=db, viewer=people["member"], group_id=group_id, title="Más lentejas", text="x"
        )
        editing.delete(db=db, viewer=people["member"], group_id=group_id, post_id=gone.id)

        def found(who, q):
            return {p.id for p in search(db=db, viewer=people[who], group_id=group_id, q=q)[1]}

        assert found("member", "LÉNTEJAS") == {thread.id, thread.id + 1}
        assert found("member", "mercado lentejas") == {thread.id}
        assert found("outsider", "lentejas") == {thread.id, thread.id + 1}  # a public group
        assert held.id in found("moderator", "lentejas")
        assert gone.id not in found("moderator", "lentejas")
        with pytest.raises(NotFound):
            search(db=db, viewer=people["outsider"], group_id=ids["private"], q="lentejas")


def test_an_edit_is_scored_again_held_and_its_history_is_for_moderators_only(community):
    people, ids = community
    group_id = ids["private"]
    with session_scope() as db:
        post = threads.write(
            db=db, viewer=people["member"], group_id=group_id, title="Hola", text="Buenos días"
        )
        with pytest.raises(PermissionDenied):
            editing.edit(
                db=db, viewer=people["moderator"], group_id=group_id, post_id=post.id, text="x"
            )
        edited = editing.edit(
            db=db,
            viewer=people["member"],
            group_id=group_id,
            post_id=post.id,
            text=HELD,
            title="Ayuda",
        )
        assert edited.status == ContentStatus.held and edited.edited_at is not None
        assert threads.review.item_for(db, "group_post", post.id).text == HELD
        # Once held, a harmless edit does not bring it back before a moderator decides.
        editing.edit(
            db=db, viewer=people["member"], group_id=group_id, post_id=post.id, text="Todo bien"
        )
        assert db.get(GroupPost, post.id).status == ContentStatus.held
        _group, _post, versions = editing.history(
            db=db, viewer=people["moderator"], group_id=group_id, post_id=post.id
        )
        assert [(v.title, v.text) for v in versions] == [("Ayuda", HELD), ("Hola", "Buenos días")]
        with pytest.raises(PermissionDenied):
            editing.history(db=db, viewer=people["member"], group_id=group_id, post_id=post.id)
        with pytest.raises(NotFound):
            editing.history(db=db, viewer=people["outsider"], group_id=group_id, post_id=post.id)


def test_deleting_a_reply_leaves_a_tombstone_and_keeps_the_text_for_moderators(community):
    people, ids = community
    group_id = ids["public"]
    with session_scope() as db:
        thread = threads.write(db=db, viewer=people["admin"], group_id=group_id, text="Hilo")
        reply = threads.write(
            db=db,
            viewer=people["member"],
            group_id=group_id,
            parent_id=thread.id,
            text="Mi teléfono está en mi perfil",
        )
        with pytest.raises(PermissionDenied):
            editing.delete(db=db, viewer=people["admin"], group_id=group_id, post_id=reply.id)
        editing.delete(db=db, viewer=people["member"], group_id=group_id, post_id=reply.id)
        db.refresh(thread)
        assert thread.reply_count == 0
        shown = threads.public(db, threads.replies(db=db, viewer=people["outsider"], thread=thread))
        assert [(p.deleted, p.text) for p in shown] == [(True, "")]
        _g, kept, versions = editing.history(
            db=db, viewer=people["moderator"], group_id=group_id, post_id=reply.id
        )
        assert kept.text == versions[0].text == "Mi teléfono está en mi perfil"
        assert versions[0].change == "delete"


def _jpeg_with_gps() -> bytes:
    picture = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0132] = "2026:11:24 10:00:00"  # DateTime
    exif.get_ifd(0x8825).update({1: "N", 2: (40.0, 25.0, 1.0), 3: "W", 4: (3.0, 42.0, 2.0)})
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif, comment=b"Calle Mayor 1")
    return out.getvalue()


def test_an_image_keeps_its_pixels_and_loses_exif_and_gps(community):
    people, ids = community
    data = _jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the test image has GPS
    with session_scope() as db:
        post = threads.write(
            db=db,
            viewer=people["member"],
            group_id=ids["public"],
            title="Mi plato",
            text="Foto",
            image=("plato.jpg", data),
        )
        stored = db.exec(select(GroupPostImage).where(GroupPostImage.post_id == post.id)).one()
        clean = images.read(stored)
    opened = Image.open(io.BytesIO(clean))
    assert opened.format == "JPEG" and opened.size == (64, 48)
    assert dict(opened.getexif()) == {} and not opened.getexif().get_ifd(0x8825)
    assert "exif" not in opened.info and "comment" not in opened.info
    assert b"PhoneMaker" not in clean and b"Calle Mayor" not in clean
    with pytest.raises(InvalidInput):
        images.clean("notes.txt", b"GIF89a not really an image")
    with pytest.raises(InvalidInput):
        images.clean("big.jpg", data + b"\0" * images.MAX_BYTES)


def test_a_mention_tells_members_only_and_an_edit_tells_only_the_newly_mentioned(community):
    people, ids = community
    group_id = ids["private"]
    with session_scope() as db:
        post = threads.write(
            db=db,
            viewer=people["member"],
            group_id=group_id,
            title="Hola",
            text="Gracias @G-Moderator, y @G-Outsider y @g-member y @Nadie",
        )
        assert len(_notes(db, people["moderator"], "mention")) == 1
        assert _notes(db, people["outsider"], "mention") == []  # not a member of this group
        assert _notes(db, people["member"], "mention") == []  # one's own pseudonym
        editing.edit(
            db=db,
            viewer=people["member"],
            group_id=group_id,
            post_id=post.id,
            text="Gracias @g-moderator y @G-Admin",
        )
        assert len(_notes(db, people["moderator"], "mention")) == 1
        [told] = _notes(db, people["admin"], "mention")
        assert told.link == f"/groups/{group_id}/posts/{post.id}#post-{post.id}"


def test_the_weekly_digest_lists_followed_threads_with_new_replies_once_a_week(community):
    people, ids = community
    group_id = ids["public"]
    with session_scope() as db:
        busy = threads.write(
            db=db, viewer=people["member"], group_id=group_id, title="Paseos", text="¿Quién?"
        )
        quiet = threads.write(
            db=db, viewer=people["member"], group_id=group_id, title="Libros", text="¿Alguno?"
        )
        other = threads.write(
            db=db, viewer=people["admin"], group_id=group_id, title="Ajeno", text="Hola"
        )
        for text in ("Yo", "Y yo", HELD):
            threads.write(
                db=db, viewer=people["moderator"], group_id=group_id, parent_id=busy.id, text=text
            )
        threads.write(
            db=db, viewer=people["moderator"], group_id=group_id, parent_id=other.id, text="Hola"
        )
        rows = follows.digest_for(db=db, user_id=people["member"].id, since=utcnow() - follows.WEEK)
        assert [(t.title, n) for t, n in rows] == [("Paseos", 2)]  # held and quiet left out
        assert quiet.id not in {t.id for t, _ in rows}
        assert follows.send_weekly(db=db) >= 1
        [note] = _notes(db, people["member"], follows.DIGEST_KIND)
        assert note.text_data["values"]["threads"] == "“Paseos” (2)"
        assert note.link == f"/groups/{group_id}/posts/{busy.id}"
        assert follows.send_weekly(db=db) == 0  # not again within the week
        assert follows.digest_for(db=db, user_id=people["member"].id, since=utcnow() - WEEK2)
        editing.follow(db=db, viewer=people["member"], group_id=group_id, post_id=busy.id, on=False)
        assert not follows.digest_for(db=db, user_id=people["member"].id, since=utcnow() - WEEK2)


def test_routes_refuse_others_and_accept_the_right_people(app, community):
    people, ids = community
    group_id = ids["private"]
    with session_scope() as db:
        post = threads.write(
            db=db,
            viewer=people["member"],
            group_id=group_id,
            title="Foto",
            text="Mirad",
            image=("a.jpg", _jpeg_with_gps()),
        )
        post_id = post.id
        image_id = db.exec(select(GroupPostImage.id)).first()
    base = f"/groups/{group_id}"
    clients = {}
    for who in ("admin", "moderator", "member", "outsider"):
        client = TestClient(app, follow_redirects=False)
        clients[who] = (client, login(client, people[who].username))

    def post_as(who, path, **data):
        client, csrf = clients[who]
        return client.post(base + path, data={"csrf_token": csrf, **data}).status_code

    def get_as(who, path):
        return clients[who][0].get(base + path).status_code

    assert post_as("moderator", f"/posts/{post_id}/edit", text="Otra cosa") == 403
    assert post_as("outsider", f"/posts/{post_id}/edit", text="Otra cosa") == 404
    assert post_as("member", f"/posts/{post_id}/edit", text="Mirad bien") == 303
    assert get_as("member", f"/posts/{post_id}/history") == 403
    assert get_as("outsider", f"/posts/{post_id}/history") == 404
    assert get_as("moderator", f"/posts/{post_id}/history") == 200
    assert post_as("moderator", "/categories", name="Dieta") == 403
    assert post_as("admin", "/categories", name="Dieta") == 303
    assert post_as("admin", "/categories", name="") == 422
    assert post_as("outsider", f"/posts/{post_id}/follow", on="true") == 404
    assert post_as("moderator", f"/posts/{post_id}/follow", on="true") == 303
    assert get_as("outsider", f"/images/{image_id}") == 404
    assert get_as("moderator", f"/images/{image_id}") == 200
    assert get_as("outsider", "/search?q=mirad") == 404
    page = clients["moderator"][0].get(base + "/search?q=mirad").text
    assert "Mirad bien" in page
    assert post_as("moderator", f"/posts/{post_id}/delete") == 403
    assert post_as("member", f"/posts/{post_id}/delete") == 303
    assert get_as("member", f"/images/{image_id}") == 404  # the post is gone, so is its image
    for client, _csrf in clients.values():
        client.close()
