"""Errors raised by service functions. Views, API and CLI translate them for their users."""

from django.core.exceptions import ValidationError


class ServiceError(Exception):
    """A business rule refused the action. ``message`` is Chinese and shown to the user."""

    code = "refused"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class PermissionDenied(ServiceError):
    code = "forbidden"


class StateConflict(ServiceError):
    """The record changed underneath the actor (someone else acted first)."""

    code = "conflict"


def as_validation_error(error: ServiceError) -> ValidationError:
    if error.field:
        return ValidationError({error.field: error.message})
    return ValidationError(error.message)
