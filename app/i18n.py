"""The UI's message catalogue: English text is the key, Spanish its translation."""

from collections.abc import Callable

LOCALES = ("es", "en")

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
}

CATALOGUES = {"es": ES, "en": {}}


def translator(locale: str) -> Callable[..., str]:
    """A gettext-like function for locale; unknown text falls back to English."""
    catalogue = CATALOGUES.get(locale, {})

    def translate(message: str, **values: object) -> str:
        text = catalogue.get(message, message)
        return text.format(**values) if values else text

    return translate
