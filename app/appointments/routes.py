"""Appointment pages and API (JSON and FHIR), CSV import, and the reminder plans."""

from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlmodel import col, select

from app.appointments import fhir, importer, notices, reports
from app.appointments import service as appointments
from app.appointments.models import Appointment, AppointmentStatus, ReminderPlan
from app.appointments.schemas import AppointmentIn, AppointmentPublic, PlanIn
from app.clock import utcnow
from app.contacts.auth import CareStaff
from app.deps import AdminUser, PathId, SessionDep
from app.errors import InvalidInput
from app.followups import service as followups
from app.i18n import translator
from app.settings import get_settings
from web.charts import grouped_bars
from web.flash import flash
from web.templating import render, request_locale

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["appointments"])
MAX_UPLOAD = 5 * 1024 * 1024


def _list_page(request: Request, db, result=None, status_code: int = 200):
    rows = appointments.upcoming(db=db, now=utcnow())
    context = {
        "rows": rows,
        "columns": importer.COLUMNS,
        "result": result,
        "statuses": list(AppointmentStatus),
        "clinicians_today": notices.clinicians_today(db, utcnow()),
        "sequences": followups.approved(db),
    }
    return render(request, "appointments/list.html", context, status_code)


@pages.get("/appointments", name="appointment_list")
def appointment_list(request: Request, db: SessionDep, _user: CareStaff):
    return _list_page(request, db)


@pages.post("/appointments-import", name="appointment_import")
async def appointment_import(request: Request, db: SessionDep, user: CareStaff, file: UploadFile):
    raw = await file.read(MAX_UPLOAD + 1)
    try:
        result = importer.import_csv(db=db, content=raw.decode("utf-8"), actor=user)
    except UnicodeDecodeError:
        result = importer.ImportResult(errors=["the file is not UTF-8 text"])
    return _list_page(request, db, result, 422 if result.errors else 200)


@pages.post("/appointments/{appointment_id}/status", name="appointment_status")
def appointment_status(
    db: SessionDep,
    user: CareStaff,
    appointment_id: PathId,
    status: Annotated[AppointmentStatus, Form()],
):
    appointment = appointments.get(db=db, appointment_id=appointment_id)
    appointments.set_status(db=db, appointment=appointment, status=status, actor=user, now=utcnow())
    return RedirectResponse("/appointments", status_code=303)


@pages.post("/appointments-notice", name="appointment_notice")
def appointment_notice(
    request: Request,
    db: SessionDep,
    user: CareStaff,
    clinician: Annotated[str, Form(min_length=1, max_length=120)],
    notice: Annotated[notices.Notice, Form()],
    minutes: Annotated[int, Form(ge=0, le=240)] = 0,
    room: Annotated[str, Form(max_length=notices.MAX_ROOM)] = "",
):
    """Tell the clinician's patients still to come today that they run late or moved room."""
    count = notices.send(
        db, clinician=clinician, notice=notice, minutes=minutes, room=room, actor=user, now=utcnow()
    )
    flash(request, "Patients being told by SMS now: {n}.", n=count)
    return RedirectResponse("/appointments", status_code=303)


@pages.get("/reminder-plans", name="reminder_plans")
def reminder_plans(request: Request, db: SessionDep, _user: AdminUser):
    appointments.default_plan(db)
    plans = db.exec(select(ReminderPlan).order_by(col(ReminderPlan.id))).all()
    return render(
        request,
        "appointments/plans.html",
        {"plans": plans, "placeholders": appointments.PLACEHOLDERS},
    )


@pages.post("/reminder-plans", name="reminder_plan_save")
async def reminder_plan_save(request: Request, db: SessionDep, user: AdminUser):
    form = await request.form()
    try:
        offsets = [
            int(h)
            for h in str(form.get("offsets_hours", "")).replace(";", ",").split(",")
            if h.strip()
        ]
    except ValueError:
        raise InvalidInput(
            "offsets: whole hours separated by commas, e.g. 72, 24", field="offsets_hours"
        )
    data = PlanIn(
        name=str(form.get("name", "")),
        offsets_hours=offsets,
        templates={"es": str(form.get("template_es", "")), "en": str(form.get("template_en", ""))},
        active=form.get("active") is not None,
    )
    plan_id = int(form["plan_id"]) if str(form.get("plan_id", "")).isdigit() else None
    appointments.save_plan(db=db, data=data, actor=user, plan_id=plan_id)
    return RedirectResponse("/reminder-plans", status_code=303)


def _report(db, start: str, end: str, plan: str) -> reports.Report:
    today = utcnow().astimezone(get_settings().zone).date()
    first, last = reports.period(
        reports.parse_day(start, "start"), reports.parse_day(end, "end"), today
    )
    plan_id = int(plan) if plan.isdigit() else None
    return reports.build(db, start=first, end=last, plan_id=plan_id)


@pages.get("/reminder-report", name="reminder_report")
def reminder_report(
    request: Request,
    db: SessionDep,
    _user: CareStaff,
    start: str = "",
    end: str = "",
    plan: str = "",
):
    """Sent, delivered, failed, replies and no-shows per plan and day, drawn and tabled."""
    report = _report(db, start, end, plan)
    per_day = report.per_day()
    chart = grouped_bars(
        [(f"{d:%d/%m}", [c.sent, c.delivered, c.confirmed, c.failed]) for d, c in per_day]
    )
    context = {
        "report": report,
        "chart": chart,
        "rates": report.no_show_rates(),
        "plan": plan,
        "query": request.url.query,
    }
    return render(request, "appointments/report.html", context)


@pages.get("/reminder-report.csv", name="reminder_report_csv")
def reminder_report_csv(
    request: Request,
    db: SessionDep,
    _user: CareStaff,
    start: str = "",
    end: str = "",
    plan: str = "",
):
    report = _report(db, start, end, plan)
    _ = translator(request_locale(request))
    body = reports.to_csv(report, not_reminded=_("not reminded"))
    name = f"reminders-{report.start}-{report.end}.csv"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


@api.get("/appointments", response_model=list[AppointmentPublic])
def api_appointments(db: SessionDep, _user: CareStaff):
    return [a for a, _c in appointments.upcoming(db=db, now=utcnow())]


@api.post("/appointments", response_model=AppointmentPublic)
def api_save_appointment(db: SessionDep, user: CareStaff, data: AppointmentIn) -> Appointment:
    return appointments.upsert(db=db, data=data, actor=user)


@api.post("/fhir/Appointment", response_model=AppointmentPublic)
async def api_fhir_appointment(request: Request, db: SessionDep, user: CareStaff) -> Appointment:
    try:
        payload = await request.json()
    except ValueError:
        raise InvalidInput("the body is not JSON") from None
    return appointments.upsert(db=db, data=fhir.parse(payload), actor=user)
