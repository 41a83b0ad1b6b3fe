"""The labelling convention's minimal pairs (moderation/corpus/README.md), as the shipped model and
rules classify them: the same topic with the opposite stance, tense or person."""

import pytest

PAIRS = [
    # (label, a text that carries it, its minimal pair that does not)
    (
        "misinformation",
        "Fluoride in tap water lowers children's IQ, filter it out.",
        "No, vaccines do not cause autism: the 1998 study was retracted.",
    ),
    (
        "misinformation",
        "El limón con bicarbonato cura el cáncer, lo dicen los oncólogos que no salen en la tele.",
        "Mi suegra dice que el ajo baja el azúcar; yo no me lo creo",
    ),
    (
        "emergency",
        "my dad's face is drooping on one side and he can't lift his arm",
        "Last year my husband had a stroke; quick treatment saved him",
    ),
    (
        "emergency",
        "me he tomado todas las pastillas del bote",
        "¿qué pasaría si alguien se toma una caja entera de paracetamol?",
    ),
    (
        "unsafe_consultation",
        "¿Cuántas gotas de Apiretal le doy a mi niña de 2 años?",
        "Mi endocrino me ha subido la levotiroxina a 75",
    ),
    (
        "unsafe_consultation",
        "can i take my nan's tramadol for my back",
        "What is the difference between type 1 and type 2 diabetes?",
    ),
    (
        "phi",
        "Paciente Lucía Ferrer Gil, DNI 45871236K, VIH positivo",
        "escribe tu DNI sin espacios, p. ej. 12345678A",
    ),
    (
        "spam",
        "NHS: you are eligible for a refund of £138, claim at nhs-refund.help",
        "Our flu clinic runs every Saturday in October, no appointment needed",
    ),
]


@pytest.mark.parametrize(("label", "positive", "negative"), PAIRS)
def test_a_minimal_pair_is_told_apart(shipped_model, label, positive, negative):
    [flagged, other] = shipped_model.score([positive, negative])
    assert label in flagged.flags, (positive, flagged.scores)
    assert label not in other.flags, (negative, other.scores)


def test_an_emergency_that_asks_what_to_do_is_also_a_consultation(shipped_model):
    [scored] = shipped_model.score(["Is it ok to wait till Monday with this chest pain?"])
    assert {"emergency", "unsafe_consultation"} <= set(scored.flags)


def test_reasons_name_the_situation_not_ngrams(shipped_model):
    [dose] = shipped_model.score(["how many mg of ibuprofen can I give my 4 year old?"])
    assert "unsafe_consultation" in dose.flags
    assert "dose question about a named medicine" in " ".join(dose.reasons["unsafe_consultation"])
