"""Moderation reasons in the reader's language.

The engine (moderation/) writes its reasons in English from a fixed set of phrases: the rules'
names, the cues' descriptions and a few joining words ("rule: a Spanish DNI + health information
(“diabetes”)"). Each phrase is a message id here; a reason is translated phrase by phrase when
shown, and the writer's own words, in quotation marks, stay as written.
"""

from app.i18n import N_, Phrases, vocabulary

VOCABULARY = "moderation"

PHRASES = (
    # how a reason is put together (moderation/model.py, moderation/reasons.py)
    N_("model"),
    N_("rule"),
    N_("context"),
    N_("weighed against"),
    N_("wording like"),
    N_("overall wording"),
    N_("lowered"),
    # emergency rules and the contexts that lower them (moderation/rules.py, moderation/cues.py)
    N_("self-harm (es)"),
    N_("self-harm (en)"),
    N_("acute emergency (es)"),
    N_("acute emergency (en)"),
    N_("quotation"),
    N_("past event"),
    N_("hypothetical question"),
    N_("news, fiction or a documentary"),
    N_("question about a condition, or awareness"),
    N_("figure of speech"),
    N_("already in care"),
    N_("happening now"),
    N_("stated intent"),
    N_("danger signs in the words"),
    N_("asks what to do or whether to wait"),
    # consultations
    N_("dose question"),
    N_("dose question about a named medicine"),
    N_("asks whether to start, stop or combine a treatment"),
    N_("asks what a symptom means or whether care is needed"),
    N_("practical question about the service"),
    N_("reports a clinician's decision"),
    N_("clinicians discussing a case"),
    N_("about the writer or someone close"),
    # misinformation
    N_("asserts a cure or a cause"),
    N_("refutes or corrects a claim"),
    N_("reports what others say"),
    N_("asks whether a claim is true"),
    # health data
    N_("health information"),
    N_("no health information"),
    N_("identifier + health information"),
    N_("full name + health information"),
    N_("an identifier number"),
    N_("a person's full name"),
    N_("a phone number"),
    N_("an e-mail address"),
    N_("a Spanish DNI"),
    N_("a Spanish NIE"),
    N_("an NHS number"),
    N_("an Argentine CUIL"),
    N_("an Irish PPS number"),
    N_("an Aadhaar number"),
    N_("a Mexican CURP"),
    N_("a Mexican RFC"),
    N_("an IMSS social security number"),
    N_("an Argentine DNI"),
    N_("a health insurance member number"),
    N_("a Colombian cedula"),
    N_("a US Social Security number"),
    N_("a Medicare beneficiary identifier"),
    N_("a UK National Insurance number"),
    N_("a Spanish social security number"),
    N_("a medical record or health card number"),
    N_("a Spanish health card code (CIP)"),
    N_("an ABHA health account number"),
    N_("a date of birth"),
    # spam
    N_("promotional wording with a link or contact"),
    N_("links in one message"),
    N_("mostly capital letters with promotion"),
    N_("imitates a public service and asks for data, payment or a click"),
    N_("imitates a public service or a practice"),
    N_("asks for data, payment or a click"),
    N_("promotion or sales"),
    N_("follow-for-follow or engagement bait"),
    N_("a link or web address"),
    N_("warns about a scam"),
)

vocabulary(VOCABULARY, PHRASES)


def shown(reason: str) -> Phrases:
    """A reason the engine wrote, to be translated when it is shown."""
    return Phrases(reason, VOCABULARY)
