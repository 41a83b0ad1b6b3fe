"""The shared look: channel icons for every channel kind, headings in sentence case."""

import re
from pathlib import Path

import pytest

from app.channels.models import ChannelKind
from app.contacts.models import MessageChannel
from web.icons import channel_icon

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
# Words that keep their capital inside a sentence-case heading: names, acronyms, languages.
PROPER = {
    "X",
    "Facebook",
    "SMS",
    "CSV",
    "API",
    "FHIR",
    "DKIM",
    "SPF",
    "DMARC",
    "HTML",
    "URL",
    "IMAP",
    "SMTP",
    "Twilio",
    "Kannel",
    "GDPR",
    "LSSI",
    "ID",
    "IDs",
    "OAuth",
    "TOTP",
    "DNS",
    "QR",
    "SÍ",
    "CAMBIAR",
    "BAJA",
    "ALTA",
    "STOP",
    "Open",
    "Graph",
    "English",
    "Spanish",
    "I",
    "PDF",
    "JSON",
}
HEADING_TEXT = re.compile(r"<h[1-3][^>]*>\s*\{\{\s*_\(\"([^\"]+)\"")


@pytest.mark.parametrize("kind", [*ChannelKind, *MessageChannel])
def test_every_channel_kind_has_a_decorative_icon(kind):
    icon = str(channel_icon(kind))
    assert icon.startswith("<svg") and 'aria-hidden="true"' in icon


def test_an_unknown_kind_has_no_icon_rather_than_a_broken_one():
    assert str(channel_icon("pigeon")) == ""


def test_headings_are_in_sentence_case():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        for heading in HEADING_TEXT.findall(path.read_text(encoding="utf-8")):
            # the first word of each sentence keeps its capital
            sentences = re.split(r"[.:!?]\s+", heading)
            words = [w for s in sentences for w in re.findall(r"[A-Za-zÁÉÍÓÚÑáéíóúñ]+", s)[1:]]
            capitals = [w for w in words if w[0].isupper() and w not in PROPER]
            if capitals:
                offenders.append(f"{path.relative_to(TEMPLATES)}: {heading}")
    assert offenders == []


def test_the_channels_page_shows_each_channel_with_its_icon(login_as, outbox):
    from app.accounts.models import Role

    admin, _, _ = login_as(Role.admin)
    page = admin.get("/channels")
    assert page.status_code == 200
    row = page.text.split(f'id="channel-{outbox.id}"')[1].split("</tr>")[0]
    assert "channel-icon-outbox" in row
