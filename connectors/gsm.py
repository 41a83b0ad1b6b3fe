"""The GSM 03.38 alphabet (3GPP TS 23.038): which characters an SMS can carry in 7-bit coding."""

# The basic table: one septet each. It has é É ñ Ñ ü Ü ¿ ¡ à è ù ì ò but not á í ó ú.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: an escape septet plus one, so each counts two.
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


def is_gsm7(text: str) -> bool:
    """Whether every character of text fits the GSM-7 basic or extension table."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def septets(text: str) -> int:
    """The 7-bit length of a GSM-7 text: extension characters take two septets."""
    return sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
