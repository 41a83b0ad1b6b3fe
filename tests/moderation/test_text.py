"""The lexicon's word-start filter runs a pattern only on texts that hold a word it needs, and
finds a match exactly when the plain pattern does."""

import pytest

from moderation import cues, rules
from moderation.features import DRUG
from moderation.text import _starts, normalise


@pytest.mark.parametrize(
    ("pattern", "starts"),
    [
        (r"\bchest pain", {"ches"}),
        (r"\bthe scene\b", {"scen"}),  # "the" is in most texts: the later word is asked for
        (r"\b(?:my|her|the) (?:doctor|gp) (?:said|told)\b", {"doct", "gp"}),
        (r"\ba quien (?:llamo|pregunto)\b", {"quie"}),
        (r"\btabs?\b", {"tab"}),
        (r"\b(?:has )?upped\b", None),  # an optional first word: cannot be told
        (r"\b\d+ days ago\b", None),  # read no further than a digit class
        (r"\b[1-9]\d ?m\b", None),
    ],
)
def test_a_pattern_is_keyed_by_the_least_common_word_it_needs(pattern, starts):
    assert _starts(pattern) == starts


def test_the_filtered_lexicons_find_what_their_plain_patterns_find():
    lexicons = [cue.pattern for cue in cues.EVERY]
    lexicons += [*rules.EMERGENCY.values(), rules.HEALTH_TERMS, rules.BUSINESS_CONTACT, DRUG]
    texts = [
        "Watched the scene where the nurse says my doctor said it was nothing",
        "mi médico me ha subido la dosis de sertralina, ¿a quién llamo si me mareo?",
        "Took 3 tabs of ibuprofen last week, the ambulance came in 2019",
        "el invierno pasado mi hijo tuvo una convulsión, ahora está perfecto",
        "For the students: 58M, crushing chest pain, she's stable now",
        "overdosed on mince pies lol 😂 but my dad has chest pain right now",
    ]
    for lexicon in lexicons:
        for text in texts:
            folded = normalise(text)
            assert (lexicon.search(folded) is None) == (lexicon.pattern.search(folded) is None), (
                lexicon.pattern.pattern[:60],
                text,
            )
