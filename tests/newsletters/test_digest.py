"""The weekly digest of followed group threads by e-mail, for members who ask for it on their
account page: through the engine to a real SMTP server, saying how many new replies and nothing of
what they are, with a one-click way to stop it."""

from fastapi.testclient import TestClient
from sqlmodel import select

from app.accounts import service as accounts
from app.accounts.models import User
from app.database import session_scope
from app.errors import InvalidInput
from app.groups import follows, threads
from app.newsletters.models import EmailKind, EmailStatus, OutboundEmail
from tests.conftest import login
from tests.newsletters.conftest import dkim_valid
from tests.newsletters.test_sending import run_engine

TITLE, GROUP_WORD = "Insulina nocturna", "Group"


def _busy_thread(people, group_id: int) -> None:
    with session_scope() as db:
        thread = threads.write(
            db=db, viewer=people["member"], group_id=group_id, title=TITLE, text="¿Cómo lo hacéis?"
        )
        for text in ("Yo la pongo a las diez", "Yo antes de cenar"):
            threads.write(
                db=db,
                viewer=people["moderator"],
                group_id=group_id,
                parent_id=thread.id,
                text=text,
            )


def _digests() -> list[OutboundEmail]:
    with session_scope() as db:
        query = select(OutboundEmail).where(OutboundEmail.kind == EmailKind.digest)
        return list(db.exec(query))


def test_a_member_who_asked_gets_a_count_and_a_link_and_leaves_in_one_click(
    app, community, practice, smtp
):
    people, ids = community
    member = people["member"]
    with session_scope() as db:
        user = db.get(User, member.id)
        accounts.update_preferences(
            db=db,
            user=user,
            display_name=user.display_name,
            locale="en",
            email="Member@Example.org",
            digest_email=True,
        )
    _busy_thread(people, ids["public"])
    with session_scope() as db:
        assert follows.send_weekly(db=db) >= 1
    [row] = _digests()
    assert (row.to_address, row.replies, row.user_id) == ("member@example.org", 2, member.id)
    run_engine()
    [got] = smtp.received
    assert got.rcpt_tos == ["member@example.org"]
    assert dkim_valid(got.raw)
    mail = got.message
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "2 new replies" in mail["Subject"] and "2 new replies" in text
    for secret in (TITLE, GROUP_WORD, "diez", "cenar"):
        assert secret not in text and secret not in html and secret not in mail["Subject"]
    assert "https://clinic.example/notifications" in text
    assert f"<https://clinic.example/u/{row.token}>" in " ".join(mail["List-Unsubscribe"].split())

    client = TestClient(app)
    assert "weekly digest" in client.get(f"/u/{row.token}").text
    with session_scope() as db:
        assert db.get(User, member.id).digest_email, "a GET changes nothing"
    assert client.post(f"/u/{row.token}").status_code == 200  # no cookie, no CSRF token
    with session_scope() as db:
        assert not db.get(User, member.id).digest_email
    assert "You do not receive the weekly digest" in client.get(f"/p/{row.token}").text

    # Turned off between queueing and sending: the engine skips it.
    with session_scope() as db:
        db.get(User, member.id).digest_email = False
        again = OutboundEmail(
            kind=EmailKind.digest,
            user_id=member.id,
            replies=1,
            to_address="member@example.org",
            token="x" * 22,
        )
        db.add(again)
    run_engine()
    assert len(smtp.received) == 1
    with session_scope() as db:
        assert db.exec(
            select(OutboundEmail.status).where(OutboundEmail.token == "x" * 22)
        ).one() == (EmailStatus.skipped)


def test_no_digest_by_email_unless_asked_and_an_address_is_needed(community, practice):
    people, ids = community
    _busy_thread(people, ids["public"])
    with session_scope() as db:
        assert follows.send_weekly(db=db) >= 1
    assert _digests() == []
    with session_scope() as db:
        user = db.get(User, people["member"].id)
        try:
            accounts.update_preferences(
                db=db,
                user=user,
                display_name=user.display_name,
                locale="",
                email="",
                digest_email=True,
            )
        except InvalidInput as error:
            assert error.field == "email"
        else:
            raise AssertionError("a digest by e-mail needs an address")
        for wrong in ("not-an-address", "a@b", "a b@example.org"):
            try:
                accounts.update_preferences(
                    db=db, user=user, display_name=user.display_name, locale="", email=wrong
                )
            except InvalidInput:
                continue
            raise AssertionError(f"{wrong!r} was taken as an e-mail address")


def test_the_account_page_sets_the_address_and_the_digest(app, community):
    people, _ids = community
    client = TestClient(app, follow_redirects=False)
    csrf = login(client, people["member"].username)
    page = client.get("/account").text
    assert 'name="digest_email"' in page
    answer = client.post(
        "/account",
        data={
            "csrf_token": csrf,
            "display_name": people["member"].display_name,
            "locale": "es",
            "email": "yo@example.org",
            "digest_email": "true",
        },
    )
    assert answer.status_code == 303
    with session_scope() as db:
        user = db.get(User, people["member"].id)
        assert (user.email, user.digest_email) == ("yo@example.org", True)
    refused = client.post(
        "/account",
        data={"csrf_token": csrf, "display_name": "Ana B", "locale": "es", "email": "nope"},
    )
    assert refused.status_code == 422 and "correo" in refused.text.lower()
