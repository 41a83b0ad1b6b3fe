"""What a call says, as TwiML built with the SDK's VoiceResponse: messages, questions, key prompts.

Every question is a `<Gather input="dtmf" numDigits="1">` whose action is the question's keys
webhook; no key heard, and the question is asked again (twice at most) before the call moves on.
Key 9 always means "no more calls".
"""

from twilio.twiml.voice_response import VoiceResponse

from app.calls.models import OutboundCall, Survey, SurveyQuestion
from app.calls.service import OPT_OUT_KEY, keys
from app.contacts.models import Language
from app.i18n import translator
from app.settings import get_settings

SPEECH = {Language.es: ("es-ES", "Polly.Lucia"), Language.en: ("en-GB", "Polly.Amy")}
REPEATS = 2  # a question or message heard this many more times when no key is pressed
GATHER_SECONDS = 6


def url(call: OutboundCall, step: str, repeat: int = 0) -> str:
    query = f"?repeat={repeat}" if repeat else ""
    return f"{get_settings().public_url}/webhooks/twilio/voice/{call.id}/{step}{query}"


def _say(target, text: str, language: Language) -> None:
    code, voice = SPEECH[language]
    target.say(text, language=code, voice=voice)


def _gather(response: VoiceResponse, action: str):
    return response.gather(
        input="dtmf", num_digits=1, action=action, method="POST", timeout=GATHER_SECONDS
    )


def _opt_out_prompt(language: Language) -> str:
    _ = translator(str(language))
    return _("To receive no more calls from us, press {key}.", key=OPT_OUT_KEY)


def message(call: OutboundCall, text: str, *, machine: bool, repeat: int = 0) -> str:
    """An informational call: left whole on a machine; to a person, offered again and with key 9."""
    language = call.language
    _ = translator(str(language))
    response = VoiceResponse()
    if machine:
        _say(response, text, language)
        response.hangup()
        return str(response)
    gather = _gather(response, url(call, "message/keys"))
    _say(gather, text, language)
    gather.pause(length=1)
    _say(gather, _opt_out_prompt(language), language)
    _say(gather, _("To hear the message again, press any other key."), language)
    if repeat < REPEATS - 1:
        response.redirect(url(call, "message", repeat + 1), method="POST")
    else:
        _say(response, _("Goodbye."), language)
        response.hangup()
    return str(response)


def _key_prompts(question: SurveyQuestion, language: Language) -> list[str]:
    _ = translator(str(language))
    return [
        _("For {label}, press {key}.", label=label, key=key)
        for key, label in keys(question, language)
    ]


def question(
    call: OutboundCall,
    survey: Survey,
    asked: SurveyQuestion,
    next_step: str,
    *,
    repeat: int = 0,
    intro: bool = False,
    not_an_option: bool = False,
) -> str:
    """Ask one question; keys go to its keys webhook, silence repeats it, then moves on."""
    language = call.language
    _ = translator(str(language))
    response = VoiceResponse()
    if not_an_option:
        _say(response, _("That key is not one of the options."), language)
    gather = _gather(response, url(call, f"question/{asked.position}/keys", repeat))
    if intro:
        _say(gather, survey.intro_es if language == Language.es else survey.intro_en, language)
        _say(gather, _opt_out_prompt(language), language)
        gather.pause(length=1)
    _say(gather, asked.text_es if language == Language.es else asked.text_en, language)
    for prompt in _key_prompts(asked, language):
        _say(gather, prompt, language)
    if repeat < REPEATS:
        _say(response, _("We did not hear a key."), language)
        response.redirect(url(call, f"question/{asked.position}", repeat + 1), method="POST")
    else:
        response.redirect(url(call, next_step), method="POST")
    return str(response)


def closing(call: OutboundCall, survey: Survey) -> str:
    response = VoiceResponse()
    text = survey.closing_es if call.language == Language.es else survey.closing_en
    _say(response, text, call.language)
    response.hangup()
    return str(response)


def opted_out(call: OutboundCall) -> str:
    _ = translator(str(call.language))
    response = VoiceResponse()
    _say(response, _("You will receive no more calls from us. Goodbye."), call.language)
    response.hangup()
    return str(response)


def hang_up() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)
