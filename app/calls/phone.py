"""The browser phone's storage (connectors.voice_phone.CallStore) and what its page needs."""

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from twilio.request_validator import RequestValidator

from app.calls.models import LocalCall
from app.database import session_scope
from app.errors import InvalidInput, NotFound
from app.settings import get_settings
from connectors.voice import ENDED, OutgoingCall


class DatabaseCallPhone:
    """CallStore in carepost's database; each call in its own short transaction."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def add(self, call: OutgoingCall) -> str:
        with Session(self.engine) as db:
            row = LocalCall(
                sid="CA" + uuid.uuid4().hex,
                number=call.to,
                url=call.url,
                status_callback=call.status_callback,
                machine_detection=call.machine_detection,
            )
            db.add(row)
            db.commit()
            return row.sid

    def find(self, number: str, since: datetime) -> list[str]:
        with Session(self.engine) as db:
            query = select(LocalCall.sid).where(
                LocalCall.number == number, col(LocalCall.created_at) >= since
            )
            return list(db.exec(query.order_by(col(LocalCall.id).desc())))


def recent(db: Session, limit: int = 50) -> list[LocalCall]:
    """The calls that rang on the browser phone, newest first."""
    return list(db.exec(select(LocalCall).order_by(col(LocalCall.id).desc()).limit(limit)))


def get(db: Session, local_id: int) -> LocalCall | None:
    return db.get(LocalCall, local_id)


def signing_token() -> str | None:
    """Twilio's auth token; without one, the browser phone signs with a key derived from the app's
    secret, so the demo's calls go through the same checks."""
    settings = get_settings()
    if settings.twilio_auth_token is not None:
        return settings.twilio_auth_token.get_secret_value()
    if settings.voice_provider == "phone":
        return hmac.new(settings.secret().encode(), b"browser-phone", hashlib.sha256).hexdigest()
    return None


# ---- playing Twilio's part -----------------------------------------------------------------


@dataclass(frozen=True)
class Spoken:
    text: str
    language: str


@dataclass(frozen=True)
class Screen:
    """What the browser phone shows: what is said now, and whether keys are awaited."""

    spoken: list[Spoken]
    gathering: bool
    ended: bool


def screen(call: LocalCall) -> Screen:
    """Read the call's current TwiML as the phone would play it."""
    if not call.twiml:
        return Screen([], False, call.status in ENDED)
    root = ElementTree.fromstring(call.twiml)
    spoken = [Spoken(s.text or "", s.get("language", "")) for s in root.iter("Say")]
    gathering = root.find("Gather") is not None and call.status == "in-progress"
    return Screen(spoken, gathering, call.status in ENDED)


def _post(app, url: str, params: dict[str, str]) -> str:
    """A signed POST to one of carepost's own webhooks, in process, exactly as Twilio signs it."""
    settings = get_settings()
    token = signing_token()
    if token is None:
        raise InvalidInput("the browser phone answers only calls placed through it")
    signature = RequestValidator(token).compute_signature(url, params)
    path = url.removeprefix(settings.public_url)
    from starlette.testclient import TestClient  # imported on use: only the demo phone needs it

    # Not entered as a context manager: the app's startup (the scheduler) must not run again.
    loopback = TestClient(app, base_url=settings.public_url)
    response = loopback.post(path, data=params, headers={"X-Twilio-Signature": signature})
    return response.text


def _params(call: LocalCall, status: str, **extra: str) -> dict[str, str]:
    params = {
        "CallSid": call.sid,
        "AccountSid": "AC" + "0" * 32,
        "To": call.number,
        "Direction": "outbound-api",
        "CallStatus": status,
    }
    if call.answered_by:
        params["AnsweredBy"] = call.answered_by
    return {**params, **extra}


def _load(local_id: int) -> LocalCall:
    with session_scope() as db:
        call = db.get(LocalCall, local_id)
        if call is None:
            raise NotFound("no such call")
        db.expunge(call)
        return call


def _save(local_id: int, **values) -> None:
    with session_scope() as db:
        call = db.get(LocalCall, local_id)
        for name, value in values.items():
            setattr(call, name, value)
        db.add(call)


def _play(app, call: LocalCall, twiml: str) -> None:
    """Keep the new TwiML; a document that ends the call (no question, a hang-up) ends it."""
    root = ElementTree.fromstring(twiml)
    if root.find("Gather") is None and root.find("Redirect") is None:
        _save(call.id, twiml=twiml, status="completed")
        _post(app, call.status_callback, _params(call, "completed"))
    else:
        _save(call.id, twiml=twiml)


def answer(app, local_id: int, *, machine: bool = False) -> None:
    """Pick up (as a person, or as an answering machine): fetch what the call says."""
    call = _load(local_id)
    if call.status != "ringing":
        raise InvalidInput("this call is no longer ringing")
    call.answered_by = "machine_end_beep" if machine else "human"
    call.status = "in-progress"
    _save(local_id, answered_by=call.answered_by, status=call.status)
    _post(app, call.status_callback, _params(call, "in-progress"))
    _play(app, call, _post(app, call.url, _params(call, "in-progress")))


def press(app, local_id: int, digit: str) -> None:
    """A key pressed while a question is asked: posted to the Gather's action."""
    call = _load(local_id)
    gather = ElementTree.fromstring(call.twiml or "<Response/>").find("Gather")
    if call.status != "in-progress" or gather is None:
        raise InvalidInput("no question is waiting for a key")
    _play(
        app, call, _post(app, gather.get("action", ""), _params(call, "in-progress", Digits=digit))
    )


def silence(app, local_id: int) -> None:
    """No key pressed before the Gather's time ran out: the call goes on to its Redirect."""
    call = _load(local_id)
    redirect = ElementTree.fromstring(call.twiml or "<Response/>").find("Redirect")
    if call.status != "in-progress" or redirect is None:
        raise InvalidInput("no question is waiting for a key")
    _play(app, call, _post(app, redirect.text or "", _params(call, "in-progress")))


def ring_out(app, local_id: int, status: str) -> None:
    """Hang up mid-call, or let a ringing call go unanswered (no-answer) or refuse it (busy)."""
    call = _load(local_id)
    if call.status in ENDED:
        return
    final = "completed" if call.status == "in-progress" else status
    _save(local_id, status=final)
    _post(app, call.status_callback, _params(call, final))
