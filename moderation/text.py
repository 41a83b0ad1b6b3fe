"""Text folding and language guessing without scikit-learn, for search and checks that need no model."""

import re
import unicodedata

URL = re.compile(r"https?://\S+|www\.\S+")
# Accents and other combining marks left apart by NFKD decomposition.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def normalise(text: str) -> str:
    """Lower case, accents folded (many patients type without them), URLs as one token.

    Digits stay: figures, doses and phone numbers carry signal.
    """
    text = URL.sub(" urltoken ", text.lower())
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


_WORD = re.compile(r"[a-zñ]+")
_SPANISH = frozenset(
    "el la los las de del que y en un una por para con no es se lo le mi me al pero como "
    "mas muy esta este esto estoy tengo hay tiene puedo cuanto cuando donde porque hijo hija "
    "madre padre dolor pastilla pastillas medico ayuda gracias".split()
)
_ENGLISH = frozenset(
    "the an of and to in is it for on with my me i you he she we they this that not be "
    "are was have has can how what when where why do does should take child mother father "
    "pain pill pills doctor help thanks".split()
)


def language(text: str) -> str | None:
    """ "es" or "en" by their most common words, None when the text does not say (too short)."""
    words = _WORD.findall(normalise(text))
    es = sum(word in _SPANISH for word in words)
    en = sum(word in _ENGLISH for word in words)
    if es == en:
        return None
    return "es" if es > en else "en"
