"""Rules the model cannot override: emergencies and self-harm, exposed health data, spam.

Each hit names its label and a reason a clinician can read. Texts are matched accent-folded and in
lower case, because people in distress type fast, without accents and with typos.
"""

import re
from dataclasses import dataclass

from moderation.features import normalise


@dataclass(frozen=True)
class Hit:
    label: str
    reason: str


def _any(*patterns: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


EMERGENCY = {
    "self-harm (es)": _any(
        r"\bme (?:quiero|voy a) (?:matar|suicidar|morir)",
        r"\bquiero (?:morir(?:me)?|desaparecer|dejar de vivir)",
        r"\bno quiero (?:seguir )?viv(?:ir|iendo)",
        r"\bacab(?:ar|o|are|e) con (?:mi vida|todo)",
        r"\bsuicid",
        r"\bquitarme la vida",
        r"\bhacerme dano",
        r"\bme he cortado",
        r"\bvoy a tomarme (?:todas )?las pastillas",
        r"\bme (?:he|e) tomado (?:todas las|un bote de|una caja de|muchas) (?:pastillas|pildoras)",
    ),
    "self-harm (en)": _any(
        r"\b(?:kill|hurt|harm) myself",
        r"\bwant(?:ing)? to die",
        r"\bend (?:my life|it all)",
        r"\bsuicid",
        r"\bdon'?t want to (?:live|be alive)",
        r"\btake all (?:my|the) pills",
        r"\bi (?:have )?(?:took|taken) (?:all|a whole bottle of) (?:my |the )?pills",
        r"\bno reason to live",
    ),
    "acute emergency (es)": _any(
        r"\bno (?:puedo|puede) respirar",
        r"\bdolor (?:fuerte )?(?:en el|de) pecho",
        r"\bse (?:ha )?desmayad",
        r"\b(?:esta|estoy) inconsciente",
        r"\bsobredosis",
        r"\bconvulsion",
        r"\bme estoy desangrando",
        r"\bla cara (?:torcida|paralizada)",
        r"\bno (?:le|me) responde",
        r"\bsangra(?:ndo)? mucho",
        r"\bse ha tragado\b",
        r"\breaccion alergica (?:grave|fuerte)",
        r"\bse (?:le|me) (?:hincha|esta hinchando) (?:la lengua|los labios|la garganta)",
        r"\bse ha (?:comido|tragado|tomado) (?:un blister|una caja|un bote|varias pastillas)",
    ),
    "acute emergency (en)": _any(
        r"\bcan'?t breathe",
        r"\bchest pain",
        r"\bunconscious",
        r"\boverdos",
        r"\bseizure",
        r"\bpassed out",
        r"\bbleeding (?:heavily|a lot|badly)",
        r"\bface (?:is )?drooping",
        r"\bnot responding",
        r"\b(?:tongue|lips|throat) (?:is |are )?(?:swelling|swollen|closing)",
        r"\banaphyla",
        r"\b(?:ate|swallowed|eaten) (?:a strip|a packet|a bottle|a handful) of (?:\w+ )?(?:tablets|pills)",
    ),
}

HEALTH_TERMS = _any(
    r"\bdiagnostic",
    r"\bdiagnos",
    r"\bcancer\b",
    r"\btumor",
    r"\bvih\b",
    r"\bhiv\b",
    r"\bsida\b",
    r"\baids\b",
    r"\bdiabet",
    r"\bembaraz",
    r"\bpregnan",
    r"\bdepresi",
    r"\bansiedad",
    r"\banxiety",
    r"\besquizofren",
    r"\bschizophren",
    r"\bbipolar",
    r"\bhepatitis",
    r"\btratamiento",
    r"\btreatment",
    r"\bmedicacion",
    r"\bmedication",
    r"\bquimio",
    r"\bchemo",
    r"\baborto",
    r"\babortion",
    r"\bpaciente\b",
    r"\bpatient\b",
    r"\bhistoria clinica",
    r"\bmedical record",
    r"\binforme medico",
    r"\banalitica",
    r"\bblood test",
    r"\bingresad",
    r"\badmitted",
    r"\bepilep",
    r"\balzheimer",
    r"\bdemencia",
    r"\bdementia",
    r"\bvirus\b",
)
PHONE = re.compile(
    r"(?<!\d)(?:\+?34[\s.-]?)?[6789]\d{2}[\s.-]?\d{3}[\s.-]?\d{3}(?!\d)|(?<!\d)\+\d{1,3}[\s.-]?\d{3,4}[\s.-]?\d{3,4}[\s.-]?\d{0,4}(?!\d)"
)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
DNI = re.compile(r"\b(\d{8})[\s-]?([a-z])\b")
NIE = re.compile(r"\b([xyz])[\s-]?(\d{7})[\s-]?([a-z])\b")
NHS = re.compile(r"(?<!\d)(\d{3})[\s-]?(\d{3})[\s-]?(\d{4})(?!\d)")
RECORD = re.compile(
    r"\b(?:nhc|n\.?\s?h\.?\s?c\.?|historia clinica|numero de historia|mrn|medical record (?:number|no\.?)|hospital number|n[ºo°]\s?de paciente|sip|cip|tarjeta sanitaria)\W{0,3}(?:n[ºo°.]?\s*)?:?\s*[a-z]{0,4}\d{4,}"
)
BIRTH = re.compile(
    r"\b(?:fecha de nacimiento|nacid[oa] el|naci el|f\.? ?nac\.?|dob|date of birth|born on)\W{0,3}\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
)
DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"

SPAM_TERMS = _any(
    r"\bcompra(?:r)? (?:ya|ahora)",
    r"\bdescuento",
    r"\boferta\b",
    r"\bgratis\b",
    r"\bgana(?:r)? dinero",
    r"\bbuy now",
    r"\bdiscount",
    r"\bfree (?:trial|money|shipping)",
    r"\bclick here",
    r"\bhaz clic",
    r"\bcrypto",
    r"\bbitcoin",
    r"\binvest",
    r"\binvierte",
    r"\bwhatsapp",
    r"\btelegram",
    r"\bpromo(?:cion|code)?\b",
    r"\bmiracle cure",
    r"\bcura milagrosa",
    r"\bpierde \d+ ?kg",
    r"\blose \d+ ?(?:lbs|kg|pounds)",
)


def _valid_dni(number: str, letter: str) -> bool:
    return DNI_LETTERS[int(number) % 23] == letter.upper()


def _valid_nie(prefix: str, number: str, letter: str) -> bool:
    return _valid_dni(str("xyz".index(prefix)) + number, letter)


def _valid_nhs(digits: str) -> bool:
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def emergency_hits(folded: str) -> list[Hit]:
    return [
        Hit("emergency", f"matches the {name} lexicon: “{m.group(0)}”")
        for name, pattern in EMERGENCY.items()
        if (m := pattern.search(folded))
    ]


def phi_hits(folded: str) -> list[Hit]:
    """Identifiers that always expose someone, and contact details next to health terms."""
    hits = []
    if any(_valid_dni(number, letter) for number, letter in DNI.findall(folded)):
        hits.append(Hit("phi", "a Spanish DNI number"))
    if any(_valid_nie(prefix, number, letter) for prefix, number, letter in NIE.findall(folded)):
        hits.append(Hit("phi", "a Spanish NIE number"))
    if any(_valid_nhs("".join(parts)) for parts in NHS.findall(folded)):
        hits.append(Hit("phi", "an NHS number (valid check digit)"))
    if RECORD.search(folded):
        hits.append(Hit("phi", "a medical record or health card number"))
    if BIRTH.search(folded):
        hits.append(Hit("phi", "a date of birth"))
    health = HEALTH_TERMS.search(folded)
    if health:
        if PHONE.search(folded):
            hits.append(
                Hit("phi", f"a phone number next to health information (“{health.group(0)}”)")
            )
        if EMAIL.search(folded):
            hits.append(
                Hit("phi", f"an e-mail address next to health information (“{health.group(0)}”)")
            )
    return hits


def spam_hits(folded: str, original: str) -> list[Hit]:
    """Promotional terms together with links or contact details, or link flooding."""
    links = len(re.findall(r"urltoken", folded))
    terms = SPAM_TERMS.findall(folded)
    # Counting capitals walks every character: only worth it when there is promotion to shout.
    shouting = (
        bool(terms or links)
        and len(original) > 30
        and sum(map(str.isupper, original)) > 0.6 * max(1, sum(map(str.isalpha, original)))
    )
    hits = []
    if terms and (links or PHONE.search(folded) or EMAIL.search(folded) or len(terms) >= 2):
        hits.append(Hit("spam", f"promotional wording with a link or contact (“{terms[0]}”)"))
    if links >= 3:
        hits.append(Hit("spam", f"{links} links in one message"))
    if shouting and (terms or links):
        hits.append(Hit("spam", "mostly capital letters with promotion"))
    return hits


def check(text: str) -> list[Hit]:
    """Every rule that fires on text."""
    folded = normalise(text)
    return emergency_hits(folded) + phi_hits(folded) + spam_hits(folded, text)
