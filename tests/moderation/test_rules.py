"""Rules flag emergencies, exposed health data and spam in Spanish and English, whatever the model says."""

import pytest

from moderation.rules import check


def labels(text: str) -> set[str]:
    return {hit.label for hit in check(text)}


@pytest.mark.parametrize(
    "text",
    [
        "Me quiero morir, ya no aguanto más",
        "no quiero seguir viviendo, esta noche acabo con todo",
        "me e tomado todas las pastillas q tenia",  # typo on purpose: the lexicon is about intent
        "Mi padre no puede respirar y tiene la cara torcida!!!",
        "Creo que es una sobredosis, no responde",
        "I want to die, there is no reason to live",
        "my mum has chest pain and passed out",
        "he took a whole bottle of pills... overdose?",
        "QUIERO DESAPARECER",
    ],
)
def test_emergencies_are_flagged(text):
    assert "emergency" in labels(text)


@pytest.mark.parametrize(
    "text",
    [
        "¿Es normal el dolor de cabeza después de la vacuna?",
        "My asthma is well controlled these days, thanks to the nurse",
        "What are the side effects of ibuprofen?",
    ],
)
def test_ordinary_health_talk_is_not_an_emergency(text):
    assert "emergency" not in labels(text)


@pytest.mark.parametrize(
    "text",
    [
        "Soy Marta Pérez, DNI 12345678Z, y me acaban de diagnosticar diabetes",
        "NIE X1234567L, estoy en tratamiento de hepatitis",
        "Patient NHS number 943 476 5919 was admitted yesterday",
        "Paciente con NHC: 00458721, pendiente de resultados",
        "Fecha de nacimiento 03/04/1961, diagnosticada de cáncer de mama",
        "Llamadme al 612 345 678, mi hijo tiene epilepsia y necesito hablar con alguien",
        "write to ana.lopez@example.com about my HIV results",
        "tarjeta sanitaria CIP BAAA12345678, tengo ansiedad",
    ],
)
def test_exposed_health_data_is_flagged(text):
    assert "phi" in labels(text)


@pytest.mark.parametrize(
    "text",
    [
        "El centro abre a las 8:00 y cierra a las 20:00",
        "Llamad al 912 345 678 para pedir cita",  # the practice's own number, no health data
        "My number is 12345678 and I like running",
        "DNI 12345678A sin nada más",  # wrong check letter: not a real DNI
        "NHS 111 is the number to call when it is not an emergency",
    ],
)
def test_numbers_without_exposure_are_not_phi(text):
    assert "phi" not in labels(text)


def test_spam_needs_promotion_with_a_link_or_contact():
    assert "spam" in labels("COMPRA YA la cura milagrosa para la diabetes https://x.example/oferta")
    assert "spam" in labels("Gana dinero con crypto, escríbeme por WhatsApp al 612345678")
    assert "spam" not in labels("Hay descuento en el parking del hospital esta semana")
