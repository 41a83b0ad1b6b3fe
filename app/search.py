"""Plain-text search shared by the question library and the clinician network: every word must appear
in a normalised (lower case, accents folded) text column."""

import re

from sqlmodel import col

from moderation.text import normalise

# Words too common to find anything by, in both languages.
STOPWORDS = frozenset(
    "a al and are can como con de del do does el en es for how i in is it la las lo los me mi my "
    "no of on or para por que se si the to un una what when y ya".split()
)
MAX_WORDS = 6


def words(text: str) -> list[str]:
    """Search words: normalised, without stop words, longest first."""
    found = {w for w in re.findall(r"\w+", normalise(text)) if len(w) > 2 and w not in STOPWORDS}
    return sorted(found, key=len, reverse=True)


def match_all(query, column, text: str):
    """Narrow query to rows whose normalised column holds every search word of text."""
    for word in words(text)[:MAX_WORDS]:
        query = query.where(col(column).contains(word))
    return query
