"""The newsletter's public pages, reached without an account: sign-up, confirm, unsubscribe,
preferences, tracked links, and the endpoint the mail server posts returned messages to."""

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.clock import utcnow
from app.contacts.models import Language
from app.deps import SessionDep, client_ip
from app.errors import InvalidInput, NotFound
from app.i18n import N_, translator
from app.newsletters import audience, bounces, config, tokens
from app.newsletters.models import EmailKind
from app.newsletters.schemas import SignupIn
from app.security import same_secret
from web.templating import render

pages = APIRouter(include_in_schema=False)
Token = Annotated[str, Path(min_length=16, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")]
CONSENT_TEXT = N_(
    "I want to receive the newsletter of {practice} by e-mail: health tips, the practice's news, "
    "events and vaccination and screening campaigns. I can unsubscribe at any time with one click."
)


def _speak(request: Request, language: Language | str) -> None:
    request.session["lang"] = str(language)


@pages.get("/n/signup/{language}", name="newsletter_signup")
def signup_form(request: Request, db: SessionDep, language: Language):
    _speak(request, language)
    practice = config.current(db)
    text = translator(str(language))(CONSENT_TEXT, practice=practice.from_name or "")
    return render(
        request, "newsletters/signup.html", {"language": language, "consent": text, "done": False}
    )


@pages.post("/n/signup/{language}", name="newsletter_signup_post")
def signup(
    request: Request,
    db: SessionDep,
    language: Language,
    name: Annotated[str, Form(min_length=1, max_length=120)],
    email: Annotated[str, Form(max_length=254)],
    agree: Annotated[bool, Form()] = False,
):
    if not agree:
        raise InvalidInput("tick the box to say you want the newsletter", field="agree")
    try:
        data = SignupIn(name=name, email=email, language=language)
    except ValueError:
        raise InvalidInput("this is not an e-mail address", field="email") from None
    practice = config.current(db)
    text = translator(str(language))(CONSENT_TEXT, practice=practice.from_name or "")
    audience.sign_up(db=db, data=data, text_shown=text, ip=client_ip(request), now=utcnow())
    return render(
        request, "newsletters/signup.html", {"language": language, "consent": text, "done": True}
    )


@pages.get("/n/confirm/{token}", name="newsletter_confirm")
def confirm_page(request: Request, db: SessionDep, token: Token):
    """Shows the button only: a mail scanner that follows the link confirms nothing."""
    signup = audience.signup_by_token(db, token)
    _speak(request, signup.language)
    return render(
        request,
        "newsletters/confirm.html",
        {"token": token, "done": signup.confirmed_at is not None},
    )


@pages.post("/n/confirm/{token}", name="newsletter_confirm_post")
def confirm(request: Request, db: SessionDep, token: Token):
    signup = audience.confirm(db=db, token=token, ip=client_ip(request), now=utcnow())
    _speak(request, signup.language)
    return render(request, "newsletters/confirm.html", {"token": token, "done": True})


@pages.get("/u/{token}", name="newsletter_unsubscribe")
def unsubscribe_page(request: Request, db: SessionDep, token: Token):
    """Shows the one-click button; a GET alone changes nothing."""
    row = audience.by_token(db, token)
    _speak(request, row.language)
    left = not audience.receiving(db, row, utcnow())
    return render(
        request,
        "newsletters/unsubscribe.html",
        {"token": token, "done": left, "digest": row.kind == EmailKind.digest},
    )


@pages.post("/u/{token}", name="newsletter_unsubscribe_post")
def unsubscribe(request: Request, db: SessionDep, token: Token):
    """RFC 8058 one-click: no cookie, no login, no CSRF token (the token in the URL is the proof);
    idempotent, effective at once."""
    row = audience.by_token(db, token)
    audience.unsubscribe(
        db=db, token=token, now=utcnow(), ip=client_ip(request), how="one-click unsubscribe"
    )
    _speak(request, row.language)
    return render(
        request,
        "newsletters/unsubscribe.html",
        {"token": token, "done": True, "digest": row.kind == EmailKind.digest},
    )


@pages.get("/p/{token}", name="newsletter_preferences")
def preferences(request: Request, db: SessionDep, token: Token):
    row = audience.by_token(db, token)
    _speak(request, row.language)
    now = utcnow()
    on = audience.receiving(db, row, now)
    return render(
        request,
        "newsletters/preferences.html",
        {
            "token": token,
            "on": on,
            "digest": row.kind == EmailKind.digest,
            "paused_until": audience.paused_until(db, row, now),
            "pauses": audience.PAUSES,
        },
    )


@pages.post("/p/{token}/pause", name="newsletter_pause")
def pause(
    request: Request,
    db: SessionDep,
    token: Token,
    months: Annotated[int, Form(ge=0, le=12)],
):
    """Pause the newsletter for some months, or resume it (0)."""
    audience.pause(db=db, token=token, months=months, now=utcnow())
    return RedirectResponse(request.url_for("newsletter_preferences", token=token), status_code=303)


@pages.post("/p/{token}", name="newsletter_preferences_post")
def resubscribe(request: Request, db: SessionDep, token: Token):
    row = audience.by_token(db, token)
    text = translator(str(row.language))(CONSENT_TEXT, practice=config.current(db).from_name or "")
    audience.resubscribe(db=db, token=token, now=utcnow(), ip=client_ip(request), text=text)
    return RedirectResponse(request.url_for("newsletter_preferences", token=token), status_code=303)


@pages.get("/c/{token}", name="newsletter_click")
def click(
    db: SessionDep,
    token: Token,
    u: Annotated[str, Query(max_length=2000)],
    s: Annotated[str, Query(max_length=40)],
):
    """A tracked link: counted, then followed; only links carepost signed are followed."""
    return RedirectResponse(
        audience.click(db=db, token=token, url=u, signature=s, now=utcnow()), status_code=302
    )


# The smallest transparent GIF: what a mail program shows for the tracking image.
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


@pages.get("/o/{token}.gif", name="newsletter_opened")
def opened(db: SessionDep, token: Token):
    """A newsletter's tracking image (only in newsletters of practices that track opens)."""
    audience.opened(db=db, token=token, now=utcnow())
    return Response(PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store"})


@pages.post("/webhooks/email/bounces/{secret}", name="email_bounces")
async def returned(request: Request, db: SessionDep, secret: Annotated[str, Path(max_length=64)]):
    """The mail server (or a relay) posts each message that came back to bounces+…@ here, raw."""
    if not same_secret(secret, tokens.token("bounce webhook")):
        raise NotFound("not found")
    raw = await request.body()
    outcome = bounces.handle(db=db, raw=raw, now=utcnow())
    return Response(outcome, media_type="text/plain")
