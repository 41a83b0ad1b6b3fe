"""Why the model flagged a text, in words a clinician reads: the situation and stance cues behind it."""

from moderation.cues import BY_NAME

# The cues that speak for each label, in the order a reader wants them.
SUPPORT = {
    "emergency": ("intent", "now", "danger", "asks_action"),
    "unsafe_consultation": (
        "dose_question",
        "treatment_question",
        "symptom_question",
        "asks_action",
        "first_person",
    ),
    "misinformation": ("claim", "promotion"),
    "phi": ("identifier", "full_name", "health"),
    "spam": ("public_service", "data_lure", "promotion", "bait", "link"),
}
# The cues that speak against it: shown so the reviewer sees what the model weighed.
AGAINST = {
    "emergency": ("past", "hypothetical", "news", "about", "idiom", "care"),
    "unsafe_consultation": ("report", "case", "service_question"),
    "misinformation": ("refutation", "attribution", "rumour_question"),
    "phi": ("news",),
    "spam": ("warning",),
}
EXTRA = {
    "danger": "danger signs in the words",
    "identifier": "an identifier number",
    "health": "health information",
    "first_person": "about the writer or someone close",
    "full_name": "a person's full name",
}


def _describe(name: str, present: set[str]) -> str:
    if name == "dose_question" and "drug" in present:
        return "dose question about a named medicine"
    if name == "identifier" and "health" in present:
        return "identifier + health information"
    if name == "full_name" and "health" in present:
        return "full name + health information"
    return EXTRA.get(name) or BY_NAME[name].reason


def explain(label: str, present: set[str], score: float, words: list[str]) -> list[str]:
    """The model's reasons for flagging label, from the cues present in the text."""
    support = [name for name in SUPPORT.get(label, ()) if name in present]
    if ("identifier" in support or "full_name" in support) and "health" in support:
        support.remove("health")
    if support:
        said = "; ".join(_describe(name, present) for name in support)
    else:
        said = "wording like " + ", ".join(f"“{w}”" for w in words) if words else "overall wording"
    reasons = [f"model {score:.2f}: {said}"]
    against = [_describe(name, present) for name in AGAINST.get(label, ()) if name in present]
    if against:
        reasons.append("weighed against: " + "; ".join(against))
    return reasons
