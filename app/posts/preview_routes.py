"""The compose preview: each chosen channel as its readers will see the post, updated as one types."""

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from app.channels import service as channels
from app.deps import MarketingUser, SessionDep
from app.posts import linkcards, previews
from app.posts.models import is_web_link
from connectors.base import Draft
from connectors.xtext import weighted_length
from web.templating import render

pages = APIRouter(include_in_schema=False)


def form_parts(form) -> list[str]:
    """The texts of a thread's further parts, as typed."""
    return [str(v) for v in form.getlist("parts")]


def channel_form(form) -> tuple[list[str], dict[str, str]]:
    """The chosen channels and the texts written for some of them."""
    chosen = [str(v) for v in form.getlist("channels")]
    overrides = {
        key.removeprefix("text_"): str(value)
        for key, value in form.items()
        if key.startswith("text_") and str(value).strip()
    }
    return chosen, overrides


@pages.post("/posts/preview", name="post_preview")
async def post_preview(request: Request, db: SessionDep, _user: MarketingUser):
    """Each chosen channel as its readers will see the post, and each part's count on X."""
    form = await request.form()
    chosen, overrides = channel_form(form)
    link = str(form.get("link", "")).strip()
    text, parts = str(form.get("text", "")), form_parts(form)[:24]
    usable = [c for c in channels.list_channels(db=db, usable_only=True) if str(c.id) in chosen]
    built = await run_in_threadpool(
        lambda: previews.build(
            chosen=usable,
            text=text,
            overrides=overrides,
            link=link if is_web_link(link) else None,
            parts=parts,
            image=_thumbnail(form),
            cards=linkcards.fetcher(),
        )
    )
    counters = [weighted_length(Draft(text, link=link or None).body), *map(weighted_length, parts)]
    return render(request, "posts/_preview.html", {"previews": built, "counters": counters})


def _thumbnail(form) -> str | None:
    """The first attached image, shown in the preview."""
    for upload in form.getlist("images"):
        if not isinstance(upload, str) and getattr(upload, "filename", ""):
            upload.file.seek(0)
            return previews.thumbnail(upload.file.read(previews.MAX_THUMBNAIL_BYTES + 1))
    return None
