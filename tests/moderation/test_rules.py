"""Rules flag emergencies, exposed health data and spam in Spanish and English, whatever the model says."""

import pytest

from moderation.rules import check


def labels(text: str) -> set[str]:
    return {hit.label for hit in check(text)}


@pytest.mark.parametrize(
    "text",
    [
        "Me quiero morir, ya no aguanto más",
        "no quiero seguir viviendo, esta noche acabo con todo",
        "me e tomado todas las pastillas q tenia",  # typo on purpose: the lexicon is about intent
        "Mi padre no puede respirar y tiene la cara torcida!!!",
        "Creo que es una sobredosis, no responde",
        "I want to die, there is no reason to live",
        "my mum has chest pain and passed out",
        "he took a whole bottle of pills... overdose?",
        "QUIERO DESAPARECER",
    ],
)
def test_emergencies_are_flagged(text):
    assert "emergency" in labels(text)


@pytest.mark.parametrize(
    "text",
    [
        "¿Es normal el dolor de cabeza después de la vacuna?",
        "My asthma is well controlled these days, thanks to the nurse",
        "What are the side effects of ibuprofen?",
    ],
)
def test_ordinary_health_talk_is_not_an_emergency(text):
    assert "emergency" not in labels(text)


@pytest.mark.parametrize(
    "text",
    [
        "Soy Marta Pérez, DNI 12345678Z, y me acaban de diagnosticar diabetes",
        "NIE X1234567L, estoy en tratamiento de hepatitis",
        "Patient NHS number 943 476 5919 was admitted yesterday",
        "Paciente con NHC: 00458721, pendiente de resultados",
        "Fecha de nacimiento 03/04/1961, diagnosticada de cáncer de mama",
        "Llamadme al 612 345 678, mi hijo tiene epilepsia y necesito hablar con alguien",
        "write to ana.lopez@example.com about my HIV results",
        "tarjeta sanitaria CIP BAAA12345678, tengo ansiedad",
    ],
)
def test_exposed_health_data_is_flagged(text):
    assert "phi" in labels(text)


@pytest.mark.parametrize(
    "text",
    [
        "El centro abre a las 8:00 y cierra a las 20:00",
        "Llamad al 912 345 678 para pedir cita",  # the practice's own number, no health data
        "My number is 12345678 and I like running",
        "DNI 12345678A sin nada más",  # wrong check letter: not a real DNI
        "NHS 111 is the number to call when it is not an emergency",
    ],
)
def test_numbers_without_exposure_are_not_phi(text):
    assert "phi" not in labels(text)


@pytest.mark.parametrize(
    "text",
    [
        "Is it normal to bleed for a couple of weeks after a coil fitting?",
        "Es una estafa, no pulséis el enlace",
    ],
)
def test_words_that_only_look_like_an_emergency_do_not_match(text):
    assert "emergency" not in labels(text)


def test_spam_needs_promotion_with_a_link_or_contact():
    assert "spam" in labels("COMPRA YA la cura milagrosa para la diabetes https://x.example/oferta")
    assert "spam" in labels("Gana dinero con crypto, escríbeme por WhatsApp al 612345678")
    assert "spam" not in labels("Hay descuento en el parking del hospital esta semana")


def forced(text: str) -> set[str]:
    return {hit.label for hit in check(text) if hit.forced}


@pytest.mark.parametrize(
    "text",
    [
        "Last year my dad had chest pain for an hour before anyone called",
        "what would happen if someone took a whole bottle of pills?",
        "News: a man dies after an overdose in a Leeds flat, police said",
        "Thank you to everyone who came to the suicide awareness talk",
        'In the film she says "I want to die" and the music stops',
        "hace dos años mi madre tuvo una convulsión y se recuperó",
        "Phoned 111 last night about my chest pain, it was reflux thankfully",
        "hace un mes tuve una reacción alérgica fuerte a las gambas",
        "Call an ambulance if a seizure lasts more than 5 minutes",
        "El dolor de pecho puede ser un síntoma de infarto: si lo tienes, llama al 112",
        "If you're thinking about suicide, Samaritans are on 116 123, any time",
        "Five years ago my uncle collapsed at work and the ambulance came in minutes",
        "Sobreviví a una sobredosis hace diez años. Si estás mal, pide ayuda",
        "Training scenario: the caller says her husband is not breathing. What do you ask first?",
        "this exam is killing me, I want to die 💀",
        "me quiero morir de la vergüenza, le mandé el audio a mi jefe",
        "My son is two years seizure free today!",
        "Reminder for ward staff: anaphylaxis gets IM adrenaline into the thigh",
        "'Quiero desaparecer', decía el protagonista del libro que leímos en clase",
        "For the students: 58M, crushing central chest pain for 2 hours. What are your next steps?",
        "Escenario para residentes: una mamá dice que su bebé está como un trapo. ¿Qué preguntan?",
        "Passenger collapsed on my flight to Boston last March, hypoglycaemia, all fine",
        "My grandad's seizure on Christmas Day 2010 is why I became a paramedic",
        "Documentary tonight on overdoses involving alcohol and sleeping pills",
        "Overdosed on mince pies this Christmas, back to the walking group Monday",
        "Heart attack: know the signs. Crushing chest pain? Call 999 straight away",
        "La ivermectina veterinaria puede provocar convulsiones en personas",
        "Cuando yo tenía 15 años me atraganté con un caramelo y mi profe me hizo la maniobra",
        "El invierno pasado mi hijo tuvo una convulsión febril, ahora está perfecto",
        "One year since my overdose. One year clean. Thank you, Jess",
        "My dad collapsed at the golf club in 2019 and a member used the defib, he is back playing now",
        "Watched the documentary about the ambulance service last night, the lad choking on a grape",
        "If a child swallows a button battery, call 999 straight away",
        "Update: the mum who collapsed in the car park is stable, whoever did CPR, thank you",
    ],
)
def test_a_match_in_a_story_hypothetical_news_or_quotation_is_lowered_to_the_model(text):
    assert any(hit.label == "emergency" for hit in check(text))
    assert "emergency" not in forced(text)


@pytest.mark.parametrize(
    "text",
    [
        "my dad has chest pain right now and is grey",
        "Last year I survived, but tonight I'm going to end it all",
        "acabo de tomarme todas las pastillas, ayuda",
        "since yesterday he can't breathe properly and his lips are blue",
        "desde anoche no puede respirar bien",
        "he collapsed in the kitchen, ambulance on its way",
        "my dad had chest pain last week and now he has it again right now",
        "the heater's been on all night and we all have headaches and feel drowsy",
        "tenemos la estufa encendida y a mi madre le duele la cabeza y está mareada",
        "I'm 7 weeks pregnant with severe pain on one side",
        "di a luz hace una semana y expulso coágulos enormes",
        "the baby is coming now, we're in the car park",
        "mi primo dice que tiene un cuchillo y lo va a usar contra sí mismo",
        "the voices are telling me to hurt someone",
        "I'm 34F with crushing chest pain right now, on my own at home",
        "the documentary was too much, tonight I'm going to take all my pills",
        "mi hijo no está bien, está convulsionando ahora mismo",
        "she collapsed an hour ago and she's still unconscious, the ambulance is not here yet, help",
    ],
)
def test_danger_now_or_stated_intent_still_forces_the_flag(text):
    assert "emergency" in forced(text)


@pytest.mark.parametrize(
    "text",
    [
        "CURP LOGM850312MJCPPR04, mi mamá tiene diabetes",
        "CUIL 20-36131131-1, tengo diagnóstico de esclerosis múltiple",
        "Cédula 1.020.456.789, mi hermana está hospitalizada por preeclampsia",
        "Patient Marcus Delaney, SSN 512-48-3391, positive for hepatitis C",
        "NSS 43109876541 del IMSS, mi mamá tiene cáncer y le negaron la cita",
    ],
)
def test_identifiers_of_latin_america_and_the_us_with_health_information_are_phi(text):
    assert "phi" in forced(text)


@pytest.mark.parametrize(
    "text",
    [
        "PPSN 1234567T, she's 30 weeks pregnant and bleeding a bit",
        "Mam's PPS no is 1234567FA, on warfarin since her stroke",
        "Aadhaar 2345 6789 0124, my father is admitted for dialysis",
        "ABHA 91-5703-7815-0219, my HbA1c report came as 9.2",
    ],
)
def test_identifiers_of_ireland_and_india_with_health_information_are_phi(text):
    assert "phi" in forced(text)


@pytest.mark.parametrize(
    "text",
    [
        "PPSN 1234567A, she's 30 weeks pregnant",  # the check letter is wrong: not a PPS number
        "Aadhaar 2345 6789 0123, my father is admitted for dialysis",  # nor an Aadhaar number
        "I registered at the GP surgery with my NHS number 943 476 5919",
    ],
)
def test_numbers_failing_their_check_or_without_health_information_are_not_forced(text):
    assert "phi" not in forced(text)


@pytest.mark.parametrize(
    "text",
    [
        "yo this is Devontae, (979) 555-0120, i got a positive on my chlamydia test",
        "Hola soy Dayana, mi cel 304 828 9466, tengo una infección urinaria",
        "Lucy Partridge, 07700 918 253. The lab letter says HPV positive",
        "Dan in year 10 is self-harming, his mum is Lisa 07788 554433",
    ],
)
def test_a_personal_phone_number_of_any_country_with_health_information_is_phi(text):
    assert "phi" in forced(text)


@pytest.mark.parametrize(
    "text",
    [
        "Mi madre, tarjeta BBBB480305117002, tiene fibrilación auricular",
        "número de afiliación 28/12345678/40, estoy de baja por una hernia",
        "my wife, member #A73921045, is 38 weeks and they won't cover the epidural",
        "my colleague (date of birth 02/11/1990) is going through IVF",
    ],
)
def test_more_identifiers_and_health_terms(text):
    assert "phi" in forced(text)


@pytest.mark.parametrize(
    "text",
    [
        "Flu vaccines are in! Free for over 60s with a long-term condition. Ring the surgery on 021 555 4410",
        "Mammogram results are mailed within 10 days; a nurse will call from 408-555-0199",
        "Campaña de gripe para embarazadas y crónicos: pide cita en la app o en el 925 330 210",
        "Moving house, NHS number 422 534 5262, is there a form to change surgery?",
        "For a sample letter, e.g. 07700 900123, write 'diagnosis' in the subject",
    ],
)
def test_a_business_phone_a_sample_number_or_the_surgery_as_a_place_is_not_forced(text):
    assert "phi" not in forced(text)


@pytest.mark.parametrize(
    "text",
    [
        "On the form, enter your Social Security number in the format XXX-XX-XXXX",
        "Your NHS number is 10 digits long, for example 123 456 7890",
        "La CURP tiene 18 caracteres, por ejemplo AAAA000000HDFXXX00",
        "Test patient John Smith, NHS 000 000 0000, diabetes, for training only",
    ],
)
def test_sample_and_placeholder_numbers_are_not_phi(text):
    assert "phi" not in labels(text)


def test_a_public_service_asking_for_data_by_link_is_spam_and_a_warning_about_it_is_not():
    assert "spam" in forced(
        "IMSS: tiene un reembolso pendiente, ingrese su NSS en imss-reembolsos.mx"
    )
    assert "spam" not in forced(
        "Ojo: es estafa, el IMSS nunca te pide el NSS en imss-reembolsos.mx"
    )
