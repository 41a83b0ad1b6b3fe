"""Encodings and segment counts as a mobile network counts them, for Spanish and English texts."""

import pytest

from app.sms.encoding import gsm7_spelling, measure

SEED_SMS = (
    "Clínica San Rafael: le recordamos su cita el jueves 12 a las 10:30 con la Dra. Pérez. "
    "Responda SI para confirmar o CAMBIAR para pedir otra hora. Información: 910000000."
)


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("Hola José, ¿vienes mañana? ¡Genial!", "GSM-7", 35, 1),  # é ñ ¿ ¡ are GSM-7
        ("Pingüino, niño, café", "GSM-7", 20, 1),  # ü ñ é
        ("Recordatorio: su cita es el día 3", "UCS-2", 33, 1),  # one í makes it UCS-2
        ("Análisis: ÚLTIMO aviso", "UCS-2", 22, 1),  # á Ú
        ("Reply YES to confirm or CHANGE to ask for another time.", "GSM-7", 55, 1),
        ("x" * 160, "GSM-7", 160, 1),
        ("x" * 161, "GSM-7", 161, 2),
        ("x" * 306, "GSM-7", 306, 2),  # 2 × 153
        ("x" * 307, "GSM-7", 307, 3),
        ("Precio: 10€ [oferta]", "GSM-7", 23, 1),  # € [ ] count two septets each
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        ("á" * 70, "UCS-2", 70, 1),
        ("á" * 71, "UCS-2", 71, 2),  # 2 × 67
        ("á" * 134, "UCS-2", 134, 2),
        ("á" * 135, "UCS-2", 135, 3),
        ("Gracias 😀", "UCS-2", 10, 1),  # an emoji is two UTF-16 units
        ("", "GSM-7", 0, 0),
    ],
)
def test_encoding_and_segments_of_a_text(text, encoding, units, segments):
    measured = measure(text)
    assert (measured.encoding, measured.units, measured.segments) == (encoding, units, segments)


def test_an_extension_character_never_straddles_two_segments():
    # 152 plain septets then "€" (2): the escape pair moves whole to the second part.
    assert measure("x" * 152 + "€" + "x" * 10).segments == 2
    assert measure("x" * 152 + "€" + "x" * 152).segments == 3  # 306 septets, yet three parts


def test_the_seed_reminder_is_ucs2_in_three_parts_and_gsm7_in_two_once_respelled():
    measured = measure(SEED_SMS)
    assert measured.characters == 168
    assert (measured.encoding, measured.segments) == ("UCS-2", 3)
    assert set(measured.forcing) == {"í", "ó"}
    respelled = measure(measured.gsm7_spelling)
    assert (respelled.encoding, respelled.segments) == ("GSM-7", 2)
    assert "Pérez" in measured.gsm7_spelling  # é stays: it is GSM-7


def test_gsm7_spelling_drops_only_what_gsm7_lacks():
    assert (
        gsm7_spelling("Análisis clínico ÚLTIMO «día» – ñandú")
        == "Analisis clinico ULTIMO «dia» - ñandu"
    )
    assert measure("Hola 😀").gsm7_spelling is None  # nothing GSM-7 can carry instead
