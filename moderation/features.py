"""Text features: word and character n-grams, robust to accents, case, typos and URLs."""

import functools
import re

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer
from sklearn.pipeline import FeatureUnion, make_pipeline

from moderation import cues, rules
from moderation.text import URL, Lexicon, language, normalise  # noqa: F401 - part of this module's interface

CHAR_FEATURES = 2**20
_SPACES = re.compile(r"\s\s+")
_PRIME = np.uint64(1_000_003)
_MIX = np.uint64(0x9E3779B97F4A7C15)


class CharNgrams(TransformerMixin, BaseEstimator):
    """Counts of hashed character n-grams (across word boundaries), for a whole batch at once.

    Same features as scikit-learn's HashingVectorizer(analyzer="char") with another hash function,
    but computed with array arithmetic over the batch's code points instead of a Python loop over
    every n-gram of every text: about fifteen times faster on tweets.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 5), n_features: int = CHAR_FEATURES):
        self.ngram_range = ngram_range
        self.n_features = n_features

    def fit(self, texts, y=None):
        return self

    def transform(self, texts) -> sp.csr_matrix:
        # Each text ends with a NUL; an n-gram that would cross one is dropped.
        joined = "".join(_SPACES.sub(" ", normalise(t)).replace("\0", " ") + "\0" for t in texts)
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        ends = codes == 0
        doc = np.cumsum(ends) - ends  # which text each position belongs to
        low, high = self.ngram_range
        hashes, crossing = np.zeros(len(codes), dtype=np.uint64), np.zeros(len(codes), dtype=bool)
        rows, cols = [], []
        for n in range(1, high + 1):
            size = len(codes) - n + 1
            if size <= 0:
                break
            # The hash of the n-gram starting at i, from that of the (n-1)-gram starting at i.
            hashes = hashes[:size] * _PRIME + codes[n - 1 :]
            crossing = crossing[:size] | ends[n - 1 :]
            if n < low:
                continue
            keep = ~crossing
            mixed = (hashes[keep] + np.uint64(n)) * _MIX
            mixed ^= mixed >> np.uint64(31)
            cols.append((mixed % np.uint64(self.n_features)).astype(np.int64))
            rows.append(doc[:size][keep])
        row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        counts = sp.csr_matrix((np.ones(len(row)), (row, col)), shape=(len(texts), self.n_features))
        counts.sum_duplicates()
        return counts


# Cue pairs a linear model cannot form by itself: the same claim asserted or refuted, the same
# danger words now or in a story, the same drug asked about or reported.
PAIRS = (
    ("claim", "refutation"),
    ("claim", "attribution"),
    ("claim", "rumour_question"),
    ("danger", "past"),
    ("danger", "hypothetical"),
    ("danger", "news"),
    ("danger", "about"),
    ("danger", "idiom"),
    ("danger", "now"),
    ("danger", "asks_action"),
    ("dose_question", "drug"),
    ("report", "drug"),
    ("identifier", "health"),
    ("full_name", "health"),
    ("full_name", "news"),
    ("full_name", "past"),
    ("public_service", "link"),
    ("promotion", "link"),
    ("question", "first_person"),
)
FIRST_PERSON = frozenset("i im my me mine yo mi mis estoy tengo".split())
# A given name and a surname (or two): capitalised words in a row. Titles, greetings, public bodies
# and the capitalised first words of a sentence ("The", "Vendo", "Does") are not someone's name.
FULL_NAME = re.compile(
    r"(?<![@\w])[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+"
    r"(?:\s(?:de\s|del\s|de\sla\s|y\s)?[A-ZÁÉÍÓÚÑ][a-záéíóúñü]+){1,3}\b"
)
_SENTENCE_START = re.compile(r"(?:^|[.!?:¡¿\n]\s*)$")
NOT_NAMES = frozenset(
    "seguridad social sanidad salud doctor doctora dr dra nurse enfermera the el la los las mi my "
    "our nuestro nuestra hola hi dear buenos buenas good happy feliz centro hospital clinica "
    "clinic practice farmacia pharmacy app nhs".split()
)
# Words that open a sentence or name a place or body, never a person's given name.
NOT_GIVEN = NOT_NAMES | frozenset(
    "a an and at but by can could did do does for from how i if in is it of on or so that this "
    "these those what when where which who why will with you your his her their we us last first "
    "next every free buy join avoid honestly started tengo vendo compra tome uncle aunt grandma "
    "grandad nana mum dad mom tio tia abuela abuelo mama papa un una en al del de y o que con por "
    "para segun como cuando donde si su sus tu tus este esta ese esa dia mundial st saint san "
    "sir dame pastor thanks gracias animo medicare medicaid national".split()
)
# A run with one of these words names a body, a place or a clinician, not a patient.
BODIES = frozenset(
    "dr dra doctor doctora nurse enfermera surgery pharmacy clinic centre center hospital "
    "foundation fundacion asociacion clinica farmacia dental care home action scheme cross roja "
    "liga ayuntamiento advantage enrollment medical health salud school colegio university "
    "universidad".split()
)
# Courtesy titles and introductions before a name ("Mrs. Farida Begum", "Soy Nuria Garcés"); a
# doctor's title is in BODIES: a clinician named in public is not a patient.
TITLES = frozenset(
    "mr mrs ms miss sr sra srta dna don dona smt shri pt soy patient paciente".split()
)
_TITLE_DOT = re.compile(r"\b(Mr|Mrs|Ms|Sr|Sra|Srta|Dña|Smt|Shri|Pt)\.")


def full_name(text: str) -> bool:
    """Whether text names someone: a given name and a surname, after a courtesy title or not."""
    text = _TITLE_DOT.sub(r"\1", text)
    for match in FULL_NAME.finditer(text):
        words = [normalise(w) for w in match.group(0).split()]
        titled = words[0] in TITLES
        while words and words[0] in TITLES:
            words = words[1:]
        if len(words) < 2 or not BODIES.isdisjoint(words):
            continue
        opening = not titled and _SENTENCE_START.search(text[: match.start()])
        if words[0] not in (NOT_GIVEN if opening else NOT_NAMES):
            return True
    return False


DRUG = Lexicon(
    r"\b(?:paracetamol|calpol|apiretal|ibuprofen\w*|nurofen|dalsy|amoxi\w*|aspirin\w*|codeine|co-codamol|"
    r"tramadol|morphine|oramorph|sertralin\w*|citalopram|escitalopram|fluoxetin\w*|metformin\w*|insulin\w*|"
    r"levothyrox\w*|eutirox|warfarin|sintrom|apixaban\w*|clopidogrel|amlodipin\w*|metamizol|nolotil|"
    r"melatonin\w*|diazepam|clonazepam|lorazepam|antibiotic\w*|antibiotico|steroid\w*|corticoides?|"
    r"prednisolone|antihistamin\w*|ozempic|wegovy|lithium|litio|tabs?|tablets?|pastillas?|pills?|"
    r"gotas|drops|mg|ml|dosis|dose)\b"
)


class CueFeatures(TransformerMixin, BaseEstimator):
    """Presence of each situation and stance cue (moderation.cues), of the rules' signals, and of
    the pairs in PAIRS, scaled by weight so they count beside the n-grams."""

    # 0.2: cross-validated on the corpus, the cues help most as a nudge beside the n-grams (1.0
    # let a single cue outweigh the wording).
    def __init__(self, weight: float = 0.2):
        self.weight = weight

    def fit(self, texts, y=None):
        return self

    @staticmethod
    def names() -> list[str]:
        singles = [cue.name for cue in cues.EVERY]
        singles += [
            "danger",
            "identifier",
            "health",
            "drug",
            "question",
            "first_person",
            "full_name",
        ]
        return singles + [f"{a}+{b}" for a, b in PAIRS]

    @staticmethod
    @functools.lru_cache(maxsize=4096)
    def present(text: str) -> frozenset[str]:
        folded = normalise(text)
        found = set(cues.found(folded))
        if rules.danger(folded):
            found.add("danger")
        if rules.health_term(folded):
            found.add("health")
        if DRUG.search(folded):
            found.add("drug")
        if "?" in text or "¿" in text:
            found.add("question")
        if not FIRST_PERSON.isdisjoint(folded.split()):
            found.add("first_person")
        if rules.exposed(folded):
            found.add("identifier")
        if full_name(text):
            found.add("full_name")
        return frozenset(found)

    def transform(self, texts) -> sp.csr_matrix:
        index = {name: i for i, name in enumerate(self.names())}
        rows, cols = [], []
        for row, text in enumerate(texts):
            found = self.present(text)
            found = found | {f"{a}+{b}" for a, b in PAIRS if a in found and b in found}
            for name in found:
                rows.append(row)
                cols.append(index[name])
        data = np.full(len(rows), self.weight)
        return sp.csr_matrix((data, (rows, cols)), shape=(len(texts), len(index)))


# Words in the scope of a negation ("vaccines do not cause autism": not_cause, not_autism) and
# words of a question: the same words asserted, denied or asked about are different features.
_NEGATION = re.compile(
    r"\b(?:not|no|never|nothing|without|isn'?t|aren'?t|doesn'?t|don'?t|didn'?t|won'?t|can'?t|cannot|"
    r"nunca|ni|sin|tampoco|nada|jamas|myth|mito|false|falso|bulo)\b((?:[\s,]+[a-z0-9ñ']+){1,3})"
)
_QUESTION = re.compile(r"(?:^|[.!?¿¡]\s*)([^.!?¿¡]*\?)")
_WORD = re.compile(r"[a-z0-9ñ]+")


class ScopedWords(TransformerMixin, BaseEstimator):
    """Hashed presence of words denied (the three after a negation) and of words asked about,
    scaled by weight. Cross-validated on the corpus, 0.2 added 1.5–2 points of misinformation F1
    and 1–1.5 of emergency F1 (docs/benchmarks.md)."""

    def __init__(self, weight: float = 0.2, n_features: int = 2**18):
        self.weight = weight
        self.n_features = n_features

    def fit(self, texts, y=None):
        return self

    def transform(self, texts) -> sp.csr_matrix:
        rows = []
        for text in texts:
            folded = normalise(text)
            words = [f"not_{w}" for m in _NEGATION.finditer(folded) for w in _WORD.findall(m[1])]
            words += [f"ask_{w}" for m in _QUESTION.finditer(folded) for w in _WORD.findall(m[1])]
            rows.append(words)
        matrix = FeatureHasher(
            self.n_features, input_type="string", alternate_sign=False
        ).transform(rows)
        matrix.data = np.minimum(matrix.data, 1.0) * self.weight
        return matrix


def vectoriser() -> FeatureUnion:
    """Word 1–2-grams (TF-IDF, named: they explain a score) and hashed character 1–5-grams (TF-IDF).

    Measured on Constraint validation (docs/benchmarks.md): character n-grams across word boundaries
    beat char_wb 2–5 by about 0.7 points of weighted F1; hashing them keeps the stored model small and
    quick to load, and vectorising faster than a 400,000-entry vocabulary. 1–5 rather than 1–6:
    the same Constraint F1, half a point better on the corpus and a sixth less to train on.
    """
    chars = make_pipeline(CharNgrams((1, 5), CHAR_FEATURES), TfidfTransformer(sublinear_tf=True))
    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    preprocessor=normalise,
                    ngram_range=(1, 2),
                    min_df=2,
                    sublinear_tf=True,
                    max_features=200_000,
                    token_pattern=r"(?u)\b\w+\b",
                ),
            ),
            ("chars", chars),
            ("cues", CueFeatures()),
            ("scoped", ScopedWords()),
        ]
    )


def word_names(features: FeatureUnion):
    """Names of the word features, which come first in the vectoriser's output."""
    return features.transformer_list[0][1].get_feature_names_out()
