"""Spanish and English are both first class: every message in the source, templates and Python
alike, has its Spanish translation, and users read errors, notifications and labels in their language."""

import re
import tomllib
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from sqlmodel import select

from app import database
from app.accounts.models import Role, User
from app.channels.models import ChannelKind, ChannelStatus
from app.errors import Conflict, InvalidInput
from app.groups.models import REACTIONS, GroupRole, MembershipStatus, Visibility
from app.i18n import LABELS, Message, label, translator
from app.locale.update import extract, po_path
from app.network.models import NetworkKind
from app.notifications import service as notifications
from app.notifications.models import Notification
from app.posts.models import DeliveryStatus, PostStatus, ReplyState
from app.posts.thread_models import PartState, PartStatus
from app.review.models import AppealStatus, ContentStatus, ReviewStatus
from app.review.service import ACTIONS
from moderation.model import LABELS as MODERATION_LABELS
from scheduler.recurrence import FREQUENCIES
from web.forms import describe_errors

ROOT = Path(__file__).resolve().parents[1]
FIELDS = re.compile(r"\{(\w*)[^}]*\}|%\((\w+)\)s")


def speaking(user: User, locale: str) -> User:
    with database.session_scope() as session:
        session.get(User, user.id).locale = locale
    return user


def catalogue(locale: str):
    with po_path(locale).open("rb") as source:
        return read_po(source, locale=locale)


def key(message) -> tuple:
    return (message.context, message.id)


@pytest.fixture(scope="module")
def extracted():
    return extract()


def test_every_message_in_the_source_has_a_spanish_translation(extracted):
    spanish = {key(m): m for m in catalogue("es") if m.id}
    missing = []
    for message in extracted:
        if not message.id:
            continue
        found = spanish.get(key(message))
        strings = (
            found.string
            if found and isinstance(found.string, tuple)
            else (found.string if found else "",)
        )
        if found is None or found.fuzzy or not all(strings):
            missing.append(message.id)
    assert missing == [], "run `python -m app.locale.update` and translate these"


def test_no_fuzzy_guess_is_left_in_the_spanish_catalogue():
    assert [m.id for m in catalogue("es") if m.id and m.fuzzy] == []


def test_extraction_reaches_python_services_templates_and_connectors(extracted):
    places = {place.split("/")[0] for m in extracted for place, _line in m.locations}
    assert {"app", "web", "connectors"} <= places  # moderation/ is the engine: no user-facing text
    ids = {m.id for m in extracted}
    assert "choose a pseudonym: other patients would see your full name" in ids  # a service error
    assert "{name} answered your question" in ids  # a notification
    assert "this field is required" in ids  # a validation error
    assert "misinformation" in ids  # a moderation label
    assert ("{n} strike in 90 days", "{n} strikes in 90 days") in ids  # a template plural


def test_translations_keep_the_placeholders_of_their_message():
    wrong = []
    for message in catalogue("es"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = {a or b for a, b in FIELDS.findall(ids[-1])}
        for text in strings:
            if {a or b for a, b in FIELDS.findall(text)} != wanted:
                wrong.append(message.id)
    assert wrong == []


def test_every_value_users_see_has_a_label_in_both_languages():
    values = [*Role, *PostStatus, *DeliveryStatus, *ChannelStatus, *ChannelKind, *ContentStatus]
    values += [*ReviewStatus, *ReplyState, *Visibility, *GroupRole, *MembershipStatus, *NetworkKind]
    values += [*REACTIONS, *MODERATION_LABELS, *ACTIONS, *FREQUENCIES, *PartStatus, *PartState]
    values += ["group_post", "question", "network_post", "network_comment", "channel_comment"]
    values += ["classifier", "rule", "report", "clinician", "fixed", "appeal"]
    assert sorted({str(v) for v in values} - set(LABELS)) == []
    english, spanish = translator("en"), translator("es")
    for value in values:
        assert "_" not in english.label(value), value
        assert "_" not in spanish.label(value), value
    assert english.label("awaiting_approval") == "awaiting approval"
    assert english.label(PostStatus.awaiting_approval) == "awaiting approval"
    assert spanish.label("phi") == "datos de salud expuestos"
    assert str(AppealStatus.none)  # appeal states have their own wording in the strikes page


def test_translator_falls_back_to_english_and_fills_values():
    assert translator("es")("Welcome, {name}", name="Ana") == "Hola, Ana"
    assert translator("en")("Welcome, {name}", name="Ana") == "Welcome, Ana"
    assert translator("es")("a string nobody translated") == "a string nobody translated"


def test_plurals_follow_the_count_in_each_language():
    for locale, one, two in (
        ("en", "1 strike in 90 days", "2 strikes in 90 days"),
        ("es", "1 falta en 90 días", "2 faltas en 90 días"),
    ):
        t = translator(locale)
        assert t.ngettext("{n} strike in 90 days", "{n} strikes in 90 days", 1) == one
        assert t.ngettext("{n} strike in 90 days", "{n} strikes in 90 days", 2) == two


def test_a_button_reads_as_a_verb_where_the_heading_reads_as_a_noun():
    spanish = translator("es")
    assert spanish("Post") == "Publicación"
    assert spanish.pgettext("button", "Post") == "Publicar"


def test_a_service_error_reads_english_and_is_shown_in_the_readers_language():
    error = Conflict("a post that is {status} cannot be edited", status=PostStatus.cancelled)
    assert error.message == "a post that is cancelled cannot be edited"
    assert translator("es")(error.message) == (
        "una publicación en estado «cancelado» no se puede editar"
    )
    nested = InvalidInput(Message("{field}: {problem}", field=Message("Title"), problem="x"))
    assert translator("es")(nested.message) == "Título: x"


def test_validation_errors_are_described_in_the_readers_language():
    errors = [
        {
            "loc": ("body", "username"),
            "msg": "String should have at least 3 characters",
            "type": "string_too_short",
            "ctx": {"min_length": 3},
        },
        {"loc": ("body", "title"), "msg": "Field required", "type": "missing"},
    ]
    message = describe_errors(errors)
    assert translator("es")(message) == (
        "Usuario: usa al menos 3 caracteres; Título: este campo es obligatorio"
    )
    assert translator("en")(message) == (
        "Username: use at least 3 characters; Title: this field is required"
    )
    # API answers keep the field keys and pydantic's words.
    assert str(message) == (
        "username: String should have at least 3 characters; title: Field required"
    )


def test_a_notification_reads_in_the_language_its_reader_has_now(login_as):
    client, user, _token = login_as(Role.patient)
    with database.session_scope() as session:
        notifications.notify(
            db=session,
            user_id=user.id,
            kind="moderation",
            message=Message(
                "Your {kind} was reviewed: {outcome}",
                kind=label("group_post"),
                outcome=Message("removed"),
            ),
        )
    speaking(user, "es")
    assert "Se ha revisado tu publicación de grupo: retirado" in client.get("/notifications").text
    speaking(user, "en")
    assert "Your group post was reviewed: removed" in client.get("/notifications").text
    with database.session_scope() as session:
        stored = session.exec(select(Notification).where(Notification.user_id == user.id)).one()
    assert stored.message == "Your group post was reviewed: removed"  # what the API answers


def test_a_refused_form_is_explained_in_spanish_on_a_spanish_page(login_as):
    client, user, token = login_as(Role.admin)
    speaking(user, "es")
    response = client.post(
        "/admin/users",
        data={
            "username": "x",
            "display_name": "X",
            "role": "patient",
            "password": "short",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert "caracteres" in response.text
    assert "String should have" not in response.text


def test_a_missing_page_is_explained_in_each_language(login_as):
    for locale, words in (("es", "Página no encontrada."), ("en", "Page not found.")):
        client, user, _token = login_as(Role.patient)
        speaking(user, locale)
        assert words in client.get("/no-such-page").text


def test_the_catalogues_ship_with_the_package():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "locale/*/LC_MESSAGES/*.po" in project["tool"]["setuptools"]["package-data"]["app"]
    assert any(dep.lower().startswith("babel") for dep in project["project"]["dependencies"])
    for locale in ("es", "en"):
        assert po_path(locale).exists()
    assert str(label("awaiting_approval")) == "awaiting approval"


def test_templates_translate_trans_blocks_and_plurals():
    from web.templating import _language, templates

    source = (
        "{% trans %}Home{% endtrans %}|{% trans name=who %}Welcome, {{ name }}{% endtrans %}|"
        '{{ ngettext("{n} strike in 90 days", "{n} strikes in 90 days", 3) }}|'
        '{{ label("reconnect_needed") }}|{{ _("Different text for {name}", name="X") }}'
    )
    template = templates.env.from_string(source)
    assert template.render(who="<b>Ana</b>", **_language("es")) == (
        "Inicio|Welcome, &lt;b&gt;Ana&lt;/b&gt;|3 faltas en 90 días|hay que volver a conectar|"
        "Texto distinto para X"
    )
    assert template.render(who="Ana", **_language("en")).startswith("Home|Welcome, Ana|3 strikes")
