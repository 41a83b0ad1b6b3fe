"""Rules for emergencies and self-harm, exposed health data and spam, that know their context.

Each hit names its label and a reason a clinician can read. A forced hit flags whatever the model
says; a match inside a past story, a hypothetical, news, a quotation, a question about a condition
or an idiom is lowered to the model's judgement, unless the danger is now or the intent explicit.
Texts are matched accent-folded and in lower case, because people in distress type fast, without
accents and with typos.
"""

import functools
import re
from dataclasses import dataclass

from moderation import cues
from moderation.text import Lexicon, normalise


@dataclass(frozen=True)
class Hit:
    label: str
    reason: str
    forced: bool = True  # False: the context lowers the match to the model's judgement


def _any(*patterns: str) -> Lexicon:
    return Lexicon(*patterns)


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
        r"\b(?:tome|me tome|me he tomado|me tomado|tomarme|acabo de tomarme) (?:todas las|\d{2,}|una caja|un bote)",
        r"\btirarme (?:a las vias|por|del|de la|al)",
        r"\b(?:cartas de despedida|mejor sin mi|nadie (?:me|la|lo) (?:va a )?extran)",
        r"\b(?:hacer dano|hacerle dano) a mis hijos",
        r"\bpastillas (?:contadas|preparadas|alineadas)",
        r"\bcontra (?:si|mi) mism[oa]",
        r"\bme (?:las|los) (?:tomo|voy a tomar|tomare) tod[ao]s",
        r"\bvoces que me (?:dicen|piden|mandan|ordenan)",
        r"\bhaga dano a (?:mis hijos|mi hij[oa]|mi bebe|alguien)",
        r"\bno me busquen\b",
    ),
    "self-harm (en)": _any(
        r"\b(?:kill|hurt|harm) myself",
        r"\bwant(?:ing)? to die",
        r"\bend (?:my life|it all)",
        r"\bsuicid",
        r"\bdon'?t want to (?:live|be alive)",
        r"\btake all (?:my|the) pills",
        r"\b(?:took|taken) (?:all|a whole bottle of) (?:my |the )?pills",
        r"\bno reason to live",
        r"\b(?:took|taken|swallowed) (?:\d{2,}|all (?:my|the|of my)|a whole (?:box|bottle|strip|packet))",
        r"\bbetter off without me",
        r"\b(?:pills|tablets) (?:lined up|counted|ready)",
        r"\bhurt my (?:children|kids|baby)",
        r"\b(?:goodbye letters?|written the letters|said goodbye to everyone|nobody would miss)",
        r"\b(?:use|turn|point) (?:it|the gun|the knife) on (?:myself|himself|herself)",
        r"\bvoices (?:are )?(?:telling|tell|that tell) me to",
        r"\btake them all (?:tonight|today|now)",
        r"\bdon'?t (?:come )?look(?:ing)? for me\b",
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
        r"\b(?:amenaza|quiere|va) (?:con )?(?:tirarse|saltar|colgarse|matarse)",
        r"\bno (?:reacciona|despierta|respira)\b",
        r"\b(?:labios|cara) (?:morad|azul)",
        r"\binconsciente",
        r"\bse (?:ha |acaba de )?desplom",
        r"\b(?:se le|se me) (?:esta )?cerrando la garganta",
        r"\b(?:tragado|bebido|bebio|trago|mordido) (?:un poco de )?(?:lejia|amoniaco|detergente|una pila|una pastilla de lavavajillas)",
        r"\bpila de boton",
        r"\bvomit\w* sangre",
        r"\b(?:sangr\w* (?:abundante|sin parar|a chorros)|sale a chorros|no (?:le |me )?para de sangrar)",
        r"\bdejado de respirar",
        r"\bcomo (?:de |un )?trap(?:o|ito)\b",
        r"\batragant",
        r"\b(?:aprieta el pecho|opresion en el pecho)",
        r"\b(?:boca torcida|cara caida)",
        r"\bno siento (?:la mitad|el lado|un lado)",
        r"\bhabla arrastrando",
        r"\bmanch\w+ que no (?:se van|desaparecen)",
        r"\bse (?:le|me) (?:hunden|marcan) las costillas",
        r"\b(?:calefon|calentador|estufa|brasero|caldera|monoxido)\b.{0,80}(?:duele la cabeza|dolor de cabeza|mare|dormid|vomit)",
        r"\b(?:embarazad[ao]|semanas de embarazo)\b.{0,80}(?:dolor (?:muy )?fuerte|me desmay|sangr\w* mucho)",
        r"\bcoagulos (?:como|grandes|enormes|del tamano)",
        r"\bya (?:viene|sale|asoma) el bebe|\bse (?:ve|asoma) la cabeza del bebe|\besta naciendo\b",
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
        r"\b(?:threatening|going) to (?:jump|hang|kill)",
        r"\b(?:not breathing|isn'?t breathing|won'?t wake|lips (?:have gone|are|turning) (?:blue|grey))",
        r"\b(?:unresponsive|no pulse|stopped breathing|not waking|can'?t wake)\b",
        r"\b(?:swallowed|drank|drunk|ate|chewed) (?:some |a bit of )?(?:bleach|a (?:button )?battery|a dishwasher tablet|dishwasher|detergent|antifreeze)",
        r"\bbutton battery",
        r"\b(?:vomiting|throwing up|coughing up) (?:blood|what looks like coffee)",
        r"\b(?:massive|heavy|sudden) bleeding|won'?t stop bleeding|keeps pumping|blood everywhere",
        r"\b(?:collapsed|went floppy|all floppy)\b",
        r"(?<!coil )(?<!contact lens )\bfitting\b(?! (?:appointment|room|service))",
        r"\bchoking on\b",
        r"\bturning (?:blue|purple|grey)",
        r"\b(?:crushing (?:chest|feeling|pain)|clutching (?:his|her|my) chest)",
        r"\bcan'?t (?:feel|lift|move) (?:the left|the right|one|his|her|my) (?:side|arm|leg)",
        r"\b(?:slurring|bone sticking out)",
        r"\brash (?:that )?(?:doesn'?t|won'?t) fade|doesn'?t go away under the glass",
        r"\bthroat (?:is |feels )?(?:closing|tight)",
        r"\b(?:boiler|heater|carbon monoxide|co alarm|generator)\b.{0,80}(?:headache|dizzy|drowsy|sleepy|vomit|being sick)",
        r"\b(?:pregnant|weeks gone)\b.{0,80}(?:severe|sharp|really bad|worst) pain",
        r"\bclots? (?:the size of|as big as|like) (?:a |an )?(?:golf|fist|plum|lemon|egg)",
        r"\bbaby(?:'s| is) coming (?:now|out)|\bsee the (?:baby'?s )?head\b|\bcrowning\b",
    ),
}

HEALTH_TERMS = _any(
    r"\bdiagnos",
    r"\b(?:cancer|tumou?r|leuk|leucem|linfoma|lymphoma|metasta)",
    r"\b(?:vih|hiv|sida|aids|hepatitis|tuberculos|meningitis|neumonia|pneumonia|sepsis)\b",
    r"\b(?:diabet|insulin|hba1c|glucosa|tsh|inr|colesterol|cholesterol)",
    r"\b(?:embaraz|pregnan|preeclamp|matrona|midwife|aborto|abortion)",
    r"\b(?:depresi|ansiedad|anxiety|esquizofren|schizophren|bipolar|psiqui|psychiat|psych|autis|tdah|adhd)",
    r"\b(?:tratamiento|treatment|medicacion|medication|quimio|chemo|radioterap|radiotherap|dialys|dialis|biops)",
    r"\b(?:metadona|methadone|metformin|levotirox|sertralin|warfarin|sintrom|apixaban|oncolog|cardiac|cardio)",
    r"\b(?:paciente|patient|historia clinica|medical record|informe medico|analitica|blood test|bloods|results|resultados)\b",
    r"\b(?:ingresad|internad|hospitaliz|admitted|ward|uci|icu|(?<!gp )(?<!doctors )(?<!doctor's )(?<!the )(?<!a )(?<!new )(?<!change )(?<!our )(?<!your )(?<!same )(?<!local )surgery|cirugia|operacion|bypass|stent)",
    r"\b(?:epilep|alzheimer|parkinson|esclerosis|sclerosis|demencia|dementia|asma|asthma|ictus|stroke|infarto)",
    r"\b(?:ulcera|ulcer|pressure sore|fever|fiebre|temp \d|mri|resonancia|scan|baja por|signed off|incapacidad)",
    r"\bvirus\b",
    r"\b(?:self[- ]?harm|autolesi|overdose|sobredosis|rehab\b|desintox|adiccion|addiction)",
    r"\b(?:hpv|vph|clamidia|chlamydia|gonorr|sifilis|syphilis|herpes|sti|std|uti|infeccion urinaria)\b",
    r"\b(?:alergi|allerg|anafilax|anaphyla|epipen|celiac|coeliac|crohn|colitis|psoriasis|lupus|artritis|arthritis)",
    r"\b(?:fractur|protesis|apendicitis|appendicitis|kidney stone|trasplant|transplant|amputa|displasia|dysplasia)",
    r"\b(?:metotrexat|methotrexat|fentanil|fentanyl|morfina|opioid|mamograf|mastograf|mammogra|citologia|smear test)",
    r"\b(?:colposcop|antigeno prostatico|viral load|carga viral|tested positive|dio positivo|dado positivo|positivo en)",
    r"\b(?:afib|fibrilacion|arrhythm|arritmia|cabg|cateterismo|catheteri[sz]|epidural|ivf|fiv|fecundacion in vitro)\b",
    r"\b(?:eating disorder|trastorno (?:alimentario|de la conducta alimentaria)|anorexi|bulimi|hernia|sectioned|alcoholic|alcoholism)",
    r"\b(?:lamotrigin|tranquimazin|alprazolam|hemorroid|haemorrhoid|hemorrhoid|therapy notes|enbrel|humira|iud\b|diu\b)",
)
# Phone numbers of Spain, the UK, the US and Latin America (ten digits in groups of 2-4-4 or 3-3-4).
PHONE = re.compile(
    r"(?<!\d)(?:\+?34[\s.-]?)?[6789]\d{2}[\s.-]?\d{2,3}[\s.-]?\d{2,3}(?:[\s.-]?\d{2})?(?!\d)"
    r"|(?<!\d)\+\d{1,3}[\s.-]?\d{3,4}[\s.-]?\d{3,4}[\s.-]?\d{0,4}(?!\d)"
    r"|(?<!\d)07\d{3}\s?(?:\d{6}|\d{3}\s\d{3})(?!\d)"
    r"|\(\d{3}\)\s?\d{3}[\s.-]?\d{4}(?!\d)"
    r"|(?<![\d-])(?:\d{2}[\s.-]?\d{4}|\d{3}[\s.-]?\d{3})[\s.-]?\d{4}(?![\d-])"
)
# A phone number given by a business to be called (a practice, a shop, a scam) is nobody's health data.
BUSINESS_CONTACT = _any(
    r"\b(?:call|ring|phone|text|contact) (?:us|the|our|now|today|from|\d|1-8)",
    r"\b(?:will call|to book|to schedule|book (?:on|online|now|at|your)|front desk|reception)",
    r"\b(?:llam(?:anos|a al|e al|ar al|en al)|pide cita|pedidos|reservas|envios|informes al|info al)",
    r"\b(?:whats(?:app)?|wa\.me|telegram)\b",
)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
DNI = re.compile(r"\b(\d{8})[\s-]?([a-z])\b")
NIE = re.compile(r"\b([xyz])[\s-]?(\d{7})[\s-]?([a-z])\b")
NHS = re.compile(r"(?<!\d)(\d{3})[\s-]?(\d{3})[\s-]?(\d{4})(?!\d)")
CUIL = re.compile(r"(?<![\d-])(20|23|24|27|30|33|34)-?(\d{8})-?(\d)(?![\d-])")
PPSN = re.compile(r"\b(\d{7})([a-w])([abhwtxz]?)\b")  # Ireland: 7 digits, a check letter
AADHAAR = re.compile(r"(?<![\d-])([2-9]\d{3})[\s-]?(\d{4})[\s-]?(\d{4})(?![\d-])")  # India
# Identifiers recognised by their shape, or by the word that introduces them.
IDENTIFIERS = {
    "a Mexican CURP": re.compile(r"\b[a-z][aeioux][a-z]{2}\d{6}[hm][a-z]{5}[a-z0-9]\d\b"),
    "a Mexican RFC": re.compile(r"\b[a-z&]{4}\d{6}[a-z0-9]{3}\b"),
    "an IMSS social security number": re.compile(
        r"\b(?:nss|imss)\D{0,20}\d{2}\s?\d{2}\s?\d{2}\s?\d{4}\s?\d\b"
    ),
    "an Argentine DNI": re.compile(r"\bdni\W{0,5}\d{1,2}\.?\d{3}\.?\d{3}\b(?![\s-]?[a-z]\b)"),
    "a health insurance member number": re.compile(
        r"\b(?:afiliad[oa]|pami|obra social|member(?: id)?|numero de afiliado|medicaid)\D{0,20}[a-z]{0,2}\d{6,}"
    ),
    "a Colombian cedula": re.compile(
        r"\b(?:cedula|c\.\s?c\.?|cc|t\.?i\.?|nuip|tarjeta de identidad)\W{0,5}(?:\d{1,3}(?:\.\d{3}){1,3}|\d{6,10})\b"
    ),
    "a US Social Security number": re.compile(
        r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])"
    ),
    "a Medicare beneficiary identifier": re.compile(
        r"\b[1-9][a-z][a-z0-9]\d-?[a-z][a-z0-9]\d-?[a-z]{2}\d{2}\b"
    ),
    "a UK National Insurance number": re.compile(
        r"\b(?!qq)[a-ceghj-pr-tw-z][a-ceghj-npr-tw-z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[a-d]\b"
    ),
    "a Spanish social security number": re.compile(
        r"\b(?:seguridad social|nuss|naf|afiliacion)\D{0,20}\d{2}[\s/]?\d{8}[\s/]?\d{2}\b"
    ),
    "a medical record or health card number": re.compile(
        r"\b(?:nhc|n\.?\s?h\.?\s?c\.?|historia clinica|numero de historia|mrn|medical record (?:number|no\.?)|hospital number|n[ºo°]\s?de paciente|sip|cip|tarjeta sanitaria)\W{0,3}(?:n[ºo°.]?\s*)?:?\s*[a-z]{0,4}\d{4,}"
    ),
    "a Spanish health card code (CIP)": re.compile(r"\b[a-z]{4}\d{12}\b"),
    "an ABHA health account number": re.compile(
        r"\babha\b\D{0,20}\d{2}[\s-]?\d{4}[\s-]?\d{4}[\s-]?\d{4}\b"
    ),
    "a date of birth": re.compile(
        r"\b(?:fecha de nacimiento|nacid[oa] el|naci el|f\.? ?nac\.?|dob|date of birth|born on)\W{0,3}\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}"
    ),
}
# A number shown as an example in instructions, or made of a run of digits, is nobody's.
EXAMPLE = re.compile(
    r"(?:\be\.\s?g\.|\bp\.\s?ej\.)\s?[^.\n]{0,60}$"
    r"|\b(?:eg|for example|for instance|example|such as|like|looks like|format|formato|ejemplo|pej|por ejemplo|tipo|sample|muestra|test patient|paciente de prueba|ficticio|dummy|training)\b[^.\n]{0,60}$"
)
SAMPLES = frozenset({"123456789", "1234567890", "0781051120"})
DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_NO_DIGITS = str.maketrans("", "", "0123456789")

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


def _valid_cuil(prefix: str, number: str, check: str) -> bool:
    weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    total = sum(int(d) * w for d, w in zip(prefix + number, weights, strict=True))
    expected = {11: 0, 10: 9}.get(11 - total % 11, 11 - total % 11)
    return expected == int(check)


def _valid_ppsn(number: str, check: str, second: str) -> bool:
    """Ireland's check letter: digits weighted 8 to 2, plus 9 times a second letter's value, mod 23."""
    total = sum(int(d) * w for d, w in zip(number, range(8, 1, -1), strict=True))
    if second and second != "w":
        total += 9 * (ord(second) - ord("a") + 1)
    return "wabcdefghijklmnopqrstuv"[total % 23] == check


# Verhoeff's tables (the check digit of India's Aadhaar numbers).
_VERHOEFF_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
_VERHOEFF_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]


def _valid_aadhaar(digits: str) -> bool:
    check = 0
    for i, d in enumerate(reversed(digits)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[i % 8][int(d)]]
    return check == 0


def _placeholder(number: str) -> bool:
    """A run of one digit, a well-known sample number, or letters standing for digits."""
    digits = re.sub(r"\D", "", number)
    return len(set(digits)) <= 1 or digits in SAMPLES or bool(re.search(r"x{3}|a{4}0{6}", number))


def _real(folded: str, match: re.Match) -> bool:
    """A number that is not shown as an example in instructions, nor a placeholder."""
    return not EXAMPLE.search(folded[: match.start()]) and not _placeholder(match.group(0))


def _quoted(text: str, start: int) -> bool:
    """Whether position start lies inside quotation marks."""
    before = text[:start]
    return (
        before.count('"') % 2 == 1
        or before.count("“") > before.count("”")
        or before.count("«") > before.count("»")
    )


def emergency_hits(folded: str) -> list[Hit]:
    """Lexicon matches; forced unless the context lowers them (and the danger is not now or intended)."""
    hits = []
    for name, words, start in danger(folded):
        self_harm = name.startswith("self-harm")
        context = cues.context_of(folded, self_harm)
        if context is None and _quoted(folded, start) and not cues.INTENT.pattern.search(folded):
            context = cues.Cue("quotation", "quotation", cues.NOW.pattern)
        if context is None:
            hits.append(Hit("emergency", f"{name}: “{words}”"))
        else:
            hits.append(Hit("emergency", f"{context.reason}: “{words}” lowered", forced=False))
    return hits


# The features and the rules both ask these of the same text: each answer is computed once.
@functools.lru_cache(maxsize=4096)
def exposed(folded: str) -> tuple[str, ...]:
    """What identifies someone in the text: valid identifier numbers, not examples or placeholders."""
    found: list[str] = []
    if len(folded) - len(folded.translate(_NO_DIGITS)) < 4:  # every identifier has 4 digits or more
        return ()

    if any(_valid_dni(m[1], m[2]) and _real(folded, m) for m in DNI.finditer(folded)):
        found.append("a Spanish DNI")
    if any(_valid_nie(m[1], m[2], m[3]) and _real(folded, m) for m in NIE.finditer(folded)):
        found.append("a Spanish NIE")
    if any(_valid_nhs(m[1] + m[2] + m[3]) and _real(folded, m) for m in NHS.finditer(folded)):
        found.append("an NHS number")
    if any(_valid_cuil(m[1], m[2], m[3]) and _real(folded, m) for m in CUIL.finditer(folded)):
        found.append("an Argentine CUIL")
    if any(_valid_ppsn(m[1], m[2], m[3]) and _real(folded, m) for m in PPSN.finditer(folded)):
        found.append("an Irish PPS number")
    if any(
        _valid_aadhaar(m[1] + m[2] + m[3]) and _real(folded, m) for m in AADHAAR.finditer(folded)
    ):
        found.append("an Aadhaar number")
    for name, pattern in IDENTIFIERS.items():
        if any(_real(folded, m) for m in pattern.finditer(folded)):
            found.append(name)
    return tuple(found)


@functools.lru_cache(maxsize=4096)
def health_term(folded: str) -> str | None:
    """The first health term in the text, if any."""
    match = HEALTH_TERMS.search(folded)
    return match.group(0) if match else None


@functools.lru_cache(maxsize=4096)
def danger(folded: str) -> tuple[tuple[str, str, int], ...]:
    """Each emergency lexicon's first match: (lexicon, words, position)."""
    return tuple(
        (name, match.group(0), match.start())
        for name, pattern in EMERGENCY.items()
        if (match := pattern.search(folded))
    )


def phi_hits(folded: str) -> list[Hit]:
    """An identifier or contact next to health information forces phi; an identifier alone is lowered."""
    health = health_term(folded)
    hits = [
        Hit("phi", f"{name} + health information (“{health}”)")
        if health
        else Hit("phi", f"{name}, no health information", forced=False)
        for name in exposed(folded)
    ]
    if (
        health
        and len(folded) - len(folded.translate(_NO_DIGITS)) >= 6
        and any(_real(folded, m) for m in PHONE.finditer(folded))
        and not BUSINESS_CONTACT.search(folded)
    ):
        hits.append(Hit("phi", f"a phone number + health information (“{health}”)"))
    if health and "@" in folded and EMAIL.search(folded) and not BUSINESS_CONTACT.search(folded):
        hits.append(Hit("phi", f"an e-mail address + health information (“{health}”)"))
    return hits


def spam_hits(folded: str, original: str) -> list[Hit]:
    """Promotion with links or contact, link flooding, or a public service asking for data by link."""
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
    named = {cue.name for cue in cues.SPAM if cue.pattern.search(folded)}
    if {"public_service", "data_lure", "link"} <= named:
        hits.append(Hit("spam", "imitates a public service and asks for data, payment or a click"))
    if "warning" in named:
        hits = [Hit(h.label, f"warns about a scam: {h.reason} lowered", forced=False) for h in hits]
    return hits


def check(text: str) -> list[Hit]:
    """Every rule that fires on text."""
    folded = normalise(text)
    return emergency_hits(folded) + phi_hits(folded) + spam_hits(folded, text)
