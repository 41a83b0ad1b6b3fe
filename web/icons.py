"""Channel icons: small inline SVGs drawn for carepost (no icon font, no request), shown beside the
channel's name so a reader tells X, Facebook, SMS, e-mail and calls apart at a glance.

Templates call `channel_icon(kind)`; the icon is decorative (`aria-hidden`), the text beside it
names the channel for screen readers.
"""

from markupsafe import Markup

_PATHS = {
    # a slanted cross, X's letter
    "x": '<path d="M5 4h3.6l10.4 16h-3.6z"/><path d="M18.4 4h1.8l-6.3 7.2-.9-1.3zM5.6 20H3.8l6.4-7.3.9 1.3z"/>',
    # a rounded square with a lower-case f cut out
    "facebook": (
        '<rect x="3" y="3" width="18" height="18" rx="4"/>'
        '<path fill="#fff" d="M13.2 20v-6h2l.3-2.4h-2.3V10c0-.7.2-1.2 1.2-1.2h1.2V6.7'
        'c-.2 0-1-.1-1.8-.1-1.8 0-3 1.1-3 3.1v1.9H8.8V14h2v6z"/>'
    ),
    # a speech bubble
    "sms": '<path d="M4 5h16a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H9l-4 3v-3H4a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1z"/>',
    # an envelope
    "email": (
        '<rect x="3" y="5" width="18" height="14" rx="1.5"/>'
        '<path fill="none" stroke="#fff" stroke-width="1.6" d="M4 7l8 6 8-6"/>'
    ),
    # a telephone handset
    "voice": (
        '<path d="M6.6 3.5l2.6-.5 1.6 4-1.7 1.3a11 11 0 0 0 6.6 6.6l1.3-1.7 4 1.6-.5 2.6'
        'a2 2 0 0 1-2 1.6C10.9 19 5 13.1 5 5.5a2 2 0 0 1 1.6-2z"/>'
    ),
    # a tray with a letter: the practice's own local outbox
    "outbox": (
        '<path d="M3 13h5l1.5 2h5L16 13h5v6a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1z"/>'
        '<path d="M7 4h10v7h-2.6l-1 1.5h-2.8l-1-1.5H7z"/>'
    ),
}
_ALIASES = {
    "twilio": "sms",
    "kannel": "sms",
    "phone": "sms",
    "smtp": "email",
    "newsletter": "email",
    "call": "voice",
    "calls": "voice",
}


def channel_icon(kind: object, size: int = 18) -> Markup:
    """The icon of a channel kind (x, facebook, sms, email, voice, outbox), or nothing if unknown."""
    key = str(getattr(kind, "value", kind)).lower()
    paths = _PATHS.get(_ALIASES.get(key, key))
    if paths is None:
        return Markup("")
    return Markup(
        f'<svg class="channel-icon channel-icon-{_ALIASES.get(key, key)}" width="{int(size)}" '
        f'height="{int(size)}" viewBox="0 0 24 24" fill="currentColor" aria-hidden="true" '
        f'focusable="false">{paths}</svg>'
    )
