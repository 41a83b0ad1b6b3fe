"""Every newsletter passes the moderation pre-check, as posts do: health data about a person is
refused, a health claim or a flagged text waits for a clinician, the rest is approved at once."""

import pytest

from app.database import session_scope
from app.errors import InvalidInput
from app.i18n import translator
from app.newsletters.models import Newsletter, NewsletterStatus
from tests.newsletters.conftest import newsletter


def status_of(newsletter_id: int) -> NewsletterStatus:
    with session_scope() as db:
        return db.get(Newsletter, newsletter_id).status


def test_a_plain_newsletter_is_approved_and_one_with_a_health_claim_waits(practice):
    assert status_of(newsletter(practice)) == NewsletterStatus.approved
    claimed = newsletter(
        practice, body="La vacuna de la gripe reduce las hospitalizaciones.", health_claim=True
    )
    assert status_of(claimed) == NewsletterStatus.awaiting_approval


def test_misinformation_found_by_the_classifier_waits_for_a_clinician(practice, with_model):
    myth = newsletter(
        practice,
        body="Las vacunas causan autismo: por eso este año no recomendamos vacunar a los niños.",
    )
    with session_scope() as db:
        row = db.get(Newsletter, myth)
        assert row.status == NewsletterStatus.awaiting_approval
        assert "misinformation" in (row.flags or [])


def test_health_data_about_a_person_is_refused_in_the_readers_language(practice, with_model):
    with pytest.raises(InvalidInput) as refused:
        newsletter(
            practice,
            body="Felicidades a nuestra paciente Lucía Ferrer Gil, DNI 45871236K, que terminó "
            "la quimioterapia por su linfoma.",
        )
    spanish = refused.value.translated(translator("es"))
    assert "un boletín llega a muchas personas" in spanish
    # The reasons inside it read in Spanish too, not in the engine's English.
    assert "nombre completo + información de salud" in spanish
    assert "health information" not in spanish
