"""Moderated Q&A: patients ask, clinicians answer from their queue, answered public questions
form a searchable library."""

from sqlmodel import Session, col, or_, select

from app import pagination, search
from app.accounts.models import Role, User
from app.audit import service as audit
from app.clock import utcnow
from app.errors import InvalidInput, NotFound, PermissionDenied
from app.i18n import Message
from app.notifications import service as notifications
from app.questions.models import Answer, AnswerPublic, Question, QuestionCreate, QuestionPublic
from app.review import scoring
from app.review import service as review
from app.review.models import OPEN_STATUSES, ContentStatus
from moderation.text import normalise

PAGE_SIZE = 20


def ask(*, db: Session, asker: User, data: QuestionCreate) -> Question:
    """A new question: scored, queued for clinicians, and held with a reply when urgent."""
    if asker.role != Role.patient:
        raise PermissionDenied("questions are for patients; staff answer them")
    title, text = data.title.strip(), data.text.strip()
    if not title:
        raise InvalidInput("give the question a title", field="title")
    if not text:
        raise InvalidInput("write the question", field="text")
    question = Question(
        author_id=asker.id,
        title=title,
        text=text,
        public=data.public,
        search_text=normalise(f"{title} {text}"),
    )
    db.add(question)
    db.flush()
    # The model reads title and body together; the queue item shows both.
    scored = scoring.score([f"{title}\n{text}"])[0]
    screening = review.screen(db, kind="question", target=question, always_queue=True, score=scored)
    question.notice = screening.auto_reply
    # Questions are answered before anyone else reads them, so only hidden flags change status here.
    question.status = (
        ContentStatus.hidden if screening.status == ContentStatus.hidden else ContentStatus.visible
    )
    audit.record(
        db,
        actor=asker,
        action="question.ask",
        object_type="question",
        object_id=question.id,
        public=data.public,
    )
    return question


def readable(viewer: User):
    """Clinicians and admins see every question, patients the answered public ones and their own."""
    query = select(Question)
    if viewer.is_verified_clinician:
        return query
    library = (
        col(Question.public)
        & col(Question.answered_at).is_not(None)
        & (Question.status == ContentStatus.visible)
    )
    return query.where(or_(library, Question.author_id == viewer.id))


def get(*, db: Session, viewer: User, question_id: int) -> Question:
    question = db.exec(readable(viewer).where(Question.id == question_id)).first()
    if question is None:
        raise NotFound("no such question")
    return question


def library(
    *, db: Session, q: str = "", cursor: str | None = None
) -> tuple[list[Question], str | None]:
    """Answered public questions, newest answer first; every search word must appear."""
    query = select(Question).where(
        col(Question.public),
        col(Question.answered_at).is_not(None),
        Question.status == ContentStatus.visible,
    )
    query = search.match_all(query, Question.search_text, q)
    after = pagination.decode(cursor, int)
    if after:
        query = query.where(col(Question.id) < int(after[0]))
    rows = list(db.exec(query.order_by(col(Question.id).desc()).limit(PAGE_SIZE + 1)))
    return pagination.page(rows, PAGE_SIZE, lambda q: (q.id,))


def mine(*, db: Session, viewer: User) -> list[Question]:
    query = select(Question).where(Question.author_id == viewer.id)
    return list(db.exec(query.order_by(col(Question.id).desc()).limit(100)))


def similar(*, db: Session, text: str, limit: int = 5) -> list[Question]:
    """Answered public questions sharing the most search words with text (suggested before asking)."""
    terms = search.words(text)[:8]
    if not terms:
        return []
    query = select(Question).where(
        col(Question.public),
        col(Question.answered_at).is_not(None),
        Question.status == ContentStatus.visible,
        or_(*[col(Question.search_text).contains(term) for term in terms]),
    )
    candidates = list(db.exec(query.order_by(col(Question.id).desc()).limit(200)))
    ranked = sorted(
        candidates,
        key=lambda c: (-sum(term in c.search_text for term in terms), -c.id),
    )
    return [c for c in ranked if any(t in c.search_text for t in terms)][:limit]


def answer(
    *, db: Session, question: Question, clinician: User, text: str, tell_asker: bool = True
) -> Answer:
    """A verified clinician answers; the asker is told (unless the review queue tells them)."""
    if not clinician.is_verified_clinician:
        raise PermissionDenied("only verified clinicians answer questions")
    text = (text or "").strip()
    if not text:
        raise InvalidInput("write the answer", field="text")
    item = Answer(question_id=question.id, clinician_id=clinician.id, text=text)
    db.add(item)
    question.answered_at = question.answered_at or utcnow()
    question.notice = None
    if question.status == ContentStatus.held:
        question.status = ContentStatus.visible
    db.add(question)
    if tell_asker:
        notifications.notify(
            db=db,
            user_id=question.author_id,
            kind="answer",
            message=Message("{name} answered your question", name=clinician.display_name),
            link=f"/questions/{question.id}",
        )
    audit.record(
        db,
        actor=clinician,
        action="question.answer",
        object_type="question",
        object_id=question.id,
    )
    db.flush()
    return item


def answer_from_api(*, db: Session, clinician: User, question_id: int, text: str) -> Answer:
    """Answer outside the queue; the question's open review item is closed as answered."""
    question = get(db=db, viewer=clinician, question_id=question_id)
    item = review.item_for(db, "question", question.id)
    if item is not None and item.status in OPEN_STATUSES:
        review.decide(
            db, item_id=item.id, action="answer", actor=clinician, version=item.version, text=text
        )
        return db.exec(
            select(Answer).where(Answer.question_id == question.id).order_by(col(Answer.id).desc())
        ).first()
    return answer(db=db, question=question, clinician=clinician, text=text)


def answers(*, db: Session, question: Question) -> list[tuple[Answer, User]]:
    query = (
        select(Answer, User)
        .join(User, col(User.id) == Answer.clinician_id)
        .where(Answer.question_id == question.id)
        .order_by(col(Answer.id))
    )
    return list(db.exec(query))


def public(db: Session, question: Question) -> QuestionPublic:
    asker = db.get(User, question.author_id)
    return QuestionPublic(
        **question.model_dump(
            include={"id", "title", "text", "public", "status", "notice", "created_at"}
        ),
        asker=asker.display_name if asker else "?",
        answered=question.answered_at is not None,
        answers=[
            AnswerPublic(
                id=a.id,
                text=a.text,
                clinician=u.display_name,
                specialty=u.specialty,
                created_at=a.created_at,
            )
            for a, u in answers(db=db, question=question)
        ],
    )


def _answer_from_queue(db: Session, question: Question, clinician: User, text: str) -> None:
    # The queue's decision tells the asker their question was answered: one notification, not two.
    answer(db=db, question=question, clinician=clinician, text=text, tell_asker=False)


def _context(db: Session, question: Question) -> dict:
    asker = db.get(User, question.author_id)
    return {
        "where": Message("public question")
        if question.public
        else Message("private question to the practice"),
        "link": f"/questions/{question.id}",
        "author": asker.display_name if asker else "?",
        "title": question.title,
        "thread": [],
    }


# What the review queue holds of this module's content; app/review/kinds.py registers it at start-up.
REVIEW_KINDS = {
    "question": review.ContentKind(
        model=Question,
        label="question",
        context=_context,
        answer=_answer_from_queue,
        actions=("answer", "remove", "escalate"),
    )
}
