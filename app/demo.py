"""Demo data: one user per role and a few records, so every page has something to show."""

from datetime import timedelta

from sqlmodel import Session, select

from app.accounts import service as accounts
from app.accounts import two_factor
from app.accounts.models import Role, User, UserCreate
from app.appointments import service as appointments
from app.appointments.schemas import AppointmentIn
from app.channels import service as channels
from app.channels.models import Channel, ChannelKind
from app.clock import utcnow
from app.followups import service as followups
from app.followups.schemas import SequenceIn
from app.groups import service as groups
from app.groups.models import GroupRole, SupportGroup, Visibility
from app.outreach import demo as outreach_demo
from app.planning import demo as planning_demo
from app.posts import service as posts
from app.posts.models import Post, PostCreate
from app.security import hash_password
from app.settings import get_settings

DEMO_USERS = [
    {
        "username": "admin",
        "display_name": "Ana (administración)",
        "role": Role.admin,
        "password": "faro-norte-2026",
    },
    {
        "username": "marketing",
        "display_name": "Marta (comunicación)",
        "role": Role.marketing,
        "password": "cartel-azul-2026",
    },
    {
        "username": "clinician",
        "display_name": "Dr. Carlos Ruiz",
        "role": Role.clinician,
        "password": "fonendo-verde-2026",
        "licence_number": "28/2812345",
        "specialty": "Medicina de familia",
        "verified": True,
    },
    {
        "username": "patient",
        "display_name": "Luz del Norte",
        "role": Role.patient,
        "password": "paseo-lento-2026",
        "real_name": "Lucía Fernández",
    },
    {
        "username": "colleague",
        "display_name": "Dra. Inés Vidal",
        "role": Role.clinician,
        "password": "latido-firme-2026",
        "licence_number": "28/2854321",
        "specialty": "Cardiología",
        "verified": True,
    },
    {
        "username": "newdoctor",
        "display_name": "Dra. Elena Soto",
        "role": Role.clinician,
        "password": "bata-nueva-2026",
        "licence_number": "08/0876543",
        "specialty": "Endocrinología",
    },
]

DEMO_GROUPS = [
    (
        "Diabetes tipo 2: apoyo",
        "Compartimos el día a día con la diabetes tipo 2.",
        Visibility.public,
    ),
    ("Cuidadores", "Para quienes cuidan de un familiar. Solo miembros.", Visibility.private),
]


def load(db: Session) -> list[dict]:
    """Create the demo users and groups if missing; demo passwords are reset so the printed ones work."""
    users: dict[str, User] = {}
    for spec in DEMO_USERS:
        existing = accounts.get_by_username(db=db, username=spec["username"])
        if existing:
            existing.password_hash = hash_password(spec["password"])
            existing.is_active = True
            db.add(existing)
            # Like the password: an authenticator set up in an earlier demo run may be gone.
            two_factor.forget(db=db, user=existing)
            users[spec["username"]] = existing
            continue
        data = UserCreate(**{k: v for k, v in spec.items() if k != "verified"})
        users[spec["username"]] = accounts.create_user(
            db=db, data=data, actor=None, verified=spec.get("verified", False)
        )
    for name, description, visibility in DEMO_GROUPS:
        if db.exec(select(SupportGroup).where(SupportGroup.name == name)).first():
            continue
        group = groups.create_group(
            db=db,
            name=name,
            description=description,
            visibility=visibility,
            actor=users["admin"],
            rules="Sin consejos médicos personales. / No personal medical advice.",
        )
        groups.add_member(
            db=db, group=group, user=users["patient"], role=GroupRole.member, actor=users["admin"]
        )
        groups.add_member(
            db=db,
            group=group,
            user=users["clinician"],
            role=GroupRole.moderator,
            actor=users["admin"],
        )
    db.flush()
    _load_posts(db, users)
    _load_community(db, users)
    _load_appointments(db, users)
    _load_survey(db, users)
    outreach_demo.load(db, admin=users["admin"], clinician=users["clinician"])
    _load_followups(db, users)
    _load_newsletters(db, users)
    planning_demo.load(db, author=users["marketing"])
    return [
        {
            "username": s["username"],
            "role": str(s["role"]),
            "password": s["password"],
            "two_factor": two_factor.required_for(users[s["username"]]),
        }
        for s in DEMO_USERS
    ]


def _next_weekday_at(weekday: int, hour: int):
    zone = get_settings().zone
    now = utcnow().astimezone(zone)
    days = (weekday - now.weekday()) % 7 or 7
    return (now + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def _load_posts(db: Session, users: dict[str, User]) -> None:
    """An outbox channel and a handful of posts in different states (once)."""
    if db.exec(select(Channel)).first() or db.exec(select(Post)).first():
        return
    outbox = channels.create(
        db=db, kind=ChannelKind.outbox, name="Outbox", credentials={}, actor=users["admin"]
    )
    author = users["marketing"]
    posts.create(
        db=db,
        author=author,
        data=PostCreate(
            text="Horario de invierno: abrimos de lunes a viernes de 8:00 a 20:00. / Winter hours: Monday to Friday, 8am to 8pm.",
            channels=[outbox.id],
            scheduled_at=utcnow() + timedelta(seconds=5),
        ),
    )
    posts.create(
        db=db,
        author=author,
        data=PostCreate(
            text="Recordatorio: los lunes hay consulta de vacunación de la gripe sin cita, de 9:00 a 13:00.",
            channels=[outbox.id],
            scheduled_at=_next_weekday_at(0, 9),
            recurrence={"freq": "weekly"},
        ),
    )
    posts.create(
        db=db,
        author=author,
        data=PostCreate(
            text="La vacuna de la gripe está recomendada durante el embarazo, en cualquier trimestre. Pide cita.",
            channels=[outbox.id],
            scheduled_at=_next_weekday_at(2, 10),
            health_claim=True,
        ),
    )
    posts.create(
        db=db,
        author=author,
        data=PostCreate(
            text="Marzo es el mes de la prevención del cáncer colorrectal. Si tienes entre 50 y 69 años, participa en el cribado.",
            channels=[outbox.id],
        ),
    )


def _load_community(db: Session, users: dict[str, User]) -> None:
    """A conversation in the public group, network posts and an answered question (once)."""
    from app.groups import editing, threads
    from app.groups.models import GroupPost
    from app.network import service as network
    from app.network.models import NetworkPostCreate
    from app.questions import service as questions
    from app.questions.models import QuestionCreate

    if db.exec(select(GroupPost)).first():
        return
    group = db.exec(
        select(SupportGroup).where(SupportGroup.visibility == Visibility.public)
    ).first()
    text = "Buenos días, grupo. Hoy he probado la receta de lentejas del taller de nutrición."
    thread = threads.write(
        db=db,
        viewer=users["patient"],
        group_id=group.id,
        title="La receta de lentejas del taller",
        text=text,
    )
    # An edited post, so the group's moderators have earlier versions to look at.
    editing.edit(
        db=db,
        viewer=users["patient"],
        group_id=group.id,
        post_id=thread.id,
        text=text.removesuffix(".") + ", muy rica.",
    )
    threads.write(
        db=db,
        viewer=users["clinician"],
        group_id=group.id,
        parent_id=thread.id,
        text="¡Qué bien! Las legumbres son una gran opción. Gracias por compartirlo.",
    )
    network.create(
        db=db,
        author=users["clinician"],
        data=NetworkPostCreate(
            kind="job",
            title="Médico/a de familia, sustitución de verano",
            text="Sustitución de julio a septiembre en el centro. Equipo estable y buen ambiente.",
            topic="empleo",
            place="Centro de salud, Madrid",
            hours="Mañanas, 8:00-15:00",
            contact="direccion@centro-ejemplo.es",
        ),
    )
    network.create(
        db=db,
        author=users["clinician"],
        data=NetworkPostCreate(
            kind="case",
            title="Hiponatremia leve en paciente mayor con ISRS",
            text="Mujer de unos 80 años, sodio 129 tras iniciar un ISRS. ¿Retiráis o ajustáis?",
            topic="geriatria",
            poll=["Retirar el ISRS", "Ajustar la dosis y vigilar", "Cambiar de fármaco"],
        ),
    )
    _load_network(db, users)
    question = questions.ask(
        db=db,
        asker=users["patient"],
        data=QuestionCreate(
            title="¿Hace falta ir en ayunas a la analítica?",
            text="Me han pedido una analítica de rutina. ¿Tengo que ir en ayunas?",
        ),
    )
    questions.answer_from_api(
        db=db,
        clinician=users["clinician"],
        question_id=question.id,
        text="Para la glucosa y los lípidos, sí: 8 horas sin comer. Agua sí puedes beber.",
    )


def _load_network(db: Session, users: dict[str, User]) -> None:
    """Profiles, an anonymous case and a conversation between the two verified clinicians."""
    from app.network import messages, people
    from app.network import service as network
    from app.network.models import NetworkPostCreate, ProfileIn

    carlos, ines = users["clinician"], users["colleague"]
    people.save_profile(
        db=db,
        viewer=carlos,
        data=ProfileIn(
            specialty="family_medicine",
            centre="Centro de salud, Madrid",
            interests="Geriatría, polimedicación",
            bio="Médico de familia desde 2010.",
        ),
    )
    people.save_profile(
        db=db,
        viewer=ines,
        data=ProfileIn(specialty="cardiology", centre="Hospital de día", interests="Arritmias"),
    )
    network.create(
        db=db,
        author=ines,
        data=NetworkPostCreate(
            kind="case",
            title="Síncope de esfuerzo en deportista joven",
            text="Varón de unos 20 años, síncope corriendo, ECG basal normal. ¿Qué pediríais?",
            topic="cardiologia",
            anonymous=True,
        ),
    )
    messages.send(
        db=db,
        sender=ines,
        recipient_id=carlos.id,
        text="Carlos, ¿te viene bien comentar el caso de hiponatremia el jueves?",
    )


# Patients of the practice who have no carepost account: their reminders reach the local phone.
DEMO_APPOINTMENTS = [
    ("demo-1", "Lucía Romero", "600 111 222", "es", 3, 10, "Dra. Elena Soto", "Consulta 2"),
    ("demo-2", "Tom Baker", "600 333 444", "en", 4, 17, "Dr. Carlos Ruiz", "Room 1"),
]


def _load_appointments(db: Session, users: dict[str, User]) -> None:
    """Two booked appointments a few days ahead, with the default 72 h and 24 h reminders."""
    zone = get_settings().zone
    today = utcnow().astimezone(zone).replace(minute=0, second=0, microsecond=0)
    for external_id, name, phone, language, days, hour, clinician, place in DEMO_APPOINTMENTS:
        data = AppointmentIn(
            external_id=external_id,
            source="demo",
            starts_at=(today + timedelta(days=days)).replace(hour=hour),
            name=name,
            phone=phone,
            language=language,
            clinician=clinician,
            place=place,
        )
        appointments.upsert(db=db, data=data, actor=users["admin"])


DEMO_SURVEY = "Satisfacción tras la visita"


def _load_survey(db: Session, users: dict[str, User]) -> None:
    """A short keypad survey, ready for a call campaign to the demo patients."""
    from app.calls import service as calls
    from app.calls.models import QuestionKind, Survey

    if db.exec(select(Survey).where(Survey.name == DEMO_SURVEY)).first():
        return
    survey = calls.create_survey(
        db=db,
        name=DEMO_SURVEY,
        intro={
            "es": "Hola, le llamamos de su centro de salud para una encuesta de un minuto.",
            "en": "Hello, this is your clinic calling with a one-minute survey.",
        },
        closing={
            "es": "Muchas gracias por su tiempo. Hasta pronto.",
            "en": "Thank you very much for your time. Goodbye.",
        },
        actor=users["marketing"],
    )
    for kind, es, en, options in [
        (
            QuestionKind.scale,
            "Del 1 al 5, ¿cómo valora la atención que recibió?",
            "From 1 to 5, how do you rate the care you received?",
            {"es": [], "en": []},
        ),
        (
            QuestionKind.yes_no,
            "¿Le atendieron a la hora de su cita?",
            "Were you seen at the time of your appointment?",
            {"es": [], "en": []},
        ),
        (
            QuestionKind.choice,
            "¿Cómo pidió la cita?",
            "How did you book the appointment?",
            {
                "es": ["Por teléfono", "En recepción", "Por internet"],
                "en": ["By phone", "At the desk", "Through our website"],
            },
        ),
    ]:
        calls.add_question(
            db=db,
            survey=survey,
            kind=kind,
            text={"es": es, "en": en},
            options=options,
            actor=users["marketing"],
        )


DEMO_FOLLOW_UP = SequenceIn(
    name="Tras una intervención",
    steps=[
        {
            "day": 1,
            "es": "{nombre}, hoy descanse y mantenga seca la zona. Si algo le preocupa, llame a {centro}.",
            "en": "{nombre}, rest today and keep the area dry. If anything worries you, call {centro}.",
        },
        {
            "day": 3,
            "es": "{nombre}, ya puede ducharse con normalidad. Evite levantar peso esta semana.",
            "en": "{nombre}, you may shower as usual now. Avoid lifting heavy things this week.",
        },
        {
            "day": 7,
            "es": "{nombre}, le esperamos en la revisión con {profesional}. Si no puede venir, llame a {centro}.",
            "en": "{nombre}, we expect you at your check-up with {profesional}. If you cannot come, call {centro}.",
        },
    ],
)


def _load_followups(db: Session, users: dict[str, User]) -> None:
    """A post-operative sequence (days 1, 3 and 7) a clinician approved, ready to enrol patients."""
    if any(s.name == DEMO_FOLLOW_UP.name for s in followups.all_sequences(db)):
        return
    now = utcnow()
    sequence = followups.save(db=db, data=DEMO_FOLLOW_UP, actor=users["admin"], now=now)
    followups.approve(db=db, sequence=sequence, actor=users["clinician"], now=now)


def _load_newsletters(db: Session, users: dict[str, User]) -> None:
    """E-mail settings for the local mailbox and one newsletter ready to send, if none exist."""
    from app.newsletters import config
    from app.newsletters import service as newsletters
    from app.newsletters.models import EmailSettings, Newsletter
    from app.newsletters.schemas import EmailSettingsIn, NewsletterIn

    if db.get(EmailSettings, config.SETTINGS_ID) is None:
        settings = EmailSettingsIn(
            from_name="Clínica Demo",
            from_address="boletin@clinica-demo.example",
            bounce_domain="clinica-demo.example",
            practice_identity="Clínica Demo S.L., Calle Mayor 1, 28001 Madrid, CIF B00000000",
        )
        config.save(db=db, data=settings, actor=users["admin"])
    if db.exec(select(Newsletter).limit(1)).first() is None:
        data = NewsletterIn(
            subject="Novedades de la clínica",
            preheader="Horario de invierno y campaña de la gripe",
            body="Hola {nombre}:\n\n"
            "Desde el 1 de diciembre abrimos también los sábados por la mañana.\n\n"
            "La campaña de vacunación de la gripe sigue abierta: "
            "[pide cita](https://clinica-demo.example/cita).",
        )
        newsletters.save(db=db, data=data, actor=users["marketing"])
