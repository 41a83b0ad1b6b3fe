"""A newsletter as recipients receive it: Markdown to HTML in the practice's template with inlined CSS,
a plain-text part, the compliance headers (RFC 8058 one-click unsubscribe) and a DKIM signature."""

import binascii
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime, formataddr
from functools import lru_cache
from urllib.parse import quote

import css_inline
from markdown_it import MarkdownIt

from app.clock import utcnow
from app.i18n import translator
from app.newsletters import tokens
from app.newsletters.models import EmailSettings
from app.newsletters.signing import Signer

_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
_LINK = re.compile(r'href="(https?://[^"]+)"')
PLACEHOLDERS = ("{name}", "{nombre}")
UNSUBSCRIBE, PREFERENCES, OPENED = "%%unsubscribe%%", "%%preferences%%", "%%opened%%"
SIGNED_HEADERS = [
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"Reply-To",
    b"List-Id",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
    b"MIME-Version",
    b"Content-Type",
]

STYLE = """
body { margin: 0; padding: 0; background: #f3f5f7; font-family: Helvetica, Arial, sans-serif; }
.wrap { max-width: 600px; margin: 0 auto; background: #ffffff; }
.head { background: #0f5f73; color: #ffffff; padding: 16px 24px; font-size: 20px; font-weight: bold; }
.body { padding: 8px 24px 16px; color: #1d2a33; font-size: 16px; line-height: 1.5; }
.body a { color: #0f5f73; }
.body h1 { font-size: 24px; line-height: 1.25; }
.body h2 { font-size: 20px; }
.foot { padding: 16px 24px; color: #5a6872; font-size: 13px; line-height: 1.4; border-top: 1px solid #dde3e8; }
.foot a { color: #0f5f73; }
.preheader { display: none; max-height: 0; overflow: hidden; }
"""


@dataclass(frozen=True)
class Rendered:
    """One newsletter rendered once; each recipient's copy only fills in names and links."""

    subject: str
    html: str
    text: str


def _footer(
    practice: EmailSettings, language: str, *, unsubscribe: bool, digest: bool = False
) -> tuple[str, str]:
    _ = translator(language)
    identity = practice.practice_identity or practice.from_name
    if digest:
        why = _(
            "You receive this because you asked for the weekly digest by e-mail in your carepost account."
        )
    else:
        why = _(
            "You receive this because you asked for the newsletter of {practice}.",
            practice=practice.from_name,
        )
    html_lines = [html.escape(identity), html.escape(why)]
    text_lines = [identity, why]
    if unsubscribe:
        html_lines.append(
            f'<a href="{UNSUBSCRIBE}">{html.escape(_("Unsubscribe"))}</a> · '
            f'<a href="{PREFERENCES}">{html.escape(_("Your preferences"))}</a>'
        )
        text_lines.append(f"{_('Unsubscribe')}: {UNSUBSCRIBE}")
        text_lines.append(f"{_('Your preferences')}: {PREFERENCES}")
    return "<br>".join(html_lines), "\n".join(text_lines)


def page(
    practice: EmailSettings, *, language: str, preheader: str, body_html: str, footer: str
) -> str:
    return css_inline.inline(
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{STYLE}</style></head><body>"
        f'<span class="preheader">{html.escape(preheader)}</span>'
        f'<div class="wrap"><div class="head">{html.escape(practice.from_name)}</div>'
        f'<div class="body">{body_html}</div><div class="foot">{footer}</div></div></body></html>'
    )


def render(
    practice: EmailSettings, *, subject: str, preheader: str, body: str, language: str
) -> Rendered:
    """The newsletter's HTML (CSS inlined) and text, with the footer's identity and unsubscribe link."""
    footer_html, footer_text = _footer(practice, language, unsubscribe=True)
    if practice.track_opens:  # one image per recipient, counted at its first load
        footer_html += f'<img src="{OPENED}" width="1" height="1" alt="">'
    body_html = _markdown.render(body)
    text = f"{body.strip()}\n\n-- \n{footer_text}\n"
    return Rendered(
        subject,
        page(
            practice,
            language=language,
            preheader=preheader,
            body_html=body_html,
            footer=footer_html,
        ),
        text,
    )


def _own_links(token: str, base_url: str) -> dict[str, str]:
    """The recipient's unsubscribe and preference pages, for the footer's markers."""
    return {
        UNSUBSCRIBE: f"{base_url}/u/{token}",
        PREFERENCES: f"{base_url}/p/{token}",
        OPENED: f"{base_url}/o/{token}.gif",
    }


def _tracked(url: str, token: str, base_url: str) -> str:
    """A link's href for one recipient: through the signed redirect that counts the click."""
    signature = tokens.link_signature(token, url)
    return f'href="{base_url}/c/{token}?u={quote(url, safe="")}&amp;s={signature}"'


def personal_subject(subject: str, name: str) -> str:
    for placeholder in PLACEHOLDERS:
        subject = subject.replace(placeholder, name)
    return subject


def personal(rendered: Rendered, *, name: str, token: str, base_url: str) -> tuple[str, str, str]:
    """This recipient's subject, HTML and text: names filled in, links tracked and signed."""
    text = rendered.text
    page_html = _LINK.sub(
        lambda match: _tracked(html.unescape(match.group(1)), token, base_url), rendered.html
    )
    subject = personal_subject(rendered.subject, name)
    for placeholder in PLACEHOLDERS:
        text = text.replace(placeholder, name)
        page_html = page_html.replace(placeholder, html.escape(name))
    for marker, url in _own_links(token, base_url).items():
        text, page_html = text.replace(marker, url), page_html.replace(marker, url)
    return subject, page_html, text


# What a recipient fills in of a newsletter rendered once: a web link (tracked and signed for them),
# a name placeholder, their own unsubscribe and preference pages. Scanned left to right as
# `personal` replaces them: a placeholder inside a link's address stays part of the link.
_SLOT = re.compile(
    r'href="(https?://[^"]+)"|'
    + "|".join(re.escape(p) for p in (*PLACEHOLDERS, UNSUBSCRIBE, PREFERENCES, OPENED))
)
_SOFT_BREAK = b"=\r\n"


@dataclass(frozen=True, slots=True)
class Encoded:
    """A part's quoted-printable body encoded once for a whole newsletter: the fixed pieces, and
    between each two a slot filled in for each recipient (`link`, `name` or `own`, and what it
    holds). Pieces and values are joined by soft line breaks, which a reader's decoder removes, so
    each is encoded on its own and no line grows past the limit."""

    pieces: tuple[bytes, ...]
    slots: tuple[tuple[str, str], ...]
    html: bool


@dataclass(frozen=True, slots=True)
class Template:
    """A newsletter ready for its recipients: `personal`'s result, with the bodies already encoded."""

    subject: str
    html: Encoded
    text: Encoded


def _encode(content: str, *, html_part: bool) -> Encoded:
    pieces, slots, start = [], [], 0
    for match in _SLOT.finditer(content):
        pieces.append(quoted_printable(content[start : match.start()]))
        found = match.group(0)
        if match.group(1):
            slots.append(("link", html.unescape(match.group(1))))
        elif found in PLACEHOLDERS:
            slots.append(("name", ""))
        else:
            slots.append(("own", found))
        start = match.end()
    pieces.append(quoted_printable(content[start:]))
    return Encoded(tuple(pieces), tuple(slots), html_part)


def template(rendered: Rendered) -> Template:
    """Encode a rendered newsletter once; `fill` then makes each recipient's bodies."""
    return Template(
        rendered.subject,
        _encode(rendered.html, html_part=True),
        _encode(rendered.text, html_part=False),
    )


def fill(part: Encoded, *, name: str, token: str, base_url: str) -> bytes:
    """One recipient's encoded body: what `personal` makes, without encoding the whole page again."""
    own = _own_links(token, base_url)
    shown_name = html.escape(name) if part.html else name
    out = [part.pieces[0]]
    for (kind, value), piece in zip(part.slots, part.pieces[1:], strict=True):
        if kind == "link":
            value = _tracked(value, token, base_url)
        elif kind == "name":
            value = shown_name
        else:
            value = own[value]
        out += (_SOFT_BREAK, quoted_printable(value), _SOFT_BREAK, piece)
    return b"".join(out)


def confirmation(practice: EmailSettings, *, language: str, url: str) -> Rendered:
    """The double opt-in message: one link, whose page asks the person to press a button."""
    _ = translator(language)
    subject = _(
        "Confirm your subscription to the newsletter of {practice}", practice=practice.from_name
    )
    ask = _(
        "Someone, hopefully you, asked to receive this newsletter at this address. Open the link and press the button to confirm; if it was not you, do nothing and you will not hear from us again."
    )
    footer = _footer(practice, language, unsubscribe=False)
    return _one_link(practice, language, subject, ask, _("Confirm my subscription"), url, footer)


def _one_link(
    practice: EmailSettings,
    language: str,
    subject: str,
    told: str,
    label: str,
    url: str,
    footer: tuple[str, str],
) -> Rendered:
    """A message of one paragraph and one link (a confirmation, a digest), in HTML and text."""
    footer_html, footer_text = footer
    body_html = (
        f'<p>{html.escape(told)}</p><p><a href="{html.escape(url)}">{html.escape(label)}</a></p>'
    )
    text = f"{told}\n\n{label}: {url}\n\n-- \n{footer_text}\n"
    return Rendered(
        subject,
        page(
            practice,
            language=language,
            preheader=told[:90],
            body_html=body_html,
            footer=footer_html,
        ),
        text,
    )


def digest(
    practice: EmailSettings, *, language: str, replies: int, token: str, base_url: str
) -> Rendered:
    """The weekly digest by e-mail: how many new replies, and a link to read them after signing
    in. No titles, group names or words: whoever sees the mailbox learns nothing about anyone's
    health."""
    _ = translator(language)
    subject = _("Your week in the groups: {n} new replies", n=replies)
    told = _(
        "There are {n} new replies in the conversations you follow. Sign in to carepost to read them.",
        n=replies,
    )
    footer_html, footer_text = _footer(practice, language, unsubscribe=True, digest=True)
    for marker, link in _own_links(token, base_url).items():
        footer_html, footer_text = (
            footer_html.replace(marker, link),
            footer_text.replace(marker, link),
        )
    label, url = _("Read them in carepost"), f"{base_url}/notifications"
    return _one_link(practice, language, subject, told, label, url, (footer_html, footer_text))


@lru_cache(maxsize=4)
def _date(second: int) -> str:
    """The Date header's value for a second (thousands of messages share one)."""
    return format_datetime(datetime.fromtimestamp(second, UTC))


def _header(name: str, value: str) -> bytes:
    """One header line, RFC 2047-encoded when it is not plain ASCII, folded when long."""
    if value.isascii() and len(name) + len(value) < 76:
        return f"{name}: {value}\r\n".encode()
    encoded = Header(value, "utf-8" if not value.isascii() else "us-ascii", header_name=name)
    return f"{name}: {encoded.encode(linesep=chr(13) + chr(10))}\r\n".encode()


def quoted_printable(content: str) -> bytes:
    """A part's text as a quoted-printable body with CRLF line ends."""
    lines = content.replace("\r\n", "\n").encode()
    return binascii.b2a_qp(lines, istext=True).replace(b"\n", b"\r\n")


def _part(subtype: str, body: bytes) -> bytes:
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode() + body


def message(
    practice: EmailSettings,
    *,
    to: str,
    subject: str,
    html_part: str | bytes,
    text_part: str | bytes,
    token: str,
    base_url: str,
    signer: Signer | None,
    list_headers: bool,
) -> bytes:
    """The whole message: headers, both parts, and the DKIM signature over the List-* headers.

    Written out directly rather than through `email.message` (some 8 ms a message there): the
    structure is fixed, only names, addresses and links change from one recipient to the next.
    A part given as bytes is already encoded (`fill`); text is encoded here.
    """
    if isinstance(html_part, str):
        html_part = quoted_printable(html_part)
    if isinstance(text_part, str):
        text_part = quoted_printable(text_part)
    domain = practice.from_address.rpartition("@")[2].lower()
    # A quoted-printable body never holds "=_", so this boundary cannot occur in a part.
    boundary = f"=_cp_{token}"
    head = [
        f"From: {formataddr((practice.from_name, practice.from_address), 'utf-8')}\r\n".encode(),
        _header("To", to),
        _header("Subject", subject),
        f"Date: {_date(int(utcnow().timestamp()))}\r\nMessage-ID: <{token}@{domain}>\r\n".encode(),
    ]
    if practice.reply_to:
        head.append(_header("Reply-To", practice.reply_to))
    if list_headers:
        mailto = f"mailto:{unsubscribe_address(practice, token)}?subject=unsubscribe"
        head.append(
            f"List-Id: <newsletter.{domain}>\r\n"
            f"List-Unsubscribe: <{base_url}/u/{token}>,\r\n <{mailto}>\r\n"
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n".encode()
        )
    head.append(
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n'.encode()
    )
    delimiter = f"--{boundary}\r\n".encode()
    headers = b"".join(head)
    body = b"".join(
        [
            delimiter,
            _part("plain", text_part),
            b"\r\n" + delimiter,
            _part("html", html_part),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    signature = signer.header(headers, body, SIGNED_HEADERS) if signer else b""
    return b"".join([signature, headers, b"\r\n", body])


def return_path(practice: EmailSettings, token: str) -> str:
    """VERP: each recipient's bounces come back to an address that names their message."""
    return f"bounces+{token}@{practice.bounce_domain or practice.from_address.rpartition('@')[2]}"


def unsubscribe_address(practice: EmailSettings, token: str) -> str:
    return (
        f"unsubscribe+{token}@{practice.bounce_domain or practice.from_address.rpartition('@')[2]}"
    )
