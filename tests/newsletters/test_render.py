"""A newsletter encoded once and filled in per recipient reads exactly as one rendered for them."""

import quopri

import pytest

from app.newsletters import render
from app.newsletters.models import EmailSettings

PRACTICE = EmailSettings(
    from_name="Clínica Ñandú",
    from_address="hola@clinica.example",
    practice_identity="Clínica Ñandú, Calle Mayor 1, Madrid",
)
BODY = (
    "Hola {nombre}.\n\n"
    + "La campaña de la gripe empieza el lunes, con cita o sin ella. " * 12
    + "  \n\n[Pide cita](https://clinica.example/cita?a=1&b={name}) y {name}\t\n"
    + ".una línea que empieza por punto\n\n[Otra](http://clinica.example/x)"
)


@pytest.mark.parametrize("name", ["José", "Ana <María> & Cía ", "", "Zoë O'Brien=Smith"])
def test_filled_bodies_decode_to_the_personal_rendering(name):
    rendered = render.render(
        PRACTICE, subject="Hola {nombre}", preheader="Gripe", body=BODY, language="es"
    )
    mine = {"name": name, "token": "t0k3n", "base_url": "https://carepost.example"}
    _subject, html_part, text_part = render.personal(rendered, **mine)
    letter = render.template(rendered)

    for once, whole in ((letter.html, html_part), (letter.text, text_part)):
        filled = render.fill(once, **mine)
        assert quopri.decodestring(filled) == quopri.decodestring(render.quoted_printable(whole))
        assert all(len(line) <= 76 for line in filled.split(b"\r\n"))
        assert filled.isascii()
    assert (
        "/c/t0k3n?u=https%3A%2F%2Fclinica.example%2Fcita%3Fa%3D1%26b%3D%257Bname%257D" in html_part
    )
    assert "https://carepost.example/u/t0k3n" in text_part
