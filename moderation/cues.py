"""Cues of situation and stance: who speaks, when it happens, asking or telling, asserting or refuting.

One list serves three purposes: the rules read the context cues to lower a lexicon match (a past
story, a hypothetical, news), the model reads every cue as a feature next to the n-grams, and the
review queue names the cues behind a flag in words a clinician reads ("past event", "dose question
about a named medicine"). Patterns run on normalised text (lower case, accents folded, URLs as
"urltoken").
"""

import functools
from dataclasses import dataclass

from moderation.text import Lexicon


@dataclass(frozen=True)
class Cue:
    name: str
    reason: str
    pattern: Lexicon


def _cue(name: str, reason: str, *patterns: str) -> Cue:
    return Cue(name, reason, Lexicon(*patterns))


# Contexts in which an emergency word is not an emergency now.
CONTEXTS = (
    _cue(
        "past",
        "past event",
        r"\blast (?:year|month|spring|summer|autumn|winter|christmas)\b",
        r"\b(?:years?|months?|decades?) ago\b",
        r"\bback in (?:19|20)\d\d\b",
        r"\bin (?:19|20)\d\d\b",
        r"\bin '\d\d\b",
        r"\bwhen (?:i|he|she|we|they|my \w+) (?:was|were|had) (?:a |little|young|\d)",
        r"\bas a (?:kid|child|teen|teenager)\b",
        r"\b(?:throwback|years on|ever since|used to)\b",
        r"\b(?:survived|saved (?:his|her|my|their) life|recovered|(?:is|'s) (?:fine|ok|okay) now)\b",
        r"\b(?:it'?s gone now|it was (?:just|only) \w+|turned out to be|thankfully it was)\b",
        r"\b(?:seizure|fit)[- ]free\b",
        r"\bel (?:ano|mes) pasado\b",
        r"\bhace (?:\d+|un|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|quince|veinte|unos|unas|varios|varias|muchos) (?:anos?|mes(?:es)?|decadas?)\b",
        r"\b(?:ya se (?:me |le )?(?:ha )?pasado|al final (?:era|fue)|menos mal que (?:era|fue|solo))\b",
        r"\bcuando (?:mi|su|tu) \w+ (?:tuvo|era|tenia|estaba)\b",
        r"\bno (?:ha vuelto|volvio) a\b",
        r"\ben (?:el )?(?:19|20)\d\d\b",
        r"\bde (?:pequen[oa]|nin[oa]|chic[oa]|joven|adolescente)\b",
        r"\bcuando (?:era|tenia|estaba|tuve|tuvo|naci[oó]|nacio)\b",
        r"\b(?:aquella vez|una vez acab|le salvo|le salvaron|nos salvo|se recupero|sobrevivi|hoy esta bien|ya camina)\b",
        # Yesterday, last week or a month named: a story, unless it is still going on ("since").
        r"(?<!since )(?<!from )\b(?:yesterday|last (?:night|week|weekend|monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
        r"\b\d+ (?:days|weeks) ago\b",
        r"\bin (?:january|february|march|april|june|july|august|september|october|november|december)\b",
        r"\b(?:he|she|they)(?:'s| is| are) \d+ now\b",
        r"(?<!desde )\b(?:ayer|anoche)\b",
        r"\bla semana pasada\b",
        r"(?<!desde )\bhace (?:\d+|un|una|dos|tres|cuatro|cinco|unos|unas|varios|varias) (?:dias|semanas)\b",
        r"\ben (?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre)\b",
        r"\b(?:ya tiene|ahora tiene) \d+ anos\b",
        # A month or a year gone by, a stage of someone's training or life told back.
        r"\blast (?:january|february|march|april|may|june|july|august|september|october|november|december)\b",
        r"\b(?:19\d\d|200\d|201\d)\b",
        r"\b(?:in|during) my (?:\w+ )?(?:days|years|training|residency|rotation|placement)\b",
        r"\b(?:worst|longest|scariest) (?:night|shift|day|minutes?) of my\b",
        r"\ben mi (?:residencia|rotacion|epoca|primera guardia)\b",
        r"\b(?:el|la|los|las) (?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|invierno|verano|otono|primavera) pasad[oa]s?\b",
        r"\bcuando (?:yo|el|ella|mi \w+) (?:era|tenia|estaba|tuve|tuvo)\b",
        r"\b(?:years?|months?) (?:since|on from)\b|\bun ano (?:desde|de)\b",
        # Told once it is over: the person is stable, home or well again.
        r"\b(?:is|are|she'?s|he'?s|they'?re|who'?s) (?:stable|home|back home|doing (?:well|fine|great|ok))\b",
        r"(?<!no )\b(?:esta|estan) (?:perfect[oa]s?|estables?|en casa|de alta)\b",
    ),
    _cue(
        "hypothetical",
        "hypothetical question",
        r"\bwhat (?:would|could|will) happen if\b",
        r"\bwhat happens (?:if|when)\b",
        r"\b(?:hypothetically|imagine if|suppose|asking for (?:a|an|my) (?:assignment|essay|class|project|quiz))\b",
        r"\bif (?:someone|somebody|a person|you) (?:took|takes|ate|eats|swallowed|drank|had)\b",
        r"\bque (?:pasa|pasaria|ocurre|ocurriria|le pasa) (?:si|cuando)\b",
        r"\bsi (?:alguien|una persona|uno) se\b",
        r"\b(?:supongamos|imaginate|en caso de que|para un trabajo|para clase|para el cole)\b",
    ),
    _cue(
        "news",
        "news, fiction or a documentary",
        r"\b(?:news|breaking|headline|reported|according to|police said|statement|inquest|coroner|jury)\b",
        r"\b(?:announced|anuncio|president|presidente|singer|cantante|actor|actress|actriz|footballer|futbolista|celebrity|famos[oa])\b",
        r"\b(?:man|woman|teen|teenager|boy|girl|child|toddler|footballer|player) (?:\w+ )?(?:dies|died|has died|collapses|treated in hospital)\b",
        r"\b(?:noticia|segun (?:la|el|fuentes)|informa|ha fallecido|fallece|muere|murio)\b",
        r"\b(?:un|una) (?:hombre|mujer|joven|nino|nina|menor|futbolista|jugador) (?:de \d+ anos )?(?:muere|fallece|se desploma|hospitalizad|ingresad)",
        r"\bhospitali[sz]ad[oa]s? (?:un|una|dos|tres|tras)\b",
        r"\b(?:documentary|documental|film|movie|pelicula|serie|series|episode|capitulo|novel|novela|the scene|la escena|podcast|song|cancion)\b",
        r"\b(?:book|libro|protagonist\w*|character|personaje|reportaje)\b",
        r"\b(?:county|hospital|police|council|family) (?:said|says)\b|\b(?:dijo la policia|segun el hospital)\b",
    ),
    _cue(
        "about",
        "question about a condition, or awareness",
        r"\bwhat(?: are| is|'s) (?:the )?(?:signs?|symptoms?|warning signs|difference)\b",
        r"\b(?:training|scenario|simulacro|simulation|drill|instructor|formacion|for (?:\w+ )?staff|para los (?:mir|residentes)|jornada|reminder|recordatorio)\b",
        # Teaching: a class, an exam station, material for students or new staff.
        r"\b(?:for the (?:students|juniors|residents|new \w+)|osce|exams?|quiz|case (?:study|report)|lecture|teaching|studying|med student)\b",
        r"\b(?:signs|symptoms) (?:are|include)\b|\b(?:sintomas|signos) (?:son|incluyen)\b",
        r"\bif (?:a|your) (?:child|baby|kid|toddler|person|friend)\b|\bsi (?:un|una|tu) (?:nino|nina|bebe|hijo|hija|persona|amig[oa])\b",
        r"\b(?:escenario|examen|para (?:los|las) (?:nuev[oa]s|estudiantes|alumn[oa]s|residentes|enfermer[oa]s)|estudiantes|alumn[oa]s|clase de)\b",
        r"\b(?:know the signs|act fast|conoce (?:los|las) (?:signos|senales))\b",
        # What a medicine or a poison can do to anyone: a warning, not someone's emergency.
        r"\b(?:can|may|could) (?:cause|trigger|lead to)\b",
        r"\b(?:puede|pueden|podria) (?:causar|provocar|dar lugar a)\b|\b(?:ha|han) (?:causado|provocado)\b",
        r"\bpor que\b[^.?!]{0,60}\bes tan\b",
        r"\b(?:sensibilizacion|they say|people say|dicen que|hay quien dice)\b",
        r"\bhow (?:do you|can you|do i|to) (?:know|tell|recogni[sz]e|spot)\b",
        r"\bwhat to do (?:if|when)\b",
        r"\b(?:signs|symptoms) (?:of|to)\b",
        r"\bcuales son los (?:sintomas|signos)\b",
        r"\bcomo (?:se sabe|saber|reconocer|se reconoce|identificar)\b",
        r"\bque hacer (?:si|cuando|ante)\b",
        r"\b(?:sintomas|signos) de\b",
        r"\b(?:cuales son las senales|como se nota|por que (?:no hay que|es tan)|que hace exactamente|pregunto en general|asking in general|in general)\b",
        r"\b(?:first aid|primeros auxilios|awareness|concienciacion|prevencion|prevention|campaign|campana|taller|workshop|charla|talk|course|curso|poster|cartel|leaflet|folleto)\b",
        # Advice in general, helplines and remembrance.
        r"\b(?:can be a sign|is a sign|if you (?:have|see|notice)|if (?:a|the) (?:seizure|fit) lasts|if someone|call (?:an ambulance|999|911|112) if)\b",
        r"\b(?:puede ser (?:un|una) (?:sintoma|signo|senal)|si (?:lo )?tienes|si ves a alguien|si (?:una|la) (?:convulsion|crisis) dura)\b",
        r"\b(?:samaritans|lifeline|helpline|crisis line|linea (?:de atencion|024)|in memory of|en memoria de|died by suicide|lost (?:someone|him|her|them) to|support group|grupo de apoyo)\b",
    ),
    _cue(
        "idiom",
        "figure of speech",
        r"\bme muero de (?:risa|ganas|hambre|sueno|calor|frio|verguenza|amor)\b",
        r"\b(?:me (?:mata|esta matando|tiene muert[oa])|muert[oa] de (?:risa|cansancio|hambre|sueno))\b",
        r"\b(?:casi me da (?:un infarto|algo|un patatus)|me dio un patatus|me voy a morir de)\b",
        r"\b(?:is killing me|are killing me|killing me with|dying to|died laughing|death of me|dead inside)\b",
        r"\b(?:nearly|almost) (?:had a heart attack|died)\b",
        r"\boverdos\w* on (?:mince pies|chocolate|sugar|cake|coffee|caffeine|carbs|cheese|turkey|sweets|candy|netflix|tv|memes|christmas)\b",
        r"\b(?:lol|lmao|jaja\w*|haha\w*|de (?:la )?(?:risa|verguenza))\b",
        "[\U0001f602\U0001f923\U0001f480\U0001f648\U0001f926\U0001f605\U0001f606]",
    ),
    _cue(
        "care",
        "already in care",
        r"\b(?:admitted|in hospital|on the ward|discharged|ingresad[oa]|internad[oa]|dad[oa] de alta)\b",
        r"\b(?:in (?:the )?(?:icu|intensive care)|en la (?:uci|clinica)|en el hospital)\b",
    ),
)
# What keeps a match forcing its flag whatever the context: danger now, or intent.
# Words that keep a match forced whatever the context.
_URGENT = (
    r"\b(?:right now|rn|just now|please help|help me|help!)\b",
    r"\b(?:ahora mismo|ya mismo|en este momento|auxilio)\b",
    r"\b(?:acab[ao] de|just (?:took|taken|collapsed|swallowed|drank|fell|cut))\b",
)
URGENT = _cue("urgent", "happening now", *_URGENT)
# Danger now: those words, or an ambulance or emergency number, which general advice and news name
# too (`context_of`).
NOW = _cue(
    "now",
    "happening now",
    *_URGENT,
    r"\b(?:at the moment|currently)\b",
    # An ambulance that came, a number rung in a story, or help others are told to seek, is not now.
    r"\bambulance\b(?! (?:came|arrived|took))",
    r"(?<!called )(?<!rang )(?<!phoned )(?<!llame al )(?<!llamamos al )\b(?:999|911|112)\b",
    r"(?<!pide )(?<!pedir )(?<!busca )\bayuda\b",
    r"(?<!vino la )(?<!llego la )\bambulancia\b",
    r"\burgente\b",
)
INTENT = _cue(
    "intent",
    "stated intent",
    r"\b(?:going to|gonna|will|ll) (?:do it|end it|end my|kill myself|jump|take (?:them|all|the)|cut|hang)",
    r"\b(?:tonight|this time|goodbye|said goodbye|the letters|last message)\b",
    r"\b(?:voy a|me voy a) (?:matar|tomar|tirar|cortar|colgar|quitar|acabar|hacer)",
    r"\b(?:esta noche|esta vez|adios|despedi|ultimo mensaje|ya lo decidi)\b",
)
ASKING = (
    _cue(
        "asks_action",
        "asks what to do or whether to wait",
        r"\bwhat (?:do|should|can) (?:i|we) do\b",
        r"\b(?:should|do|can|shall) (?:i|we) (?:call|ring|go|take|give|wait|stop|skip|double|use|let|make|leave|put)\b",
        r"\b(?:wait|ok to wait|can (?:it|this) wait|sleep it off|wear off|or (?:a&e|999|911|wait))\b",
        r"\bque (?:hago|hacemos|le doy|me tomo)\b",
        r"\b(?:llamo|lo llevo|la llevo|espero|esperamos|puede esperar|me acuesto|lo dejo|la dejo|vamos a urgencias|voy a urgencias)\b",
    ),
    _cue(
        "dose_question",
        "dose question",
        r"\bhow (?:much|many)\b[^.!?\n]{0,80}\?",
        r"\bcuant[oa]s?\b[^.!?\n]{0,80}\?",
        r"\b(?:can|may|should) (?:i|we|she|he|my \w+) (?:take|give|have|double|mix|use|top up|up)\b",
        r"\b(?:puedo|podemos|le puedo|me puedo) (?:tomar|dar|darle|doblar|mezclar|poner|usar)\b",
        r"\b(?:le doy|me tomo|me pongo|le pongo)\b[^.!?\n]{0,80}\?",
        r"\b(?:what dose|que dosis)\b",
        r"\bdosis (?:de|le|me)\b[^.!?\n]{0,80}\?",
    ),
    _cue(
        "treatment_question",
        "asks whether to start, stop or combine a treatment",
        r"\b(?:stop|come off|skip|quit|start|switch|instead of|replace|together)\b[^.!?\n]{0,80}\?",
        r"\b(?:is it (?:ok|safe|okay)|ok to|safe to)\b",
        r"\b(?:dejo|dejar|suspendo|suspender|salto|saltar|empiezo|en vez de|sustituir|juntos|lo dejo)\b[^.!?\n]{0,80}\?",
        r"\b(?:es seguro|se puede)\b",
    ),
    _cue(
        "symptom_question",
        "asks what a symptom means or whether care is needed",
        r"\b(?:is (?:it|this|that) (?:a|an|normal|serious|cancer|just)|could (?:it|this) be|do i need|does (?:he|she|it) need|need checking)\b",
        r"\b(?:es normal|sera|seran|es grave|necesito|hace falta|hay que llevarlo|es un|es una)\b[^.!?\n]{0,80}\?",
        r"\bor (?:can i|should i|is it|just)\b",
    ),
)
TELLING = (
    _cue(
        "service_question",
        "practical question about the service",
        r"\b(?:repeat (?:prescription|meds|medication)s?|prescription (?:renewal|request)|on the app|opening hours|referral|sick note|fit note|waiting list|department|copy of|certificate|register|registration|travel insurance|bill)\b",
        r"\b(?:how (?:do|can) (?:i|we) (?:get|book|order|request|renew|register|contact|change)|where do (?:i|we)|who do (?:i|we) (?:ask|contact|call))\b",
        r"\b(?:receta (?:caducada|electronica)|renov\w+ (?:la|el|mi)? ?(?:receta|carnet|tarjeta)|la app|horario|derivacion|volante|factura|mutua|reclam\w+|formulario|copia|certificado|justificante|cartilla|lista de espera)\b",
        r"\b(?:como (?:pido|me llegan|consigo|solicito|renuevo|cambio)|donde (?:pido|llevo|dejo|tiro))\b",
        r"(?<=\ba )quien (?:se reclama|llamo|pregunto|le pido)\b",
    ),
    _cue(
        "report",
        "reports a clinician's decision",
        r"\b(?:my|her|his|our|the) (?:doctor|gp|consultant|endo|psychiatrist|nurse|pharmacist|midwife|paediatrician|pediatrician|specialist|team|clinic) (?:has )?(?:upped|raised|increased|lowered|reduced|changed|switched|moved|said|told|prescribed|referred|agreed|set|adjusted)\b",
        r"\b(?:me|le|nos) (?:ha|han)? ?(?:subido|bajado|cambiado|recetado|ajustado|dicho|dijo|receto|cambio|subio)\b",
        r"\bmi (?:medic[oa]|endocrino|psiquiatra|pediatra|enfermera|cardiologo|farmaceutico) (?:me|le|nos)\b",
    ),
    _cue(
        "case",
        "clinicians discussing a case",
        r"\b(?:colleagues|registrar|mdt|for the case|interesting case|companeros|residente|caso para|sesion clinica|protocolo del area)\b",
        r"\b(?:varon|mujer|paciente) de \d{2}\b",
        # A clinician's shorthand for a patient: age and sex ("58M", "34 yo F").
        r"\b[1-9]\d ?(?:m|f|yo ?[mf]|yom|yof)\b",
    ),
)
STANCE = (
    _cue(
        "claim",
        "asserts a cure or a cause",
        r"\b(?:cures?|cured|heals?|reverses?|dissolves?|melts?|kills? (?:cancer|tumou?rs|any)|causes?|gives you|makes (?:you|girls|kids)|poison|toxic|neurotoxin|scam|hoax|hidden|they don'?t want you|big pharma|doctors hate)\b",
        r"\b(?:cura|curan|curo|sana|revierte|disuelve|mata|causa|causan|provoca|provocan|da cancer|deja esteril|veneno|toxico|neurotoxico|ocultan|esconden|no quieren que|farmaceuticas|invento)\b",
    ),
    _cue(
        "refutation",
        "refutes or corrects a claim",
        r"\b(?:myth|not true|isn'?t true|false|fake|debunk\w*|retracted|struck off|no (?:good )?evidence|no link|studies|trials?|research|evidence|doesn'?t|does not|don'?t|won'?t|can'?t|isn'?t|aren'?t)\b",
        r"\b(?:mito|no es (?:cierto|verdad)|es falso|falso|bulo|desmentid\w*|desmintiendo|retirado|no hay (?:pruebas|evidencia|ningun)|estudios?|ensayos?|evidencia|no (?:cura|causa|sirve|sustituye|previene|provoca|da|puede|extienden|es))\b",
    ),
    _cue(
        "attribution",
        "reports what others say",
        r"\b(?:they say|people say|read (?:that|somewhere|online)|heard (?:that|it)|saw a (?:video|tiktok)|someone (?:said|says)|going around|my \w+(?:-in-law)? (?:says|said|thinks|swears|claims|believes))\b",
        r"\b(?:dicen que|lei que|oi que|escuche que|vi un video|alguien dijo|circula|se dice|mi \w+ (?:dice|cree|jura|piensa)|una (?:amiga|companera|vecina) dice)\b",
    ),
    _cue(
        "rumour_question",
        "asks whether a claim is true",
        r"\b(?:is it true|is that true|is there anything in|really\?|does .{3,40} (?:really|actually)|is .{3,30} actually)\b",
        r"\b(?:es (?:verdad|cierto)|sera verdad|hay algo de cierto|alguien sabe si|de verdad)\b",
    ),
)
SPAM = (
    _cue(
        "promotion",
        "promotion or sales",
        r"\b(?:buy|order now|selling|for sale|on sale|discount|offer|dm me|dm for|inbox me|pm for|link in bio|promo|price list|free|shipping|dispatch|giveaway|spots? left|earn|make money)\b",
        r"\b(?:compra|pidelo|vendo|les vendo|oferta|descuento|escribeme|por privado|mp\b|enlace en mi perfil|codigo|precio|envio|gratis|regalo|sorteo|plazas|gana|gano|ganar)\b",
    ),
    _cue(
        "public_service",
        "imitates a public service or a practice",
        r"\b(?:nhs|medicare|medicaid|dwp|hmrc|royal mail|seguridad social|imss|issste|anses|pami|eps|colpensiones|tarjeta sanitaria|carpeta de salud|correos|sanidad|dear patient|estimado paciente)\b",
    ),
    _cue(
        "data_lure",
        "asks for data, payment or a click",
        r"\b(?:confirm|verify|update|renew|reschedule|claim|pay|log in|reply with|validate)\b",
        r"\b(?:confirme|verifique|actualice|renueve|reclame|pague|ingrese|valida|valide|confirma|responda)\b",
        r"\b(?:expired|expires|suspended|will be (?:suspended|closed)|refund|fine|caduca|dada de baja|suspendida|reembolso|multa|saldo a favor|bono)\b",
    ),
    _cue(
        "link",
        "a link or web address",
        r"\burltoken\b",
        r"(?<=[\w-]\.)(?:com|net|org|info|live|online|site|xyz|help|co|mx|ar|es|uk)\b",
        r"\bbit\.ly\b",
    ),
    _cue(
        "bait",
        "follow-for-follow or engagement bait",
        r"\b(?:follow for follow|f4f|like for like|follow back|tag \d|share this post|sigo a todos|sigo de vuelta|sdv|etiqueta a|comparte esta|dale like)\b",
    ),
    _cue(
        "warning",
        "warns about a scam",
        r"\b(?:scam|fraud|phishing|fake|heads up|never ask|will never|estafa|fraude|timo|ojo|cuidado|nunca (?:os|te|le) (?:pedira|pide))\b",
    ),
)
EVERY = (*CONTEXTS, NOW, INTENT, *ASKING, *TELLING, *STANCE, *SPAM)
BY_NAME = {cue.name: cue for cue in EVERY}
# Clinicians discussing a case lower an emergency match too, though the cue is not a time or a genre.
CASE = BY_NAME["case"]


@functools.lru_cache(maxsize=4096)
def found(folded: str) -> frozenset[str]:
    """Names of the cues present in a normalised text."""
    return frozenset(cue.name for cue in EVERY if cue.pattern.search(folded))


def context_of(folded: str, self_harm: bool = True) -> Cue | None:
    """The context that lowers a lexicon match (past, hypothetical, news, clinicians discussing a
    case…), unless danger is now or, for self-harm, intended. An emergency number alone ("call 999
    if…") does not make general advice or news an emergency now; "right now", "help me" or "I just
    took" still do. "Tonight" states intent beside self-harm words, not beside a documentary's."""
    present = found(folded)
    if (self_harm and "intent" in present) or URGENT.pattern.search(folded):
        return None
    # News and general advice name ambulances and emergency numbers too: an emergency number
    # overrides the other contexts only.
    found_contexts = [cue for cue in (*CONTEXTS, CASE) if cue.name in present]
    if "now" in present:
        found_contexts = [cue for cue in found_contexts if cue.name in ("about", "news")]
    return found_contexts[0] if found_contexts else None
