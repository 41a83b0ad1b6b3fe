"""X's weighted character count (twitter-text configuration v3): 280 weighted characters, URLs as 23."""

import re
import unicodedata

MAX_WEIGHTED = 280
URL_WEIGHT = 23
# Code point ranges that count as one character; everything else (CJK, most emoji) counts as two.
LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
URL_PATTERN = re.compile(
    r"(?:https?://|www\.)[^\s<>\"]+|\b(?:[a-z0-9-]+\.)+(?:com|org|net|es|eu|info|health|io|co|uk|gov|edu)"
    r"(?:/[^\s<>\"]*)?",
    re.IGNORECASE,
)
EMOJI_JOINERS = {0x200D, 0xFE0F, 0xFE0E}


def _weight(char: str) -> int:
    code = ord(char)
    if code in EMOJI_JOINERS or 0x1F3FB <= code <= 0x1F3FF or unicodedata.category(char) == "Mn":
        return 0
    return 1 if any(low <= code <= high for low, high in LIGHT_RANGES) else 2


def _segment_weight(segment: str) -> int:
    total, joined = 0, False
    for char in segment:
        # A character joined to the previous one by ZWJ is part of the same emoji: no extra weight.
        total += 0 if joined else _weight(char)
        joined = ord(char) == 0x200D
    return total


def weighted_length(text: str) -> int:
    """How long X considers text to be, after NFC normalisation, with each URL counted as 23."""
    text = unicodedata.normalize("NFC", text)
    total, position = 0, 0
    for match in URL_PATTERN.finditer(text):
        total += _segment_weight(text[position : match.start()]) + URL_WEIGHT
        position = match.end()
    return total + _segment_weight(text[position:])
