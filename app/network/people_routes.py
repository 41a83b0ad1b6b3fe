"""The directory of verified colleagues, one's own profile, direct messages, and (for
administrators) the authors of anonymous cases."""

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from app.deps import AdminUser, NetworkUser, PathId, SessionDep
from app.network import cases, people
from app.network import messages as dm
from app.network.models import (
    SPECIALTIES,
    ColleaguePublic,
    ConversationPublic,
    MessageIn,
    MessagePublic,
    ProfileIn,
)
from web.flash import flash
from web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["network"])


@pages.get("/network/people", name="network_people")
def network_people(
    request: Request, db: SessionDep, user: NetworkUser, specialty: str = "", q: str = ""
):
    rows = people.directory(db=db, viewer=user, specialty=specialty, q=q)
    context = {
        "rows": rows,
        "specialties": SPECIALTIES,
        "filters": {"specialty": specialty, "q": q},
    }
    return render(request, "network/people.html", context)


@pages.get("/network/people/{user_id}", name="network_person")
def network_person(request: Request, db: SessionDep, user: NetworkUser, user_id: PathId):
    person = people.colleague(db=db, viewer=user, user_id=user_id)
    return render(request, "network/person.html", {"person": person, "me": user_id == user.id})


@pages.get("/network/profile", name="network_profile")
def network_profile(request: Request, db: SessionDep, user: NetworkUser):
    context = {"profile": people.profile_of(db=db, user_id=user.id), "specialties": SPECIALTIES}
    return render(request, "network/profile.html", context)


@pages.post("/network/profile", name="network_profile_save")
async def network_profile_save(request: Request, db: SessionDep, user: NetworkUser):
    form = await request.form()
    fields = ("specialty", "centre", "interests", "bio")
    data = ProfileIn.model_validate({k: str(form.get(k) or "") for k in fields})
    people.save_profile(db=db, viewer=user, data=data)
    flash(request, "Profile saved.")
    return RedirectResponse("/network/profile", status_code=303)


@pages.get("/messages", name="message_inbox")
def message_inbox(request: Request, db: SessionDep, user: NetworkUser):
    return render(request, "network/inbox.html", {"rows": dm.inbox(db=db, viewer=user)})


@pages.get("/messages/{user_id}", name="message_thread")
def message_thread(request: Request, db: SessionDep, user: NetworkUser, user_id: PathId):
    other, rows = dm.thread(db=db, viewer=user, user_id=user_id)
    return render(request, "network/thread.html", {"colleague": other, "rows": rows})


@pages.post("/messages/{user_id}", name="message_send")
async def message_send(request: Request, db: SessionDep, user: NetworkUser, user_id: PathId):
    form = await request.form()
    sent = dm.send(db=db, sender=user, recipient_id=user_id, text=str(form.get("text") or ""))
    if sent.notice:
        flash(request, dm.HELD_NOTICE, kind="error")
    return RedirectResponse(f"/messages/{user_id}", status_code=303)


@pages.get("/admin/network/anonymous", name="admin_anonymous_cases")
def admin_anonymous_cases(request: Request, db: SessionDep, user: AdminUser):
    rows = cases.anonymous_cases(db=db, viewer=user)
    return render(request, "network/anonymous.html", {"rows": rows})


class AnonymousCase(BaseModel):
    id: int
    title: str
    status: str
    author_id: int
    author: str


@api.get("/network/people", response_model=list[ColleaguePublic])
def api_people(db: SessionDep, user: NetworkUser, specialty: str = "", q: str = ""):
    return people.directory(db=db, viewer=user, specialty=specialty, q=q)


@api.get("/network/people/{user_id}", response_model=ColleaguePublic)
def api_person(db: SessionDep, user: NetworkUser, user_id: PathId):
    return people.colleague(db=db, viewer=user, user_id=user_id)


@api.post("/network/profile", response_model=ColleaguePublic)
def api_profile(db: SessionDep, user: NetworkUser, data: ProfileIn):
    people.save_profile(db=db, viewer=user, data=data)
    return people.colleague(db=db, viewer=user, user_id=user.id)


@api.get("/messages", response_model=list[ConversationPublic])
def api_inbox(db: SessionDep, user: NetworkUser):
    return dm.inbox(db=db, viewer=user)


@api.get("/messages/{user_id}", response_model=list[MessagePublic])
def api_thread(db: SessionDep, user: NetworkUser, user_id: PathId):
    return dm.thread(db=db, viewer=user, user_id=user_id)[1]


@api.post("/messages/{user_id}", response_model=MessagePublic, status_code=201)
def api_send(db: SessionDep, user: NetworkUser, user_id: PathId, data: MessageIn):
    """Sent, or held for review (status "held", with a notice) and not delivered."""
    return dm.send(db=db, sender=user, recipient_id=user_id, text=data.text)


@api.get("/admin/network/anonymous", response_model=list[AnonymousCase])
def api_anonymous_cases(db: SessionDep, user: AdminUser):
    return [
        AnonymousCase(
            id=p.id, title=p.title, status=str(p.status), author_id=a.id, author=a.display_name
        )
        for p, a in cases.anonymous_cases(db=db, viewer=user)
    ]
