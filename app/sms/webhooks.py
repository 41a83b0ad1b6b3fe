"""What SMS providers post to carepost: replies and delivery reports, each verified before it is read.

Twilio signs every request (X-Twilio-Signature over the public URL and the form); Kannel's URLs carry
an HMAC of the shared secret. A request that fails the check gets 403 and changes nothing.
"""

import logging

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from twilio.request_validator import RequestValidator

from app.clock import utcnow
from app.contacts.schemas import e164
from app.database import session_scope
from app.settings import get_settings
from app.sms import replies
from app.sms import service as sms
from connectors import kannel

log = logging.getLogger("carepost.sms")
router = APIRouter(include_in_schema=False)
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
FORBIDDEN = PlainTextResponse("signature check failed", status_code=403)


def _public_url(request: Request) -> str:
    """The URL the provider called, as configured (behind a proxy the request's own URL differs)."""
    query = f"?{request.url.query}" if request.url.query else ""
    return get_settings().public_url + request.url.path + query


async def twilio_form(request: Request, token: str | None = None) -> dict[str, str] | None:
    """The form, if X-Twilio-Signature matches it under the account's auth token (or `token`)."""
    if token is None and get_settings().twilio_auth_token is not None:
        token = get_settings().twilio_auth_token.get_secret_value()
    signature = request.headers.get("x-twilio-signature")
    if token is None or not signature:
        return None
    form = await request.form()
    params = {key: str(value) for key, value in form.multi_items()}
    if not RequestValidator(token).validate(_public_url(request), params, signature):
        log.warning("twilio webhook with a bad signature on %s", request.url.path)
        return None
    return params


def _phone(value: str) -> str:
    try:
        return e164(value)
    except ValueError:
        return value.strip()[:20]


@router.post("/webhooks/twilio/sms", name="twilio_inbound")
async def twilio_inbound(request: Request):
    params = await twilio_form(request)
    if params is None or not params.get("MessageSid"):
        return FORBIDDEN
    with session_scope() as db:
        replies.handle_inbound(
            db,
            provider="twilio",
            provider_sid=params["MessageSid"],
            from_phone=_phone(params.get("From", "")),
            text=params.get("Body", ""),
            now=utcnow(),
            # With Advanced Opt-Out Twilio has already answered a STOP, START or HELP itself.
            provider_answered=params.get("OptOutType", "").upper() in ("STOP", "START", "HELP"),
        )
    # Answers go out as messages of their own (through the delivery engine), not as TwiML.
    return Response(EMPTY_TWIML, media_type="text/xml")


@router.post("/webhooks/twilio/status", name="twilio_status")
async def twilio_status(request: Request):
    params = await twilio_form(request)
    if params is None or not params.get("MessageSid"):
        return FORBIDDEN
    status = params.get("MessageStatus") or params.get("SmsStatus") or ""
    with session_scope() as db:
        sms.apply_status(
            db,
            provider="twilio",
            provider_sid=params["MessageSid"],
            status=status.lower(),
            error_code=params.get("ErrorCode") or None,
            now=utcnow(),
            reference=request.query_params.get("ref"),
        )
    return Response(status_code=204)


def _kannel_secret() -> str | None:
    secret = get_settings().kannel_secret
    return secret.get_secret_value() if secret else None


@router.get("/webhooks/kannel/sms", name="kannel_inbound")
def kannel_inbound(request: Request):
    """Kannel's sms-service get-url: ...?sig=HMAC(secret, 'inbound')&id=%I&from=%p&text=%a."""
    query = request.query_params
    if not kannel.verify(_kannel_secret(), "inbound", query.get("sig")) or not query.get("id"):
        return FORBIDDEN
    with session_scope() as db:
        replies.handle_inbound(
            db,
            provider="kannel",
            provider_sid=query["id"],
            from_phone=_phone(query.get("from", "")),
            text=query.get("text", ""),
            now=utcnow(),
        )
    # An empty answer: Kannel sends nothing back (configure the service with max-messages = 0).
    return PlainTextResponse("")


@router.get("/webhooks/kannel/dlr", name="kannel_dlr")
def kannel_dlr(request: Request):
    """Kannel's dlr-url: ...?ref=<message id>&sig=HMAC(secret, ref)&type=%d."""
    query = request.query_params
    reference = query.get("ref", "")
    if not reference or not kannel.verify(_kannel_secret(), reference, query.get("sig")):
        return FORBIDDEN
    status = kannel.dlr_status(query.get("type"))
    if status is not None:
        with session_scope() as db:
            sms.apply_status(
                db,
                provider="kannel",
                provider_sid=f"kannel-{reference}",
                status=status,
                error_code=None,
                now=utcnow(),
                reference=reference,
            )
    return PlainTextResponse("")
