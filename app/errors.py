"""Domain errors that services raise; the web layer turns each into one HTTP status."""


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, **values: object):
        # `message` is the English catalogue key; `values` fill its {placeholders} after translation.
        self.template, self.values = message, values
        self.message = message.format(**values) if values else message
        super().__init__(self.message)
        self.field = field


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

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class LoginRequired(Exception):
    """No valid session or token: pages redirect to the login form, the API answers 401."""
