"""How the network counts an SMS: GSM-7 or UCS-2, characters, segments, and a GSM-7 spelling."""

import unicodedata
from dataclasses import dataclass

from connectors.gsm import GSM7_BASIC, GSM7_EXTENSION, is_gsm7, septets

GSM7_SINGLE, GSM7_PART = 160, 153  # septets in one message / in each part of a long one
UCS2_SINGLE, UCS2_PART = 70, 67  # UTF-16 code units
# Typography that word processors put in and GSM-7 lacks.
PLAIN = {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "\u00a0": " "}


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    characters: int
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    forcing: tuple[str, ...]  # the characters that make the text UCS-2
    gsm7_spelling: str | None  # the same text in GSM-7, when it differs and fits

    @property
    def per_segment(self) -> int:
        single, part = (
            (GSM7_SINGLE, GSM7_PART) if self.encoding == "GSM-7" else (UCS2_SINGLE, UCS2_PART)
        )
        return single if self.segments <= 1 else part


def _segments(units: list[int], single: int, part: int) -> int:
    """Parts of a concatenated SMS; a character's units never straddle two parts."""
    total = sum(units)
    if total == 0:
        return 0
    if total <= single:
        return 1
    count, used = 1, 0
    for size in units:
        if used + size > part:
            count, used = count + 1, 0
        used += size
    return count


def gsm7_spelling(text: str) -> str:
    """The text with accents GSM-7 lacks dropped (á → a) and typography made plain."""
    out = []
    for ch in text:
        ch = PLAIN.get(ch, ch)
        if len(ch) == 1 and ch not in GSM7_BASIC and ch not in GSM7_EXTENSION:
            base = unicodedata.normalize("NFD", ch)[0]
            ch = base if base in GSM7_BASIC else ch
        out.append(ch)
    return "".join(out)


def measure(text: str) -> SmsLength:
    """Encoding, length and segments of text as a mobile network counts them."""
    if is_gsm7(text):
        sizes = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        return SmsLength(
            "GSM-7", len(text), septets(text), _segments(sizes, GSM7_SINGLE, GSM7_PART), (), None
        )
    sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    forcing = tuple(dict.fromkeys(ch for ch in text if not is_gsm7(ch)))
    spelled = gsm7_spelling(text)
    return SmsLength(
        "UCS-2",
        len(text),
        sum(sizes),
        _segments(sizes, UCS2_SINGLE, UCS2_PART),
        forcing,
        spelled if spelled != text and is_gsm7(spelled) else None,
    )
