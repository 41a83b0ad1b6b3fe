"""Text folding and language guessing without scikit-learn, for search and checks that need no model."""

import functools
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


_TOKEN = re.compile(r"[a-z0-9ñ]+")
_LITERAL = re.compile(r"[a-z0-9ñ]+")
_LOOKBEHIND = re.compile(r"^(?:\(\?<[=!][^)]*\))+")  # one or more lookbehinds opening a pattern


@functools.lru_cache(maxsize=4096)
def word_starts(folded: str) -> frozenset[str]:
    """The first two, three and four characters of every word of a normalised text."""
    starts = set()
    for word in _TOKEN.findall(folded):
        starts.add(word[:2])
        starts.add(word[:3])
        starts.add(word[:4])
    return frozenset(starts)


def _split_top(pattern: str) -> list[str]:
    """The alternatives of a pattern, split at the "|" that are not inside a group or a class."""
    parts, depth, start, escaped, in_class = [], 0, 0, False, False
    for i, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    return [*parts, pattern[start:]]


# Word starts so common that a pattern keyed by one runs on most texts: a pattern is keyed by a
# later word it needs instead, where it has one.
COMMON_STARTS = frozenset(
    "a an and are as at be by can co do for he her his i in is it me my no of on or our she so "
    "that the to we you your al de del el en es la las lo los mi se si su un una y que con por "
    "para te tu ya".split()
)


def _group_end(alternative: str) -> int:
    """Where the group opening alternative closes."""
    depth = 0
    for end, char in enumerate(alternative):  # noqa: B007 - end is read after the loop
        depth += (char == "(") - (char == ")")
        if depth == 0:
            break
    return end


def _required_words(alternative: str) -> list[set[str] | None]:
    """Word starts of each word or group an alternative needs, in order, as far as it can be read:
    literal words and non-optional groups separated by single spaces (each begins a word of the
    text). None for a part whose starts cannot be told."""
    parts: list[set[str] | None] = []
    rest = alternative
    while rest:
        if rest.startswith("(?:"):
            end = _group_end(rest)
            inner, rest = rest[3:end], rest[end + 1 :]
            if rest[:1] in ("?", "*", "{"):
                break
            parts.append(_starts(inner))
        else:
            literal = _LITERAL.match(rest)
            if not literal:
                break
            word, rest = literal.group(0), rest[literal.end() :]
            if rest[:1] in ("?", "*", "{"):
                word = word[:-1]
            parts.append({word[:4]} if len(word) >= 2 else None)
            if rest[:1] in ("?", "*", "{"):
                break
        if not rest.startswith(" ") or rest.startswith(" ?"):
            break
        rest = rest[1:]
    return parts


def _starts(pattern: str) -> set[str] | None:
    """Word starts one of which a text needs for pattern to match, or None when that cannot be told.
    Each alternative is keyed by the first word it needs, or by a later one when the first is as
    common as "the" or "de"."""
    options = set()
    for alternative in _split_top(pattern):
        alternative = _LOOKBEHIND.sub("", alternative).removeprefix(r"\b")
        known = [part for part in _required_words(alternative) if part]
        if not known:
            return None
        options |= next((part for part in known if not part & COMMON_STARTS), known[0])
    return options


# Every lexicon's alternatives by the word start they need, so that one set intersection per text
# finds the few alternatives worth running, for all lexicons at once.
_BY_START: dict[str, list[tuple[int, re.Pattern]]] = {}
_ALWAYS: dict[int, list[re.Pattern]] = {}


@functools.lru_cache(maxsize=4096)
def _plan(folded: str) -> dict[int, list[re.Pattern]]:
    """For one text, each lexicon's alternatives that may match it."""
    chosen: dict[int, dict[re.Pattern, None]] = {}
    for start in word_starts(folded) & _BY_START.keys():
        for lexicon, pattern in _BY_START[start]:
            chosen.setdefault(lexicon, {})[pattern] = None
    return {lexicon: list(patterns) for lexicon, patterns in chosen.items()}


class Lexicon:
    """Alternative patterns, each run only on texts holding a word it can start with.

    Most texts hold few of a lexicon's words, so most alternatives are never run: this keeps the
    rules and cues at thousands of texts a second on one core.
    """

    def __init__(self, *patterns: str):
        self.pattern = re.compile("|".join(f"(?:{p})" for p in patterns))
        self.id = len(_ALWAYS)
        self.always: list[re.Pattern] = []
        starts_seen: set[str] = set()
        for pattern in patterns:
            for alternative in _split_top(pattern):
                compiled = re.compile(alternative)
                starts = _starts(alternative)
                if starts is None:
                    self.always.append(compiled)
                for start in starts or ():
                    _BY_START.setdefault(start, []).append((self.id, compiled))
                    starts_seen.add(start)
        _ALWAYS[self.id] = self.always
        _plan.cache_clear()
        self.starts = None if self.always else frozenset(starts_seen)

    def _candidates(self, folded: str) -> list[re.Pattern]:
        planned = _plan(folded).get(self.id)
        return self.always + planned if planned else self.always

    def search(self, folded: str) -> re.Match | None:
        planned = _plan(folded).get(self.id)
        if not planned and not self.always:  # most texts, for most lexicons
            return None
        candidates = self.always + planned if planned else self.always
        matches = [m for p in candidates if (m := p.search(folded))]
        if len(matches) > 1:
            return min(matches, key=lambda m: (m.start(), -m.end()))
        return matches[0] if matches else None

    def findall(self, folded: str) -> list[str]:
        """Every match, in the order of the text."""
        found = [m for p in self._candidates(folded) for m in p.finditer(folded)]
        return [m.group(0) for m in sorted(found, key=lambda m: m.start())]
