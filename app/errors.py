"""Domain errors that services raise; the web layer turns each into one HTTP status."""

from typing import Any

from app.i18n import Message


class DomainError(Exception):
    """message is English text with {name} fields filled from values; it is shown translated."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, **values: Any):
        if not isinstance(message, Message) or values:
            earlier = getattr(message, "values", {})
            message = Message(getattr(message, "msgid", message), **earlier, **values)
        super().__init__(message)
        self.message: Message = message
        self.field = field

    def translated(self, translate) -> str:
        """The message in the language of `translate` (an app.i18n translator)."""
        return translate(self.message)


class InvalidInput(DomainError):
    status_code = 422


class NotFound(DomainError):
    status_code = 404


class PermissionDenied(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


class TooManyRequests(DomainError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: int, **values: Any):
        super().__init__(message, **values)
        self.retry_after = retry_after


class LoginRequired(Exception):
    """No valid session or token: pages redirect to the login form, the API answers 401."""


class TwoFactorSetupRequired(Exception):
    """The user's role must sign in with two factors and this session has shown only one: pages
    redirect to the enrolment page, the API answers 403."""
