"""The UI's languages: gettext catalogues (app/locale/*/LC_MESSAGES/messages.po) read at run time.

English text is the message id; `_("Welcome, {name}", name=...)` translates, then fills the values.
Services that cannot know the reader's language raise or store a `Message`, translated when shown.
"""

import re
from collections.abc import Iterable
from enum import Enum
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = ("es", "en")
LOCALE_DIR = Path(__file__).parent / "locale"


def N_(message: str) -> str:
    """Mark text for extraction where it is translated later (a label table, a constant)."""
    return message


class Message(str):
    """Text whose language is chosen when it is shown: reads as its English text, and keeps its
    message id and values so a translator can render it in the reader's language."""

    msgid: str
    values: dict[str, Any]

    def __new__(cls, msgid: str, *, english: str | None = None, **values: Any) -> "Message":
        # english: how the text reads where nothing translates it (API answers), when that differs
        if english is None:
            english = _fill(msgid, {key: _english(value) for key, value in values.items()})
        text = super().__new__(cls, english)
        text.msgid, text.values = msgid, values
        return text

    def __reduce__(self):
        return (_rebuild, (self.msgid, str(self), self.values))


def _rebuild(msgid: str, english: str, values: dict[str, Any]) -> Message:
    return Message(msgid, english=english, **values)


# Each vocabulary's phrases (see Phrases), as one pattern: the longest phrase first, so that "no
# health information" is one phrase, not "no" and "health information". Each is a message id.
VOCABULARIES: dict[str, re.Pattern] = {}


def vocabulary(name: str, phrases: Iterable[str]) -> None:
    """Register the phrases that text made by a program (a moderation reason) is built from."""
    ordered = sorted(set(phrases), key=len, reverse=True)
    VOCABULARIES[name] = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, ordered)) + r")(?!\w)")


class Phrases(Message):
    """English text a program composed from the phrases of a vocabulary (a moderation reason):
    translated phrase by phrase when shown; words in quotation marks, numbers and anything the
    vocabulary does not know stay as written."""

    vocabulary: str

    def __new__(cls, text: str, vocabulary: str) -> "Phrases":
        phrased = super().__new__(cls, text)
        phrased.vocabulary = vocabulary
        return phrased

    def __reduce__(self):
        return (Phrases, (str(self), self.vocabulary))


# What a translation of Phrases leaves alone: text in quotation marks (a writer's own words).
_QUOTED = re.compile(r"(“[^”]*”?|\"[^\"]*\"?|«[^»]*»?)")


def to_data(value: Any) -> Any:
    """A Message (its id and values, nested) or an enum as JSON, to be shown later in a language."""
    if isinstance(value, Phrases):
        return {"phrases": str(value), "vocabulary": value.vocabulary}
    if isinstance(value, Message):
        values = {key: to_data(item) for key, item in value.values.items()}
        return {"msgid": value.msgid, "english": str(value), "values": values}
    if isinstance(value, Enum):
        return {"label": str(value.value)}
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def from_data(data: Any) -> Any:
    """The Message or label that to_data stored."""
    if isinstance(data, dict) and "phrases" in data:
        return Phrases(str(data["phrases"]), str(data.get("vocabulary", "")))
    if isinstance(data, dict) and "msgid" in data:
        values = {key: from_data(item) for key, item in (data.get("values") or {}).items()}
        return Message(str(data["msgid"]), english=data.get("english"), **values)
    if isinstance(data, dict) and "label" in data:
        return label(data["label"])
    return data


def join(parts: Iterable[str], separator: str = "; ") -> Message:
    """Several messages as one, each translated on its own."""
    values = {f"part{i}": part for i, part in enumerate(parts)}
    return Message(separator.join("{" + key + "}" for key in values), **values)


def _english(value: Any) -> Any:
    if isinstance(value, Enum):
        return LABELS.get(str(value.value), str(value.value))
    return value


def _fill(text: str, values: dict[str, Any]) -> str:
    """str.format style ({name}) for code; %(name)s for Jinja's {% trans %} blocks."""
    if not values:
        return text
    if "%(" in text:
        return text % values
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return text


# What users see for the values of status, role, kind and label columns (translated when shown).
LABELS: dict[str, str] = {
    # roles
    "admin": N_("admin"),
    "marketing": N_("marketing"),
    "clinician": N_("clinician"),
    "patient": N_("patient"),
    "moderator": N_("moderator"),
    "member": N_("member"),
    # posts and deliveries
    "draft": N_("draft"),
    "awaiting_approval": N_("awaiting approval"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "scheduled": N_("scheduled"),
    "paused": N_("paused"),
    "cancelled": N_("cancelled"),
    "done": N_("done"),
    "pending": N_("pending"),
    "sending": N_("sending"),
    "published": N_("published"),
    "failed": N_("failed"),
    "uncertain": N_("uncertain"),
    "sent": N_("sent"),
    "ready": N_("ready to send"),
    # recurrence
    "weekly": N_("weekly"),
    "monthly": N_("monthly"),
    "nth_weekday": N_("monthly on a weekday"),
    # channels
    "active": N_("active"),
    "reconnect_needed": N_("reconnect needed"),
    "disabled": N_("disabled"),
    "outbox": N_("Outbox"),
    "x": N_("X"),
    "facebook": N_("Facebook"),
    # content and review
    "visible": N_("visible"),
    "hidden": N_("hidden"),
    "held": N_("held"),
    "removed": N_("removed"),
    "escalated": N_("escalated"),
    "answered": N_("answered"),
    # groups
    "public": N_("public"),
    "private": N_("private"),
    "requested": N_("requested"),
    "invited": N_("invited"),
    "banned": N_("banned"),
    # network
    "case": N_("case"),
    "event": N_("event"),
    "job": N_("job"),
    # reactions
    "support": N_("support"),
    "thanks": N_("thanks"),
    "hug": N_("hug"),
    # moderation labels
    "misinformation": N_("misinformation"),
    "unsafe_consultation": N_("consultation request"),
    "emergency": N_("emergency"),
    "phi": N_("exposed health data"),
    "spam": N_("spam"),
    "benign": N_("benign"),
    # review actions
    "approve": N_("approve"),
    "remove": N_("remove"),
    "edit_approve": N_("edit and approve"),
    "answer": N_("answer"),
    "escalate": N_("escalate"),
    "reject": N_("reject"),
    "withdraw": N_("withdrawn by its author"),
    # what was reviewed
    "group_post": N_("group post"),
    "question": N_("question"),
    "network_post": N_("network post"),
    "network_comment": N_("network comment"),
    "direct_message": N_("direct message"),
    "channel_comment": N_("comment on a published post"),
    "post_approval": N_("post awaiting approval"),
    "health_claim": N_("health claim"),
    # where a review signal came from
    "classifier": N_("classifier"),
    "rule": N_("rule"),
    "report": N_("report"),
    "fixed": N_("fixed"),
    "appeal": N_("appeal"),
    # appointments
    "booked": N_("booked"),
    "confirmed": N_("confirmed"),
    "reschedule_requested": N_("reschedule requested"),
    "attended": N_("attended"),
    "no_show": N_("no show"),
    # SMS: delivery, kind, purpose, legal basis and consent choice
    "delivered": N_("delivered"),
    "undelivered": N_("undelivered"),
    "skipped": N_("skipped"),
    "withdrawn": N_("withdrawn"),
    "reminder": N_("reminder"),
    "follow_up": N_("follow-up"),
    "notice": N_("notice of the day"),
    "ended": N_("ended"),
    "confirmation": N_("confirmation"),
    "opt_out": N_("opt-out"),
    "opt_in": N_("opt-in"),
    "help": N_("help text"),
    "test": N_("test message"),
    "registration": N_("event registration"),
    "sms_reply": N_("SMS to the practice"),
    # message templates and campaigns
    "results_ready": N_("results ready"),
    "invitation": N_("invitation"),
    "campaign": N_("campaign"),
    "reminders": N_("reminders"),
    "results": N_("results"),
    "campaigns": N_("campaigns"),
    "newsletters": N_("newsletters"),
    "invitations": N_("invitations"),
    "information": N_("practice information"),
    "surveys": N_("surveys"),
    "email": N_("e-mail"),
    "voice": N_("calls"),
    "service": N_("service"),
    "care": N_("care"),
    "consent": N_("consent"),
    "request": N_("request"),
    "granted": N_("granted"),
    "placed": N_("placed"),
    "completed": N_("completed"),
    "unanswered": N_("unanswered"),
    "ringing": N_("ringing"),
    "in-progress": N_("in progress"),
    "busy": N_("busy"),
    "no-answer": N_("no answer"),
    "scale": N_("scale from 1 to 5"),
    "yes_no": N_("yes or no"),
    "choice": N_("multiple choice"),
    "keypad": N_("pressed 9 on a call"),
}


def label(value: Any) -> Message:
    """The words for a status, role, kind or label value (the raw value when it has none)."""
    key = str(value.value if isinstance(value, Enum) else value)
    return Message(LABELS.get(key, key))


@cache
def catalogue(locale: str) -> Translations:
    """The compiled catalogue of locale (read from its .po once; fuzzy entries are left out)."""
    path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale not in LOCALES or not path.exists():
        return Translations()
    with path.open("rb") as source:
        po = read_po(source, locale=locale)
    compiled = BytesIO()
    write_mo(compiled, po)
    compiled.seek(0)
    return Translations(compiled)


class Translator:
    """gettext, ngettext and pgettext for one locale, with str.format values; callable as `_`."""

    def __init__(self, locale: str):
        self.locale = locale if locale in LOCALES else LOCALES[0]
        self._catalogue = catalogue(self.locale)

    def __call__(self, message: str, **values: Any) -> str:
        return self.gettext(message, **values)

    def gettext(self, message: str, **values: Any) -> str:
        if isinstance(message, Phrases):
            return self.phrases(message, message.vocabulary)
        if isinstance(message, Message):
            values, message = {**message.values, **values}, message.msgid
        return self._fill(self._catalogue.gettext(str(message)), values)

    def phrases(self, text: str, vocabulary: str) -> str:
        """text, composed from the phrases of vocabulary, with each phrase translated."""
        pattern = VOCABULARIES.get(vocabulary)
        if pattern is None or self.locale == "en":
            return str(text)

        def translated(match: re.Match) -> str:
            return self._catalogue.gettext(match[0])

        return "".join(
            part if index % 2 else pattern.sub(translated, part)
            for index, part in enumerate(_QUOTED.split(str(text)))
        )

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        values.setdefault("n", n)
        return self._fill(self._catalogue.ngettext(singular, plural, n), values)

    def pgettext(self, context: str, message: str, **values: Any) -> str:
        return self._fill(self._catalogue.pgettext(context, message), values)

    def npgettext(self, context: str, singular: str, plural: str, n: int, **values: Any) -> str:
        values.setdefault("n", n)
        return self._fill(self._catalogue.npgettext(context, singular, plural, n), values)

    def label(self, value: Any) -> str:
        return self.gettext(label(value))

    def _fill(self, text: str, values: dict[str, Any]) -> str:
        return _fill(text, {key: self._value(value) for key, value in values.items()})

    def _value(self, value: Any) -> Any:
        if isinstance(value, Message):
            return self.gettext(value)
        if isinstance(value, Enum):
            return self.label(value)
        return value


@cache
def translator(locale: str) -> Translator:
    """The translator of locale; unknown text falls back to English."""
    return Translator(locale)


# Translations written before the gettext catalogues; `python -m app.locale.update` carries any
# entry here that the Spanish .po lacks into it. New translations go in the .po.
ES: dict[str, str] = {
    "Home": "Inicio",
    "Users": "Usuarios",
    "Audit log": "Registro de auditoría",
    "My account": "Mi cuenta",
    "Log in": "Entrar",
    "Log out": "Salir",
    "Register": "Registrarse",
    "Username": "Usuario",
    "Password": "Contraseña",
    "Display name (pseudonym)": "Nombre visible (seudónimo)",
    "Real name (optional, never shown to other patients)": "Nombre real (opcional, nunca visible para otros pacientes)",
    "E-mail (optional)": "Correo electrónico (opcional)",
    "Create an account": "Crear una cuenta",
    "Already registered?": "¿Ya tienes cuenta?",
    "No account yet?": "¿Aún no tienes cuenta?",
    "Wrong username or password.": "Usuario o contraseña incorrectos.",
    "Language": "Idioma",
    "Enter your username and password.": "Escribe tu usuario y tu contraseña.",
    "too many failed log-in attempts; try again later": "Demasiados intentos fallidos; inténtalo más tarde.",
    "moderator": "moderación",
    "Save": "Guardar",
    "Saved.": "Guardado.",
    "Role": "Rol",
    "admin": "administración",
    "marketing": "marketing",
    "clinician": "clínico",
    "patient": "paciente",
    "Verified": "Verificado",
    "Not verified": "Sin verificar",
    "Verify": "Verificar",
    "Licence number": "Número de colegiado",
    "Specialty": "Especialidad",
    "Create user": "Crear usuario",
    "Active": "Activo",
    "Inactive": "Inactivo",
    "Deactivate": "Desactivar",
    "Reactivate": "Reactivar",
    "Change role": "Cambiar rol",
    "When": "Cuándo",
    "Who": "Quién",
    "Action": "Acción",
    "Object": "Objeto",
    "Detail": "Detalle",
    "Filter": "Filtrar",
    "All": "Todas",
    "Older": "Anteriores",
    "No events match.": "Ningún evento coincide.",
    "Welcome, {name}": "Hola, {name}",
    "Accounts by role": "Cuentas por rol",
    "Clinicians waiting for verification": "Clínicos pendientes de verificación",
    "None.": "Ninguno.",
    "Appeal": "Recurrir",
    "Nothing you wrote has been removed.": "No se ha retirado nada de lo que escribiste.",
    "Removed content and appeals": "Contenido retirado y recursos",
    "Rename": "Cambiar nombre",
    "New display name": "Nuevo nombre visible",
    "The appeal window closed on": "El plazo para recurrir terminó el",
    "When a moderator removes something you wrote, it counts as a strike for 90 days. If you think the removal was wrong, explain why before the appeal date: someone else will look at it again.": "Cuando un moderador retira algo que escribiste, cuenta como una falta durante 90 días. Si crees que fue un error, explica por qué antes de la fecha límite: otra persona lo revisará de nuevo.",
    "Why should it be restored?": "¿Por qué debería restaurarse?",
    "Your appeal": "Tu recurso",
    "appeal": "recurso",
    "appeal overturned": "recurso aceptado",
    "appeal pending": "recurso pendiente",
    "appeal upheld": "recurso rechazado",
    "not appealed": "sin recurso",
    "reason": "motivo",
    "shows a full name": "muestra un nombre completo",
    "strikes in 90 days": "faltas en 90 días",
    "until": "hasta",
    "Recent activity": "Actividad reciente",
    "Your account is waiting for an administrator to verify your licence.": "Tu cuenta está pendiente de que la administración verifique tu número de colegiado.",
    "API tokens": "Tokens de API",
    "Token name": "Nombre del token",
    "Create token": "Crear token",
    "Copy this token now: it will not be shown again.": "Copia este token ahora: no se volverá a mostrar.",
    "Revoke": "Revocar",
    "Revoked": "Revocado",
    "Last used": "Último uso",
    "never": "nunca",
    "Page not found.": "Página no encontrada.",
    "You do not have access to this page.": "No tienes acceso a esta página.",
    "Something went wrong on our side. It has been logged.": "Algo ha fallado por nuestra parte. Ha quedado registrado.",
    "Your session expired. Reload the page and try again.": "Tu sesión ha caducado. Recarga la página e inténtalo de nuevo.",
    "Support groups": "Grupos de apoyo",
    "members": "miembros",
    "Skip to content": "Saltar al contenido",
    "Your groups": "Tus grupos",
    "You are not in any group yet.": "Todavía no estás en ningún grupo.",
    "Tokens let scripts use the API as you, with the header Authorization: Bearer TOKEN.": "Los tokens permiten a los scripts usar la API en tu nombre, con la cabecera Authorization: Bearer TOKEN.",
    "Account": "Cuenta",
    "Approve": "Aprobar",
    "Attempts": "Intentos",
    "Calendar": "Calendario",
    "Channel": "Canal",
    "Channels": "Canales",
    "Choose a channel to see the preview.": "Elige un canal para ver la vista previa.",
    "Clinician's comment": "Comentario del clínico",
    "Columns": "Columnas",
    "Comment": "Comentario",
    "Connect": "Conectar",
    "Connect a channel": "Conectar un canal",
    "Credentials are encrypted before they are stored and are never shown again.": "Las credenciales se cifran antes de guardarse y no se vuelven a mostrar.",
    "Date": "Fecha",
    "Dates and times are in the practice's time zone; channels are separated by ';'. Nothing is imported until every row is valid.": "Fechas y horas en la zona horaria del centro; los canales se separan con ';'. No se importa nada hasta que todas las filas son válidas.",
    "Deliveries": "Envíos",
    "Different text for {name}": "Texto distinto para {name}",
    "Disable": "Desactivar",
    "Due": "Previsto",
    "Edit": "Editar",
    "Edit post": "Editar publicación",
    "Enable": "Activar",
    "Every": "Cada",
    "Export CSV": "Exportar CSV",
    "Images": "Imágenes",
    "Import": "Importar",
    "Import CSV": "Importar CSV",
    "Imported {n} posts.": "Se han importado {n} publicaciones.",
    "It was published": "Sí se publicó",
    "Link (optional)": "Enlace (opcional)",
    "Mark all as read": "Marcar todo como leído",
    "Month": "Mes",
    "Name": "Nombre",
    "New post": "Nueva publicación",
    "Next": "Siguiente",
    "No channel is connected yet.": "Aún no hay ningún canal conectado.",
    "Nothing scheduled yet.": "Todavía no hay nada programado.",
    "Nothing was imported. Fix these rows:": "No se ha importado nada. Corrige estas filas:",
    "Notifications": "Notificaciones",
    "Outbox": "Bandeja de salida",
    "Post": "Publicación",
    "Posts": "Publicaciones",
    "Preview": "Vista previa",
    "Previous": "Anterior",
    "Reconnect": "Volver a conectar",
    "Reject": "Rechazar",
    "Repeat": "Repetir",
    "Result": "Resultado",
    "Schedule": "Programar",
    "Send again": "Enviar de nuevo",
    "Status": "Estado",
    "Test connection": "Probar conexión",
    "Text": "Texto",
    "This post makes a health claim (a clinician must approve it)": "Esta publicación hace una afirmación de salud (debe aprobarla un clínico)",
    "Time": "Hora",
    "Type": "Tipo",
    "Until": "Hasta",
    "View post": "Ver publicación",
    "Week": "Semana",
    "Week of the month": "Semana del mes",
    "Weekday": "Día de la semana",
    "What the local outbox channel has published.": "Lo que ha publicado el canal local de bandeja de salida.",
    "health claim": "afirmación de salud",
    "next": "próxima",
    "not scheduled": "sin programar",
    "optional": "opcional",
    "optional: adds appsecret_proof": "opcional: añade appsecret_proof",
    "or an OAuth 2.0 user access token": "o un token de acceso de usuario OAuth 2.0",
    "Does not repeat": "No se repite",
    "Every week": "Cada semana",
    "Every month, same day": "Cada mes, el mismo día",
    "Every month, on a weekday": "Cada mes, en un día de la semana",
    "1st": "1.ª",
    "2nd": "2.ª",
    "3rd": "3.ª",
    "4th": "4.ª",
    "last": "última",
    "Monday": "lunes",
    "Tuesday": "martes",
    "Wednesday": "miércoles",
    "Thursday": "jueves",
    "Friday": "viernes",
    "Saturday": "sábado",
    "Sunday": "domingo",
    "Mon": "lun",
    "Tue": "mar",
    "Wed": "mié",
    "Thu": "jue",
    "Fri": "vie",
    "Sat": "sáb",
    "Sun": "dom",
    "draft": "borrador",
    "awaiting_approval": "pendiente de aprobación",
    "approved": "aprobada",
    "rejected": "rechazada",
    "scheduled": "programada",
    "paused": "en pausa",
    "cancelled": "cancelada",
    "done": "completada",
    "pending": "pendiente",
    "sending": "enviando",
    "published": "publicada",
    "failed": "fallida",
    "uncertain": "sin confirmar",
    "active": "activo",
    "reconnect_needed": "hay que volver a conectar",
    "disabled": "desactivado",
    "Link to the published post": "Enlace a la publicación",
    "Publish now": "Publicar ahora",
    "Connect X with OAuth 2.0": "Conectar X con OAuth 2.0",
    "Request approval": "Pedir aprobación",
    "Resume": "Reanudar",
    "Pause": "Pausar",
    "Cancel": "Cancelar",
    "Activate": "Activar",
    "Already answered, maybe yours:": "Ya respondidas, quizá la tuya:",
    "Answer": "Responder",
    "Answer, or the edited text": "Respuesta, o el texto corregido",
    "Answered questions": "Preguntas respondidas",
    "Ask a question": "Hacer una pregunta",
    "Ask to join": "Pedir unirme",
    "Automatic reply shown to the author": "Respuesta automática mostrada al autor",
    "Ban": "Expulsar",
    "Choose": "Elegir",
    "Clinician network": "Red de clínicos",
    "Clinician's answer": "Respuesta del clínico",
    "Comments": "Comentarios",
    "Contact": "Contacto",
    "Content": "Contenido",
    "Create a group": "Crear un grupo",
    "Create group": "Crear grupo",
    "Days (0: no end)": "Días (0: sin fin)",
    "Decision": "Decisión",
    "Decline": "Rechazar",
    "Description": "Descripción",
    "Edit and approve": "Editar y aprobar",
    "Escalate": "Escalar",
    "Events and jobs": "Eventos y empleos",
    "Find a group": "Buscar un grupo",
    "Flags": "Señales",
    "Follow": "Seguir",
    "Group": "Grupo",
    "Group rules": "Normas del grupo",
    "Groups": "Grupos",
    "History": "Historial",
    "Hours": "Horario",
    "I have read and accept the rules": "He leído y acepto las normas",
    "Invite": "Invitar",
    "Invite by username": "Invitar por usuario",
    "Join group": "Unirme al grupo",
    "Kind": "Tipo",
    "Kind of problem": "Tipo de problema",
    "Label": "Etiqueta",
    "Labels if removed": "Etiquetas si se retira",
    "Leave group": "Salir del grupo",
    "Lift ban": "Levantar expulsión",
    "Load more": "Cargar más",
    "Member": "Miembro",
    "Members": "Miembros",
    "Members and requests": "Miembros y solicitudes",
    "Models": "Modelos",
    "Moderation model versions": "Versiones del modelo de moderación",
    "Mute": "Silenciar",
    "Mute or ban": "Silenciar o expulsar",
    "My questions": "Mis preguntas",
    "Network": "Red",
    "No answered questions match.": "Ninguna pregunta respondida coincide.",
    "No conversations yet.": "Aún no hay conversaciones.",
    "No groups yet.": "Aún no hay grupos.",
    "No model yet: the rules alone are screening content.": "Aún no hay modelo: solo las reglas revisan el contenido.",
    "Note (kept in the history)": "Nota (queda en el historial)",
    "Nothing here yet.": "Aún no hay nada.",
    "Nothing waits for review.": "Nada espera revisión.",
    "Only members can read this group.": "Solo los miembros pueden leer este grupo.",
    "Only verified clinicians see this feed. Cases must be de-identified: no names, record numbers, dates of birth or contact details.": "Solo los clínicos verificados ven esta red. Los casos deben ir anonimizados: sin nombres, números de historia, fechas de nacimiento ni datos de contacto.",
    "Open in place": "Abrir en su sitio",
    "Pin": "Fijar",
    "Unpin": "Desfijar",
    "Place": "Lugar",
    "Public: others can read the answer (you appear under your pseudonym)": "Pública: otros pueden leer la respuesta (apareces con tu seudónimo)",
    "Publish": "Publicar",
    "Publish answer": "Publicar respuesta",
    "Questions": "Preguntas",
    "Questions to the practice": "Preguntas al centro",
    "Reason": "Motivo",
    "Remove": "Retirar",
    "Replies": "Respuestas",
    "Reply": "Responder",
    "Report": "Denunciar",
    "Retrain from the shipped corpus and every review decision with: carepost moderation retrain": "Reentrena con el corpus incluido y todas las decisiones de revisión: carepost moderation retrain",
    "Review": "Revisión",
    "Review queue": "Cola de revisión",
    "Rows": "Filas",
    "Rules members accept on joining": "Normas que aceptan los miembros al unirse",
    "Scores": "Puntuaciones",
    "Search": "Buscar",
    "Search the answers": "Buscar en las respuestas",
    "Send question": "Enviar pregunta",
    "Send report": "Enviar denuncia",
    "Severity": "Gravedad",
    "Source": "Origen",
    "Start a conversation": "Empieza una conversación",
    "Stored as training labels": "Guardado como etiquetas de entrenamiento",
    "Thread": "Hilo",
    "Title": "Título",
    "Topic": "Tema",
    "Topics you follow": "Temas que sigues",
    "Unfollow": "Dejar de seguir",
    "Unmute": "Quitar silencio",
    "Version": "Versión",
    "Visibility": "Visibilidad",
    "Waiting for a clinician's answer.": "Esperando la respuesta de un clínico.",
    "Waiting since": "Esperando desde",
    "Weight": "Peso",
    "What is wrong?": "¿Qué problema hay?",
    "Where": "Dónde",
    "Why it is here": "Por qué está aquí",
    "With the chosen items": "Con los elementos elegidos",
    "You": "Tú",
    "You appear under your pseudonym. Do not share names, phone numbers or record numbers.": "Apareces con tu seudónimo. No compartas nombres, teléfonos ni números de historia.",
    "You are banned from this group": "Estás expulsado de este grupo",
    "Your question": "Tu pregunta",
    "Your request to join is waiting for the group's moderators.": "Tu solicitud para unirte espera a la moderación del grupo.",
    "answered": "respondida",
    "benign": "sin problema",
    "case": "caso",
    "decisions": "decisiones",
    "escalated": "escalado",
    "event": "evento",
    "job": "empleo",
    "hidden": "oculto",
    "held": "retenido",
    "visible": "visible",
    "removed": "retirado",
    "requested": "solicitado",
    "invited": "invitado",
    "banned": "expulsado",
    "member": "miembro",
    "misinformation": "desinformación",
    "unsafe_consultation": "consulta no segura",
    "emergency": "emergencia",
    "phi": "datos de salud expuestos",
    "spam": "spam",
    "muted until": "silenciado hasta",
    "only you can see this: waiting for review": "solo tú lo ves: pendiente de revisión",
    "other": "otro",
    "pinned": "fijado",
    "private": "privado",
    "public": "público",
    "waiting": "en espera",
    "support": "apoyo",
    "thanks": "gracias",
    "hug": "abrazo",
    "answer": "responder",
    "approve": "aprobar",
    "remove": "retirar",
    "edit_approve": "editar y aprobar",
    "escalate": "escalar",
    "fixed": "corregido",
    "classifier": "clasificador",
    "rule": "regla",
    "report": "denuncia",
    "group_post": "publicación de grupo",
    "group post": "publicación de grupo",
    "question": "pregunta",
    "network_post": "publicación de la red",
    "network post": "publicación de la red",
    "network_comment": "comentario de la red",
    "network comment": "comentario de la red",
    "If you or someone near you is in danger now, call {emergency} at once. If you are thinking about harming yourself, call {crisis} (free, any time). A clinician of the practice has been told about your message.": "Si tú o alguien cerca de ti está en peligro ahora, llama al {emergency} de inmediato. Si estás pensando en hacerte daño, llama al {crisis} (gratuito, a cualquier hora). Un clínico del centro ya ha sido avisado de tu mensaje.",
    "Doses, diagnoses and prescriptions need someone who knows your history, so this message is held for a clinician of the practice, who will answer here. Meanwhile, ask your pharmacist or call the practice; if it is urgent, call {emergency}.": "Las dosis, los diagnósticos y las recetas necesitan a alguien que conozca tu historia, así que este mensaje queda retenido para que un clínico del centro responda aquí. Mientras tanto, consulta a tu farmacéutico o llama al centro; si es urgente, llama al {emergency}.",
    "Check for new comments now": "Buscar comentarios nuevos ahora",
    "Comments on the channels": "Comentarios en los canales",
    "It was posted": "Se publicó",
    "Name shown": "Nombre visible",
    "No comments yet.": "Aún no hay comentarios.",
    "View reply": "Ver respuesta",
    "Waiting for review.": "Pendiente de revisión.",
    "Write here what someone from the public would comment under this post on a real channel: carepost reads it as it reads comments on X and Facebook.": "Escribe aquí lo que alguien del público comentaría bajo esta publicación en un canal real: carepost lo lee igual que los comentarios de X y Facebook.",
    "automatic reply": "respuesta automática",
    "channel_comment": "comentario en un canal",
    "comment on a published post": "comentario en una publicación",
    "hidden on the channel": "oculto en el canal",
    "hidden until reviewed": "oculto hasta su revisión",
    "sent": "enviada",
    "waiting for a clinician": "esperando a un clínico",
    "Reply in public": "Responder en público",
    # delivery
    "Background jobs": "Tareas en segundo plano",
    "The jobs that publish posts, read comments and refresh figures. A job that keeps failing shows here; the error is named by its kind only.": "Las tareas que publican, leen comentarios y actualizan cifras. Una tarea que falla una y otra vez aparece aquí; el error se indica solo por su tipo.",
    "Job": "Tarea",
    "Last run": "Última ejecución",
    "Last success": "Último éxito",
    "Last error": "Último error",
    "working": "funciona",
    "failing": "falla",
    "{count} failed runs in a row": "{count} ejecuciones fallidas seguidas",
    "No job has run yet: is the scheduler running (carepost serve or carepost worker)?": "Aún no se ha ejecutado ninguna tarea: ¿está en marcha el planificador (carepost serve o carepost worker)?",
    # patient messaging
    "Contacts": "Contactos",
    "Appointments": "Citas",
    "Appointment": "Cita",
    "SMS inbox": "Bandeja de SMS",
    "Reminder plans": "Planes de recordatorio",
    "Local phone": "Teléfono local",
    "Import contacts": "Importar contactos",
    "Imported {n} contacts.": "Importados {n} contactos.",
    "Imported {n} appointments.": "Importadas {n} citas.",
    "Tags are separated by ';'. Nothing is imported until every row is valid.": "Las etiquetas se separan con ';'. No se importa nada hasta que todas las filas son válidas.",
    "Import from the practice software": "Importar desde el programa de gestión del centro",
    "Dates and times are in the practice's time zone. Nothing is imported until every row is valid.": "Las fechas y horas están en la zona horaria del centro. No se importa nada hasta que todas las filas son válidas.",
    "Tag": "Etiqueta",
    "Tags": "Etiquetas",
    "Mobile phone": "Teléfono móvil",
    "Opted in to": "Ha aceptado recibir",
    "Export everything about this contact (JSON)": "Exportar todo lo que hay de este contacto (JSON)",
    "SMS by purpose": "SMS por finalidad",
    "Purpose": "Finalidad",
    "Legal basis": "Base jurídica",
    "May be sent": "Se puede enviar",
    "yes": "sí",
    "no": "no",
    "Consent history": "Historial de consentimiento",
    "Choice": "Decisión",
    "How": "Cómo",
    "SMS reply": "Respuesta por SMS",
    "Form": "Formulario",
    "Form version": "Versión del formulario",
    "Exact text the person was shown": "Texto exacto que se mostró a la persona",
    "Record": "Registrar",
    "SMS": "SMS",
    "granted": "concedido",
    "withdrawn": "retirado",
    "Patient": "Paciente",
    "Clinician": "Profesional",
    "Hours before the appointment": "Horas antes de la cita",
    "Placeholders": "Marcadores",
    "New plan": "Nuevo plan",
    "Change requests and messages that are not a keyword reply. Confirmations and opt-outs are applied without anyone's help.": "Peticiones de cambio y mensajes que no son una palabra clave. Las confirmaciones y las bajas se aplican sin intervención de nadie.",
    "unknown number": "número desconocido",
    "Mark as handled": "Marcar como atendido",
    "Handled": "Atendido",
    "{n} characters": "{n} caracteres",
    "{n} SMS": "{n} SMS",
    "{n} per SMS": "{n} por SMS",
    "These characters make the whole message UCS-2, which halves its room:": "Estos caracteres convierten todo el mensaje a UCS-2, que reduce su espacio a la mitad:",
    "In GSM-7": "En GSM-7",
    "Example": "Ejemplo",
    "The SMS the local phone channel received, by number. Answer as the patient would: carepost reads the answer like any reply.": "Los SMS que ha recibido el teléfono local, por número. Responda como lo haría el paciente: carepost lee la respuesta como cualquier otra.",
    "reminders": "recordatorios de citas",
    "results": "resultados disponibles",
    "campaigns": "campañas de prevención",
    "newsletters": "boletines",
    "invitations": "invitaciones a eventos",
    "service": "respuestas a sus mensajes",
    "care": "relación asistencial",
    "consent": "consentimiento expreso",
    "request": "petición de la persona",
    "booked": "reservada",
    "confirmed": "confirmada",
    "reschedule_requested": "pide cambio",
    "attended": "atendida",
    "no_show": "no acudió",
    "delivered": "entregado",
    "undelivered": "no entregado",
    "skipped": "no enviado",
    "reminder": "recordatorio",
    "confirmation": "confirmación",
    "opt_out": "baja",
    "opt_in": "alta",
    "answer to the person's own message": "respuesta a un mensaje de la persona",
    "the number is suppressed": "el número está bloqueado",
    "the person opted out": "la persona se dio de baja",
    "no recorded opt-in": "sin consentimiento registrado",
    "opted in": "consentimiento registrado",
    "care relationship": "relación asistencial",
    "Confirms": "Confirma",
    "Asks for another time": "Pide otra hora",
    "Opts out": "Se da de baja",
    "Opts back in": "Vuelve a darse de alta",
    "Asks for help": "Pide ayuda",
    "Message": "Mensaje",
    "help text": "texto de ayuda",
    "Test SMS queued; it goes out with the next sending round.": "SMS de prueba en cola; sale con la próxima ronda de envío.",
    "Send the Spanish text to a staff phone": "Enviar el texto en español a un teléfono del equipo",
    "Test send": "Envío de prueba",
    "A patient asked to change an appointment": "Un paciente ha pedido cambiar una cita",
    "SMS to the practice": "SMS al centro",
    "sms_reply": "SMS al centro",
    "Thank you: your appointment on {fecha} at {hora} is confirmed.": "Gracias, su cita del {fecha} a las {hora} queda confirmada.",
    "We got your request to change the appointment. We will call you to find another time.": "Hemos recibido su solicitud de cambio. Le llamaremos para darle otra hora.",
    "You will not get any more SMS from us. To get them again, reply START.": "Le hemos dado de baja y ya no le enviaremos SMS. Para volver a recibirlos, responda ALTA.",
    "You will get our SMS reminders again. Reply STOP to opt out.": "Vuelve a recibir nuestros recordatorios por SMS. Responda BAJA para dejar de recibirlos.",
    "{centro}: appointment reminders by SMS. Reply YES to confirm, CHANGE to ask for another time or STOP to opt out. Emergencies: {emergency}.": "{centro}: recordatorios de citas por SMS. Responda SI para confirmar, CAMBIAR para pedir otra hora o BAJA para no recibir SMS. Urgencias: {emergency}.",
    "If you or someone near you is in danger, call {emergency} now. A clinician of the practice has been told about your message.": "Si usted o alguien a su lado corre peligro, llame ahora al {emergency}. Un profesional del centro ya ha sido avisado de su mensaje.",
    # publishing
    "a clinician must approve this version of the post (a health claim, a rejected post or one flagged by moderation) before it is scheduled or published": "un clínico debe aprobar esta versión de la publicación (una afirmación de salud, una publicación rechazada o marcada por la moderación) antes de programarla o publicarla",
    "scheduled_at needs a UTC offset, e.g. 2026-12-01T09:00:00+01:00": "scheduled_at necesita la diferencia con UTC, p. ej. 2026-12-01T09:00:00+01:00",
    "choose a time between now and five years from now": "elige un momento entre ahora y dentro de cinco años",
    "{time} ({zone}) is in the past: choose a later time": "{time} ({zone}) ya ha pasado: elige un momento posterior",
    "a recurring post needs scheduled_at for its first occurrence": "una publicación periódica necesita fecha y hora para su primera vez",
    "the link must be a web address starting with https:// or http://": "el enlace debe ser una dirección web que empiece por https:// o http://",
    "a {status} post cannot be edited": "una publicación en estado «{status}» no se puede editar",
    "someone else changed this post meanwhile; reload it": "otra persona ha cambiado esta publicación mientras tanto; vuelve a cargarla",
    "this post is being sent right now; try again in a minute": "esta publicación se está enviando ahora mismo; inténtalo dentro de un minuto",
    "this post is not waiting for approval": "esta publicación no está pendiente de aprobación",
    "the post changed since you opened it; review the new version": "la publicación ha cambiado desde que la abriste; revisa la nueva versión",
    "say why the post is rejected, so the author can fix it": "explica por qué rechazas la publicación, para que la autora o el autor pueda corregirla",
    "a {status} post cannot be sent for approval": "una publicación en estado «{status}» no se puede enviar a aprobación",
    "a {status} post cannot be scheduled": "una publicación en estado «{status}» no se puede programar",
    "only a scheduled post can be paused": "solo se puede pausar una publicación programada",
    "this post is not paused": "esta publicación no está en pausa",
    "this post is already {status}": "esta publicación ya está en estado «{status}»",
    "no such delivery": "no existe ese envío",
    "only an uncertain or failed delivery can be resolved by hand": "solo un envío dudoso o fallido se puede resolver a mano",
    "the link must start with https://": "el enlace debe empezar por https://",
    "only verified clinicians review health claims": "solo los clínicos verificados revisan afirmaciones de salud",
    "no such post": "no existe esa publicación",
    "a {status} post cannot be published now": "una publicación en estado «{status}» no se puede publicar ahora",
    "this post is already published on its channels; to send it again, publish it again as a new post": "esta publicación ya está publicada en sus canales; para enviarla otra vez, publícala de nuevo como una publicación nueva",
    "nothing of this post waits to be sent": "no queda nada de esta publicación por enviar",
    "confirm that the same text should go out again as a new post": "confirma que el mismo texto debe salir otra vez como una publicación nueva",
    "only a post already published on all its channels can be published again": "solo una publicación ya publicada en todos sus canales se puede publicar de nuevo",
    "freq must be one of weekly, monthly, nth_weekday": "la repetición debe ser semanal, mensual o un día de la semana del mes",
    "interval must be between 1 and 52": "el intervalo debe estar entre 1 y 52",
    "n must be 1, 2, 3, 4 or -1 (last)": "la semana del mes debe ser 1, 2, 3, 4 o -1 (la última)",
    "weekday must be 0 (Monday) to 6 (Sunday)": "el día de la semana debe ir de 0 (lunes) a 6 (domingo)",
    "interval must be a whole number": "el intervalo debe ser un número entero",
    "n must be a whole number": "la semana del mes debe ser un número entero",
    "weekday must be a whole number": "el día de la semana debe ser un número entero",
    "until must be a date like 2027-06-30": "«hasta» debe ser una fecha como 2027-06-30",
    "use a date like 2026-12-01 and a time like 09:30": "usa una fecha como 2026-12-01 y una hora como 09:30",
    "write the post's text": "escribe el texto de la publicación",
    "{name}: at most {limit} characters": "{name}: como máximo {limit} caracteres",
    "choose at least one channel": "elige al menos un canal",
    "{name}: this value is not valid": "{name}: este valor no es válido",
    "choose approve or reject": "elige aprobar o rechazar",
    "choose a date": "elige una fecha",
    "use month=YYYY-MM or week=YYYY-Www, between {first} and {last}": "usa month=AAAA-MM o week=AAAA-Wss, entre {first} y {last}",
    "the header must name the columns {columns} (missing: {missing})": "la cabecera debe nombrar las columnas {columns} (faltan: {missing})",
    "at most {n} rows per file": "como máximo {n} filas por archivo",
    "a field is too long (over 131,072 characters) or badly quoted": "un campo es demasiado largo (más de 131.072 caracteres) o tiene las comillas mal puestas",
    "the file has no rows": "el archivo no tiene filas",
    "a date and time are required": "hacen falta una fecha y una hora",
    "the file is not UTF-8 text": "el archivo no es texto UTF-8",
    "row {n}": "fila {n}",
    "Yes, send this text again as a new post (it needs approval like any new post)": "Sí, enviar este texto otra vez como una publicación nueva (necesita aprobación como cualquier publicación nueva)",
    "Publish again as a new post": "Publicar de nuevo como publicación nueva",
    "A clinician has reviewed or been asked to review this post: the health claim stays, and a clinician approves every new version.": "Un clínico ha revisado esta publicación o se le ha pedido que la revise: la afirmación de salud se mantiene y un clínico aprueba cada nueva versión.",
    "weekly": "semanal",
    "monthly": "mensual",
    "nth_weekday": "un día de la semana al mes",
    # layout and flash messages
    "Menu": "Menú",
    "Main menu": "Menú principal",
    "Dismiss": "Cerrar",
    "Account {username} created.": "Cuenta {username} creada.",
    "Clinician verified.": "Clínico verificado.",
    "Post saved.": "Publicación guardada.",
    "Post approved.": "Publicación aprobada.",
    "Post rejected.": "Publicación rechazada.",
    "Decision saved.": "Decisión guardada.",
    "Decision saved for {n} items.": "Decisión guardada para {n} elementos.",
    "Thank you: the group's moderators will look at your report.": "Gracias: la moderación del grupo revisará tu denuncia.",
    # accounts: sessions, passwords, throttling, names
    "Change password": "Cambiar la contraseña",
    "Password changed. Your other sessions have ended.": "Contraseña cambiada. Tus otras sesiones se han cerrado.",
    "Current password": "Contraseña actual",
    "New password": "Contraseña nueva",
    "New password again": "Repite la contraseña nueva",
    "At least 10 characters; not a common password and not your username or display name.": "Al menos 10 caracteres; que no sea una contraseña común ni tu usuario o tu nombre visible.",
    "Where you are signed in": "Dónde tienes la sesión abierta",
    "unknown browser": "navegador desconocido",
    "Last active": "Última actividad",
    "this browser": "este navegador",
    "Sign out": "Cerrar sesión",
    "Sign out everywhere else": "Cerrar las demás sesiones",
    "Try again in {minutes} min.": "Vuelve a intentarlo dentro de {minutes} min.",
    "The password of {name} was reset; their sessions and API tokens have ended.": "Se ha restablecido la contraseña de {name}; sus sesiones y sus tokens de API se han cerrado.",
    "Give them this password now: it will not be shown again.": "Entrégale ahora esta contraseña: no se volverá a mostrar.",
    "Reset password": "Restablecer la contraseña",
    "empty: generate one": "vacío: generar una",
    "a username has 3 to 40 characters: lower-case letters a-z, digits and . _ -, starting with a letter or digit": "el usuario tiene de 3 a 40 caracteres: letras minúsculas a-z, cifras y . _ -, y empieza por una letra o una cifra",
    "too many failed log-ins for this account from your address; wait before trying again": "demasiados intentos fallidos para esta cuenta desde tu dirección; espera antes de volver a intentarlo",
    "a patient's display name cannot carry a professional title or a staff member's name": "el nombre visible de un paciente no puede llevar un título profesional ni el nombre de alguien del equipo",
    "a password needs 10 to 200 characters": "la contraseña necesita de 10 a 200 caracteres",
    "the password repeats too few different characters": "la contraseña repite muy pocos caracteres distintos",
    "the password is too easy to guess: avoid common passwords and your own names": "la contraseña es demasiado fácil de adivinar: evita contraseñas comunes y tus propios nombres",
    "the current password is not right": "la contraseña actual no es correcta",
    "choose a password different from the current one": "elige una contraseña distinta de la actual",
    "change your own password on your account page": "cambia tu propia contraseña en la página de tu cuenta",
    "the two new passwords differ": "las dos contraseñas nuevas no coinciden",
    "API tokens are for staff accounts": "los tokens de API son para cuentas del equipo",
    "no such session": "no existe esa sesión",
    "no such user": "no existe ese usuario",
    "enter your current password and a new one": "escribe tu contraseña actual y una nueva",
    "choose a pseudonym: other patients would see your full name": "elige un seudónimo: los demás pacientes verían tu nombre completo",
    # community
    "you are a member already": "ya eres miembro",
    "reaction must be one of {choices}": "la reacción debe ser una de estas: {choices}",
    # errors and limits
    "Reference": "Referencia",
    "The database is busy; try again in a few seconds.": "La base de datos está ocupada; inténtalo de nuevo en unos segundos.",
    "the request is too large": "la petición es demasiado grande",
    "the request contains a NUL character": "la petición contiene un carácter NUL",
    "the address contains a NUL character": "la dirección contiene un carácter NUL",
    "a value is too long, too large or not valid text": "un valor es demasiado largo, demasiado grande o no es texto válido",
}
