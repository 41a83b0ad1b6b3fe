"""Moderation reasons read in the reviewer's language, phrase by phrase; the writer's words stay."""

import re

from app.i18n import from_data, to_data, translator
from app.review import reasons
from app.review.scoring import corpus_files
from moderation import cues, rules
from moderation import reasons as engine_reasons
from moderation.training import read_labelled

# English words no Spanish reason should still hold once translated.
ENGLISH = re.compile(
    r"\b(the|with|information|question|about|asks|words|model|rule|lowered|weighed|against|"
    r"wording|number|event|news|emergency|identifier|link|scam)\b"
)


def test_every_phrase_the_engine_uses_is_in_the_vocabulary_and_translated():
    engine = (
        {cue.reason for cue in cues.BY_NAME.values()}
        | set(rules.EMERGENCY)
        | set(rules.IDENTIFIERS)
        | set(engine_reasons.EXTRA.values())
    )
    assert engine <= set(reasons.PHRASES)
    spanish = translator("es")
    untranslated = [p for p in reasons.PHRASES if spanish.gettext(p) == p]
    assert untranslated == []


def test_a_rule_reason_is_translated_and_the_quoted_words_stay():
    reason = reasons.shown("rule: a Spanish DNI + health information (“diabetes”)")
    assert translator("es").gettext(reason) == (
        "regla: un DNI español + información de salud (“diabetes”)"
    )
    assert translator("en").gettext(reason) == str(reason)
    # A quoted word that is also a phrase is the writer's, not a phrase.
    quoted = reasons.shown("acute emergency (en): “past event” lowered")
    assert translator("es").gettext(quoted) == "urgencia aguda (en): “past event” rebajado"


def test_a_reason_inside_a_message_is_translated_with_it_and_survives_storage():
    from app.i18n import Message

    message = Message("refused ({reasons})", reasons=reasons.shown("rule: a phone number"))
    stored = from_data(to_data(message))
    assert translator("es").gettext(stored) == "refused (regla: un número de teléfono)"
    assert str(stored) == "refused (rule: a phone number)"


def test_every_reason_the_shipped_model_gives_on_the_corpus_reads_in_spanish(shipped_model):
    texts, _, _ = read_labelled(corpus_files())
    given = {
        reason
        for scored in shipped_model.score(texts[::3])
        for found in scored.reasons.values()
        for reason in found
    }
    assert len(given) > 100
    spanish = translator("es")
    leftover = []
    for reason in given:
        shown = spanish.gettext(reasons.shown(reason))
        outside_quotes = re.sub(r"“[^”]*”|\"[^\"]*\"", "", shown)
        if ENGLISH.search(outside_quotes):
            leftover.append(shown)
    assert leftover == []


def test_the_item_page_gives_the_reasons_in_the_reviewers_language(login_as, with_model):
    from app.accounts.models import Role, User
    from app.database import session_scope
    from tests.review.test_desk import held_case

    client, clinician, _token = login_as(Role.clinician, verified=True)
    item_id = held_case(clinician)  # a case with a DNI and a diagnosis

    def read_in(locale: str) -> str:
        with session_scope() as db:
            db.get(User, clinician.id).locale = locale
        return client.get(f"/review/{item_id}").text

    assert "regla: un DNI español + información de salud" in read_in("es")
    assert "rule: a Spanish DNI + health information" in read_in("en")


def test_a_writers_quoted_words_are_escaped_on_the_page():
    from web.templating import templates

    page = templates.env.from_string("{{ _(moderation_reason(reason)) }}").render(
        _=translator("es"), reason="rule: a phone number (“<img src=x onerror=alert(1)>”)"
    )
    assert page == "regla: un número de teléfono (“&lt;img src=x onerror=alert(1)&gt;”)"
