"""Moderated Q&A: asking (with similar answered questions first), the library and answering."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from app.deps import ClinicianUser, CurrentUser, PathId, PatientUser, SessionDep
from app.questions import service as questions
from app.questions.models import AnswerCreate, AnswerPublic, QuestionCreate, QuestionPublic
from web.templating import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/questions", tags=["questions"])


@pages.get("/questions", name="question_list")
def question_list(
    request: Request, db: SessionDep, user: CurrentUser, q: str = "", cursor: str | None = None
):
    rows, next_cursor = questions.library(db=db, q=q, cursor=cursor)
    context = {
        "library": rows,
        "next_cursor": next_cursor,
        "q": q,
        "mine": questions.mine(db=db, viewer=user) if user.role == "patient" else [],
        "can_ask": user.role == "patient",
    }
    return render(request, "questions/list.html", context)


@pages.post("/questions/similar", name="question_similar")
def question_similar(
    request: Request,
    db: SessionDep,
    _user: CurrentUser,
    title: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
):
    found = questions.similar(db=db, text=f"{title} {text}")
    return render(request, "questions/_similar.html", {"similar": found})


@pages.post("/questions", name="question_ask")
def question_ask(
    db: SessionDep,
    user: PatientUser,
    title: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    public: Annotated[bool, Form()] = False,
):
    data = QuestionCreate.model_validate({"title": title, "text": text, "public": public})
    question = questions.ask(db=db, asker=user, data=data)
    return RedirectResponse(f"/questions/{question.id}", status_code=303)


@pages.get("/questions/{question_id}", name="question_detail")
def question_detail(request: Request, db: SessionDep, user: CurrentUser, question_id: PathId):
    question = questions.get(db=db, viewer=user, question_id=question_id)
    context = {
        "question": questions.public(db, question),
        "mine": question.author_id == user.id,
        "can_answer": user.is_verified_clinician,
    }
    return render(request, "questions/detail.html", context)


@pages.post("/questions/{question_id}/answers", name="question_answer")
def question_answer(
    db: SessionDep, user: ClinicianUser, question_id: PathId, text: Annotated[str, Form()] = ""
):
    questions.answer_from_api(db=db, clinician=user, question_id=question_id, text=text)
    return RedirectResponse(f"/questions/{question_id}", status_code=303)


class LibraryPage(BaseModel):
    items: list[QuestionPublic]
    next_cursor: str | None


@api.get("", response_model=LibraryPage)
def api_questions(db: SessionDep, _user: CurrentUser, q: str = "", cursor: str | None = None):
    rows, next_cursor = questions.library(db=db, q=q, cursor=cursor)
    return LibraryPage(items=[questions.public(db, r) for r in rows], next_cursor=next_cursor)


@api.post("", response_model=QuestionPublic, status_code=201)
def api_ask(db: SessionDep, user: PatientUser, data: QuestionCreate):
    return questions.public(db, questions.ask(db=db, asker=user, data=data))


@api.get("/{question_id}", response_model=QuestionPublic)
def api_question(db: SessionDep, user: CurrentUser, question_id: PathId):
    return questions.public(db, questions.get(db=db, viewer=user, question_id=question_id))


@api.post("/{question_id}/answers", response_model=AnswerPublic, status_code=201)
def api_answer(db: SessionDep, user: ClinicianUser, question_id: PathId, data: AnswerCreate):
    item = questions.answer_from_api(db=db, clinician=user, question_id=question_id, text=data.text)
    return AnswerPublic(
        id=item.id,
        text=item.text,
        clinician=user.display_name,
        specialty=user.specialty,
        created_at=item.created_at,
    )
