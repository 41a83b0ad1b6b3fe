"""Survey results: answers counted per question and key, by language and tag; charts and CSV."""

import csv
import io
from dataclasses import dataclass

from sqlmodel import Session, col, select

from app.calls.models import CallAnswer, CallCampaign, OutboundCall, Survey, SurveyQuestion
from app.calls.service import keys, questions
from app.contacts.models import Contact, Language

BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, CHART_WIDTH = 22, 8, 140, 360


@dataclass(frozen=True)
class Bar:
    key: int
    label: str
    count: int
    percent: int


@dataclass(frozen=True)
class QuestionResult:
    question: SurveyQuestion
    text: str
    answers: int
    bars: list[Bar]


def _answers(db: Session, survey_id: int, language: Language | None, tag: str | None):
    query = (
        select(CallAnswer, OutboundCall, Contact)
        .join(OutboundCall, col(OutboundCall.id) == CallAnswer.call_id)
        .join(CallCampaign, col(CallCampaign.id) == OutboundCall.campaign_id)
        .join(Contact, col(Contact.id) == OutboundCall.contact_id)
        .where(CallCampaign.survey_id == survey_id)
        .order_by(col(CallAnswer.id))
    )
    if language is not None:
        query = query.where(OutboundCall.language == language)
    wanted = (tag or "").casefold()
    for answer, call, contact in db.exec(query):
        if not wanted or wanted in {t.casefold() for t in contact.tags or ()}:
            yield answer, call, contact


def summary(
    *, db: Session, survey: Survey, shown_in: Language, language: Language | None, tag: str | None
) -> list[QuestionResult]:
    """Per question, how many pressed each key (labels in the reader's language)."""
    counts: dict[int, dict[int, int]] = {}
    for answer, _call, _contact in _answers(db, survey.id, language, tag):
        per_key = counts.setdefault(answer.question_id, {})
        per_key[answer.digit] = per_key.get(answer.digit, 0) + 1
    results = []
    for question in questions(db=db, survey_id=survey.id):
        per_key = counts.get(question.id, {})
        total = sum(per_key.values())
        bars = [
            Bar(
                key,
                label,
                per_key.get(key, 0),
                round(100 * per_key.get(key, 0) / total) if total else 0,
            )
            for key, label in keys(question, shown_in)
        ]
        text = question.text_es if shown_in == Language.es else question.text_en
        results.append(QuestionResult(question, text, total, bars))
    return results


def chart(result: QuestionResult) -> dict:
    """Geometry of a horizontal bar chart, drawn as inline SVG by the template (no script, no CDN)."""
    most = max((bar.count for bar in result.bars), default=0) or 1
    rows = [
        {
            "y": i * (BAR_HEIGHT + BAR_GAP),
            "width": round((CHART_WIDTH - LABEL_WIDTH - 40) * bar.count / most),
            "bar": bar,
        }
        for i, bar in enumerate(result.bars)
    ]
    height = len(rows) * (BAR_HEIGHT + BAR_GAP)
    return {
        "rows": rows,
        "height": height,
        "width": CHART_WIDTH,
        "label_width": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
    }


def to_csv(*, db: Session, survey: Survey, language: Language | None, tag: str | None) -> str:
    """One row per answer: campaign, call, language, tags, question, key and its meaning."""
    by_id = {q.id: q for q in questions(db=db, survey_id=survey.id)}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "campaign_id",
            "call_id",
            "language",
            "tags",
            "question",
            "question_text",
            "key",
            "answer",
            "answered_at",
        ]
    )
    for answer, call, contact in _answers(db, survey.id, language, tag):
        question = by_id[answer.question_id]
        meaning = dict(keys(question, call.language)).get(answer.digit, "")
        text = question.text_es if call.language == Language.es else question.text_en
        writer.writerow(
            [
                call.campaign_id,
                call.id,
                call.language,
                ";".join(contact.tags or ()),
                question.position,
                _safe(text),
                answer.digit,
                _safe(meaning),
                answer.answered_at.isoformat(),
            ]
        )
    return out.getvalue()


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
